"""The Generate page's pieces: which model makes the digits (the session's job, or a run), the
digits it makes (the one asked for, for a model told the class), its 2-D latent space, the
training form, and the timeline of what it made as it learned."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
import torch

from playground.engine.cost import flops_text
from playground.engine.i18n import _
from playground.engine.records import SpecError
from playground.exchange.runs import Run, load_run, visible_runs
from playground.tasks.generate import sampling, score
from playground.tasks.generate.recipe import REGISTRIES, SETTINGS, GenerateConfig
from playground.tasks.generate.specs import FAMILIES, SPEC_SETTINGS, GenSpec
from playground.tasks.generate.specs import REGISTRIES as SPEC_REGISTRIES
from playground.tasks.generate.task import GENERATE
from playground.ui import state, visibility
from playground.ui.generate import score_view
from playground.ui.generate.actions import FORM_CONFIG, FORM_SPEC, PICK, PRESET
from playground.ui.run_label import label as run_label
from playground.ui.text import plain
from playground.ui.train.train_form import widget

NOW_SECONDS = 2.0  # what a training model makes is redrawn this often
STEP_CHOICES = (2, 5, 10, 25, 50, 100, 250, 500)  # a diffusion model's sampling steps (and all)
LIVE = "live"  # the pick that means this session's job
FOLLOW = "generate-follow"  # a job was just started here: show its model once it has one
SPEC_FIELDS = {  # the model's fields the form shows, by family
    "vae": ("hidden", "latent", "architecture", "conditional"),
    "gan": ("hidden", "latent", "conditional"),
    "diffusion": ("hidden", "timesteps", "schedule", "conditional"),
}
CONFIG_FIELDS = {
    "vae": ("dataset", "epochs", "batch_size", "beta", "lr", "train_limit"),
    "gan": ("dataset", "epochs", "batch_size", "d_steps", "lr", "train_limit"),
    "diffusion": ("dataset", "epochs", "batch_size", "lr", "train_limit"),
}
_SPEC, _CONFIG, _PRESET = FORM_SPEC, FORM_CONFIG, PRESET


# --- the model that makes the digits ----------------------------------------------------------


def _ready() -> list[Path]:
    """The models that ship with the app (the default one first)."""
    first = GENERATE.pretrained
    if first is None or not first.parent.is_dir():
        return []
    found = [f for f in first.parent.iterdir() if (f / "weights.safetensors").exists()]
    return sorted(found, key=lambda f: (f != first, f.name))


def _runs() -> list[Run]:
    return [r for r in visible_runs(state.owner()) if r.task is GENERATE and r.has_weights]


@st.cache_resource(max_entries=8, show_spinner=False)
def _model_of(folder: str, modified: float):
    return load_run(Path(folder)).model()


@dataclass(frozen=True)
class Picked:
    """The model the page makes digits with, and what its run knows about it."""

    model: torch.nn.Module
    spec: GenSpec
    snapshots: list  # the timeline's moments
    summary: dict  # what it reached ({} while it trains)
    epochs: list  # its epoch records
    dataset: str  # what it learned from
    key: str  # names these weights: views cache what they draw under it


def pick_model() -> Picked | None:
    """The model the page makes digits with, or None if there is none yet; the choice of the
    session's job or one of the runs its owner may see."""
    job = state.job("generate")
    options = {}
    if job is not None and job.latest_weights() is not None:
        options[LIVE] = _("This session's model (training: {status})").format(
            status=_(job.status.value)
        )
    for ready in _ready():
        family = _(FAMILIES[load_run(ready).spec.family].label)
        said = _("Ready model (ships with the app): {family}, told the class")
        options[str(ready)] = said.format(family=family)
    for run in _runs():
        options[str(run.path)] = run_label(run)
    if not options:
        return None
    if LIVE in options and st.session_state.pop(FOLLOW, False):
        st.session_state[PICK] = LIVE
    if st.session_state.get(PICK) not in options:
        st.session_state[PICK] = next(iter(options))
    chosen = st.selectbox(_("Model"), list(options), format_func=options.get, key=PICK)
    if chosen == LIVE:
        version = job.latest_weights()[0]
        return Picked(job.inference_model(), job.spec, job.history.snapshots(), job.summary,
                      job.log.epochs(), job.config.dataset,
                      f"job {job.id} {version} {bool(job.summary)}")  # fmt: skip
    run = load_run(Path(chosen))
    modified = (Path(chosen) / "weights.safetensors").stat().st_mtime
    return Picked(_model_of(chosen, modified), run.spec, run.history(), run.summary,
                  run.log().epochs(), run.config.dataset, f"{chosen} {modified}")  # fmt: skip


@st.cache_data(max_entries=64, show_spinner=False)
def _made(key: str, n: int, digit, seed: int, how: tuple, _model):
    """(images, seconds an image) the model named `key` makes: drawn once per choice."""
    started = time.perf_counter()
    images = sampling.make(_model, n, digit, seed, **dict(how))
    return images, (time.perf_counter() - started) / len(images)


def digits(picked: Picked) -> None:
    """Digits made from fixed noise: the one asked for (a model told the class), or any."""
    model, spec = picked.model, picked.spec
    cols = st.columns([1, 1, 2], vertical_alignment="bottom")
    digit = None
    if spec.conditional:
        asked = cols[0].text_input(_("Which digit?"), "7", key="generate-digit",
                                   help=_("Type {ask}.").format(ask=_(sampling.ASK)))  # fmt: skip
        try:
            digit = sampling.digit_of(asked)
        except SpecError as e:
            st.warning(plain(e.message), icon=":material/help:")
            return
    same = _("The same seed, the same noise: the same images.")
    seed = cols[1].number_input(_("Seed"), 0, 10_000, 0, key="generate-seed", help=same)
    how = {}
    if spec.family == "diffusion":
        knobs = st.columns(2)
        counts = sorted({c for c in STEP_CHOICES if c < spec.timesteps} | {spec.timesteps})
        how["steps"] = knobs[0].select_slider(
            _("Sampling steps"), counts, sampling.STEPS if sampling.STEPS in counts else counts[0],
            key="generate-steps",
            help=_("Fewer: faster and rougher; the last is the full chain, a step for each of "
                   "the {n:,} noise levels it was trained on (slow)."
                   ).format(n=spec.timesteps))  # fmt: skip
        if spec.conditional:
            how["guidance"] = knobs[1].slider(
                _("Guidance"), 0.0, 8.0, sampling.GUIDANCE, 0.5, key="generate-guidance",
                help=_("How hard it leans towards the digit asked for: 0 is the class alone; "
                       "higher, clearer digits that look more alike."))  # fmt: skip
    if not spec.conditional:
        cols[2].caption(
            _(
                "This model is not told the class: it makes whichever digits it likes. Train "
                'one with "Told the class" on to ask for a digit.'
            )
        )
    n = 20 if spec.family == "diffusion" else 40  # a diffusion model draws in many passes
    images, took = _made(picked.key, n, digit, int(seed), tuple(sorted(how.items())), model)
    st.image(sampling.grid(images), width=560, clamp=True)
    device = state.machine_device()
    flops = sampling.flops_per_image(model, **how)
    speed = _("{ms:.1f} ms and {flops} an image on {device}.").format(
        ms=took * 1000, flops=flops_text(flops), device=device)  # fmt: skip
    st.caption(score.sentence(score.read(images, digit), len(images)) + " " + speed)


def timeline(spec: GenSpec, snapshots: list) -> None:
    """What the model made from the same noise at moments of its training."""
    if len(snapshots) < 2:
        return
    st.subheader(_("What it made as it learned"))
    labels = [_(s.label) for s in snapshots]
    at = st.select_slider(_("Moment"), options=list(range(len(snapshots))),
                          value=len(snapshots) - 1, format_func=labels.__getitem__,
                          key="generate-moment")  # fmt: skip
    model = GENERATE.build(spec)
    model.load_state_dict(snapshots[at].state)
    st.image(sampling.grid(sampling.make(model.eval(), 20), columns=10), width=560, clamp=True)
    st.caption(_("The same noise at every moment: noise first, then blobs, then strokes, then "
                 "digits."))  # fmt: skip


@st.cache_data(max_entries=16, show_spinner=False)
def _now(job_id: str, version: int, _job):
    """What a job's model of weights `version` makes from the fixed noise: drawn once per
    version, however many pages poll it."""
    model = _job.inference_model()
    quick = {"steps": 10} if _job.spec.family == "diffusion" else {}  # beside the training
    return sampling.grid(sampling.make(model, 20, **quick), columns=10)


def now(job) -> None:
    """What the session's job makes now from the fixed noise, and how many moments its timeline
    holds: redrawn every few seconds while it trains."""
    every = None if job.status.ended else visibility.every(NOW_SECONDS)

    @st.fragment(run_every=every)
    def drawn() -> None:
        latest = job.latest_weights()
        if latest is None:
            return
        moments = len(job.history.snapshots())
        st.subheader(_("What it makes now: {n} moments so far").format(n=moments))
        st.image(_now(job.id, latest[0], job), width=560, clamp=True)
        score_view.terms(job.log.epochs(), "generate-now-terms")
        if every and job.status.ended:
            st.rerun()  # a full run: the page above shows the finished model

    drawn()


# --- training one -------------------------------------------------------------------------------


def form() -> tuple[GenSpec, GenerateConfig] | None:
    """The preset, the model's shape and the main settings; the (spec, config) they describe,
    or None with the reason shown."""
    presets = GENERATE.presets()
    name = st.selectbox(_("Start from"), list(presets), key=_PRESET,
                        help=_("A recipe that trains in about a minute here."))  # fmt: skip
    if st.session_state.get(f"{_PRESET}-loaded") != name:
        spec, config = presets[name]()
        st.session_state[_SPEC], st.session_state[_CONFIG] = spec, config
        st.session_state[f"{_PRESET}-loaded"] = name
        state.bump("generate")
    spec, config, v = st.session_state[_SPEC], st.session_state[_CONFIG], state.version("generate")
    rows = {s.name: s for s in SPEC_SETTINGS}
    cols = st.columns(5)
    family = widget(cols[0], rows["family"], spec.family, f"generate-{v}-family",
                    registries=SPEC_REGISTRIES)  # fmt: skip
    shape = {"family": family}
    for i, f in enumerate(SPEC_FIELDS[family]):
        shape[f] = widget(cols[i + 1], rows[f], getattr(spec, f), f"generate-{v}-{f}",
                          registries=SPEC_REGISTRIES)  # fmt: skip
    fields = CONFIG_FIELDS[family]
    cols = st.columns(len(fields))
    rows = {s.name: s for s in SETTINGS}
    recipe = {f: widget(cols[i], rows[f], getattr(config, f), f"generate-{v}-{f}",
                        registries=REGISTRIES, on_optimizer=lambda key: None,
                        optimizer=config.optimizer)
              for i, f in enumerate(fields)}  # fmt: skip
    try:
        spec = GenSpec.from_dict({**spec.to_dict(), **shape})
        config = GenerateConfig.from_dict({**config.to_dict(), **recipe})
    except SpecError as e:
        st.error(plain(e.message), icon=":material/error:")
        return None
    st.session_state[_SPEC], st.session_state[_CONFIG] = spec, config
    return dataclasses.replace(spec, name=name), config
