"""Which model a page uses: the pretrained one, the session's own, one of your saved runs or an
example, or your job training now (its newest weight snapshot). Other people's runs and jobs are
never offered, nor loaded by name. Pages infer with CPU copies, never the training module."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from torch import nn

from playground.datasets import image_sets
from playground.engine import owners
from playground.engine.i18n import N_, Text, _
from playground.engine.records import SpecError
from playground.exchange.run_files import WEIGHTS
from playground.exchange.runs import load_run, visible_runs
from playground.tasks.image.export import pretrained
from playground.tasks.image.specs import ModelSpec
from playground.ui import image_session, run_label, state, visibility
from playground.ui.image import actions as image_actions
from playground.ui.text import plain

PRETRAINED, SESSION, LIVE = "pretrained", "session", "live"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Choice:
    label: str
    spec: ModelSpec
    dataset: image_sets.DatasetInfo  # what it was trained on: classes, pixel statistics
    loss: str  # what it was trained with: it says what its outputs mean (evaluation.py)
    model: nn.Module | None  # None: no weights yet (a live job before its first snapshot)
    note: str = ""
    version: str = ""  # changes whenever the weights do: a key for cached results
    value: str = ""  # the picker's value it was loaded from
    live: bool = False  # its weights change: a job that is training now
    temperature: float = 1.0  # divides its outputs for a calibrated confidence (1: not fitted)

    def refreshed(self) -> Choice:
        """A live model's newest snapshot (itself when not live, or when the job has gone)."""
        if not self.live:
            return self
        try:
            return load(self.value)
        except SpecError:
            return self


@st.cache_resource(max_entries=8)
def _run_model(path: str, mtime: float) -> nn.Module:
    return load_run(path).model()


@st.cache_resource
def _pretrained() -> nn.Module:
    return pretrained.model()


def _session_source() -> str | None:
    """The session's own trained model: its job's (if the job trained the current spec and
    has weights) or the run it loaded."""
    job = state.job()
    if job is not None and job.spec == image_session.spec() and job.latest_weights() is not None:
        return f"job:{job.id}"
    return image_actions.model_run()


def _usable(run) -> bool:
    """A run these pages can read: an image classifier's, with weights."""
    return run.task_name == "image" and run.has_weights


def options() -> dict[str, str]:
    """value -> label of every model the user can pick now, each set of weights once: a job
    training now is "Live" (and nothing else); once it ends, its run."""
    found = {
        PRETRAINED: _("Pretrained (ships with the app, {test_accuracy:.2%})").format(
            test_accuracy=pretrained.test_accuracy()
        )
    }
    job, source = state.job(), _session_source()
    if job is not None and job.active:
        found[LIVE] = _("Live: your job training now ({name})").format(name=job.name)
    runs = [r for r in visible_runs(state.owner()) if _usable(r)]
    listed = {str(r.path) for r in runs}
    ended = job is not None and not job.active and source == f"job:{job.id}"
    if ended and str(job.run_dir) not in listed:  # a job whose run was not kept (disk cap)
        found[SESSION] = _("This session's model ({name})").format(name=image_session.spec().name)
    for run in runs:
        found[str(run.path)] = run_label.label(run)
    return found


def _session_value(found: dict[str, str]) -> str:
    """The entry of the session's own model, where it has one: its job live, the run the job
    made, or the run it loaded; else the pretrained model."""
    source, job = _session_source(), state.job()
    if source is not None and source.startswith("job:"):
        if LIVE in found:
            return LIVE
        if SESSION in found:
            return SESSION
        source = str(job.run_dir) if job is not None and job.run_dir else None
    return source if source in found else PRETRAINED


def pick(key: str, label: str = N_("Model")) -> Choice | None:
    """A selectbox of the models, defaulting to the session's own model when it has one;
    returns the chosen model ready for CPU inference, or None with a message shown. A choice
    that is gone (a job that ended, a deleted run) becomes the session's own model again, and
    one that cannot be read says so and is not kept."""
    found = options()
    chosen = st.session_state.pop(f"{key}-next", None) or st.session_state.get(key)
    if chosen == LIVE and LIVE not in found:  # the job ended: its run
        job = state.job()
        chosen = str(job.run_dir) if job is not None and job.run_dir else None
    st.session_state[key] = chosen if chosen in found else _session_value(found)
    value = st.selectbox(_(label), list(found), format_func=found.get, key=key)
    try:
        return load(value)
    except SpecError as e:
        st.error(plain(e.message), icon=":material/error:")
    except Exception:  # a run folder damaged in a way its checks did not foresee
        logger.exception("loading model %r failed", value)
        st.error(_("That model cannot be read: pick another one."), icon=":material/error:")
    del st.session_state[key]  # the next run starts from the session's own model again
    return None


def choose_next(key: str, value: str) -> None:
    """Make `value` the choice of the picker `key` on the page's next run (a widget's value
    cannot be set once it is drawn)."""
    st.session_state[f"{key}-next"] = value


def keep_state_for(choice: Choice, prefixes: tuple[str, ...]) -> None:
    """Session state whose keys start with `prefixes` belongs to one model (a chosen cell of
    its confusion matrix, a layer or channel of it): it is dropped when the page's model
    changes, so nothing of the last model's (ten digits) is read against the next one's
    (five classes, another layer stack)."""
    mark = f"model-of-{prefixes[0]}"
    identity = (choice.value, choice.spec, choice.dataset.classes)
    if st.session_state.get(mark) != identity:
        for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(prefixes)]:
            del st.session_state[key]
        st.session_state[mark] = identity


def no_weights_yet(choice: Choice) -> None:
    """Says a job has no weights yet and, while it trains, reruns the page once it has."""
    st.info(_("The job has no weights yet: they appear after its first steps."))

    def check() -> None:
        if choice.refreshed().model is not None:
            st.rerun(scope="app")

    if choice.live:
        st.fragment(check, run_every=visibility.every(1.0))()


def load(value: str) -> Choice:
    if value == PRETRAINED:
        run = pretrained.run()
        return Choice(
            "Pretrained", run.spec, _info(run.config), run.config.loss, _pretrained(),
            "", "pretrained", value, temperature=temperature_of(run.summary),
        )  # fmt: skip
    if value == LIVE:
        job = state.job()
        if job is None:
            raise SpecError(Text("You have no job training now: pick another model."))
        return Choice(
            _("Live: {name}").format(name=job.name),
            job.spec,
            _info(job.config),
            job.config.loss,
            job.inference_model(),
            N_("It follows the job's newest weights."),
            _job_version(job),
            value,
            job.active,
        )
    if value == SESSION:
        source = _session_source()
        if source is None:
            raise SpecError(Text("This session has no trained model yet: train one on Train."))
        if source.startswith("job:"):
            job = state.job()
            return Choice(
                _("This session's {name}").format(name=job.name),
                job.spec,
                _info(job.config),
                job.config.loss,
                job.inference_model(),
                version=_job_version(job),
                value=SESSION,
                live=job.active,
                temperature=temperature_of(job.summary),
            )
        value = source
    path = Path(value)
    run = load_run(path)
    if not run.visible_to(state.owner()):
        raise SpecError(str(owners.not_yours(N_("run"))))
    if not _usable(run):
        raise SpecError(
            Text(
                "Run {name} is not an image classifier with weights: pick another model.",
                name=run.name,
            )
        )
    mtime = (path / WEIGHTS).stat().st_mtime
    model = _run_model(str(path), mtime)
    return Choice(
        _("Run {name}").format(name=run.name),
        run.spec,
        _info(run.config),
        run.config.loss,
        model,
        version=f"{path}:{mtime}",
        value=value,
        temperature=temperature_of(run.summary),
    )


def temperature_of(summary: dict) -> float:
    """The temperature a finished run was calibrated with (1.0 where it was not, or where the
    number is not one we wrote)."""
    t = summary.get("temperature")
    return float(t) if isinstance(t, (int, float)) and 0.01 < t < 100 else 1.0


def _job_version(job) -> str:
    latest = job.latest_weights()
    return f"job:{job.id}:{latest[0] if latest else 0}"


def _info(config) -> image_sets.DatasetInfo:
    """What a model was trained on (the classes it kept, where it kept some)."""
    if config.dataset not in image_sets.DATASETS:
        return image_sets.DATASETS["mnist"]
    try:
        return image_sets.info_of(config)
    except SpecError:
        return image_sets.DATASETS[config.dataset]
