"""Which model a page uses: the pretrained one, the session's own, one of your saved runs or an
example, or your job training now (its newest weight snapshot). Other people's runs and jobs are
never offered, nor loaded by name. Pages infer with CPU copies, never the training module."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from torch import nn

from playground.engine import owners
from playground.engine.i18n import N_, Text, _
from playground.engine.records import SpecError
from playground.exchange.run_files import WEIGHTS
from playground.exchange.runs import load_run, visible_runs
from playground.tasks.image import catalog
from playground.tasks.image.export import pretrained
from playground.tasks.image.specs import ModelSpec
from playground.ui import state, visibility
from playground.ui.text import plain
from playground.ui.train import runs_view

PRETRAINED, SESSION, LIVE = "pretrained", "session", "live"


@dataclass(frozen=True)
class Choice:
    label: str
    spec: ModelSpec
    dataset: catalog.DatasetInfo  # what it was trained on: classes, pixel statistics
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
    if job is not None and job.spec == state.spec() and job.latest_weights() is not None:
        return f"job:{job.id}"
    return runs_view.model_run()


def options() -> dict[str, str]:
    """value -> label of every model the user can pick now."""
    found = {
        PRETRAINED: _("Pretrained (ships with the app, {test_accuracy:.2%})").format(
            test_accuracy=pretrained.test_accuracy()
        )
    }
    if _session_source():
        found[SESSION] = _("This session's model ({name})").format(name=state.spec().name)
    job = state.job()
    if job is not None and job.active:
        found[LIVE] = _("Live: your job training now ({name})").format(name=job.name)
    for run in visible_runs(state.owner()):
        if run.has_weights:
            mine = "" if run.owner else " (example)"
            found[str(run.path)] = _("Run {name}{mine}").format(name=run.name, mine=mine)
    return found


def pick(key: str, label: str = N_("Model")) -> Choice | None:
    """A selectbox of the models, defaulting to the session's own model when it has one;
    returns the chosen model ready for CPU inference, or None with a message shown."""
    found = options()
    default = SESSION if SESSION in found else PRETRAINED
    value = st.selectbox(
        _(label),
        list(found),
        index=list(found).index(default),
        format_func=found.get,
        key=key,
    )
    try:
        return load(value)
    except SpecError as e:
        st.error(plain(e.message), icon=":material/error:")
        return None


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


def _info(config) -> catalog.DatasetInfo:
    """What a model was trained on (the classes it kept, where it kept some)."""
    if config.dataset not in catalog.DATASETS:
        return catalog.DATASETS["mnist"]
    try:
        return catalog.info_of(config)
    except SpecError:
        return catalog.DATASETS[config.dataset]
