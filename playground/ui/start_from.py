"""Train's and Language's "Start from a trained model": a run of yours, an example or shared
run, or a model that ships; which weights are copied and why, which are frozen ("Train only
the last layer" in one click), and the copied layers' share of the learning rate. A link
carries the choice (?start=RUN) where the run is visible to the one who opens it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st
import torch
from safetensors.torch import load_file

from playground import ASSETS
from playground.datasets.images import available
from playground.engine import transfer
from playground.engine.cost import count_flops, flops_text
from playground.engine.i18n import N_, _
from playground.engine.memory import size_text
from playground.engine.records import SpecError
from playground.engine.task import named
from playground.exchange.runs import load_run, visible_runs
from playground.tasks.image import models
from playground.tasks.image.export import few_labels
from playground.tasks.image.fit import estimate_memory
from playground.ui import image_session, state
from playground.ui.text import plain

SCRATCH = ""
LINK = "start"  # the query parameter that carries the choice: a run's (or shipped model's) name


@dataclass(frozen=True)
class Page:
    """What a page's picker needs: its task, the prefix of its widgets' keys, the models that
    ship (folder -> (label, its name in a sentence)), the label of its picker, and what "Use
    its layers" does."""

    task: str
    key: str
    shipped: dict[str, tuple[str, str]]
    label: str = N_("Start from")
    use: Callable[[object], None] = image_session.set_spec
    ready: tuple[str, str, Callable[[], None]] | None = None  # a ready experiment's button


@st.cache_data(show_spinner=False, max_entries=4)
def _weights(folder: str, _mtime: float) -> dict[str, torch.Tensor]:
    return load_file(f"{folder}/weights.safetensors")


@st.cache_resource(show_spinner=False, max_entries=16)
def _run(folder: str, _mtime: float):
    return load_run(folder)


def source_run(folder: str):
    """The run a start comes from, read once per version of its weights (every rerun of every
    page that shows the picker asks for it)."""
    return _run(folder, (Path(folder) / "weights.safetensors").stat().st_mtime)


def compare_box(start, key: str) -> bool:
    """ "Compare with training from scratch", offered once a start is chosen."""
    return start is not None and st.checkbox(
        _("Compare with training from scratch"),
        key=key,
        help=_(
            "Train the same recipe twice, from this model and from random weights, as one "
            "job, and see what starting from it bought."
        ),
    )


def sources(page: Page) -> dict[str, str]:
    """folder -> label of every model this session may start from."""
    me = state.owner()
    found = {SCRATCH: _("Random weights (from scratch)")}
    found |= {folder: _(label) for folder, (label, _name) in page.shipped.items()}
    for run in visible_runs(me):
        if run.task_name == page.task and run.has_weights:
            whose = "yours" if run.owner == me else "example" if not run.owner else "shared"
            found[str(run.path)] = f"{run.summary.get('name') or run.name} ({whose}, {run.name})"
    return found


def _from_link(page: Page, found: dict[str, str]) -> None:
    """The first time: the run that the page's address names, where this session may see it."""
    seen = f"{page.key}-link-read"
    if st.session_state.get(seen):
        return
    st.session_state[seen] = True
    wanted = st.query_params.get(LINK)
    if not wanted:
        return
    hits = [f for f in found if f and Path(f).name == wanted]
    if hits:
        st.session_state[f"{page.key}-source"] = hits[0]
    else:
        st.session_state[f"{page.key}-link-missed"] = wanted


_KEPT = ("source", "freeze", "copied-lr")  # the picker's widgets, kept across pages


def kept(page: Page) -> dict:
    """The session's choices for `page` (they outlive its widgets, which Streamlit forgets on
    another page): source, freeze, copied-lr."""
    return st.session_state.setdefault(f"{page.key}-kept", {})


def picker(page: Page, spec, meta_model: Callable[[object, str], torch.nn.Module]):
    """The start that the next job takes (None: random weights); problems said in words.
    `meta_model(spec, folder)`: the next model on the meta device as it would start from it."""
    choices = kept(page)
    for name in _KEPT:
        if f"{page.key}-{name}" not in st.session_state and name in choices:
            st.session_state[f"{page.key}-{name}"] = choices[name]
    try:
        return _picker(page, spec, meta_model)
    finally:
        choices.update({n: st.session_state[f"{page.key}-{n}"] for n in _KEPT
                        if f"{page.key}-{n}" in st.session_state})  # fmt: skip


def _picker(page: Page, spec, meta_model):
    found = sources(page)
    _from_link(page, found)
    key = f"{page.key}-source"
    with st.expander(
        _("Start from a trained model"), expanded=st.session_state.get(key, SCRATCH) != SCRATCH
    ):
        if missed := st.session_state.pop(f"{page.key}-link-missed", None):
            st.warning(plain(_("The link names the run {run}, which you cannot see (it is "
                               "someone else's, or was deleted): the next model starts from "
                               "random weights.").format(run=missed)),
                       icon=":material/link_off:")  # fmt: skip
        if page.ready is not None:
            label, about, load = page.ready
            st.button(_(label), on_click=load, key=f"{page.key}-ready", help=_(about),
                      icon=":material/science:")  # fmt: skip
        if st.session_state.get(key) not in found:
            st.session_state[key] = SCRATCH
        choice = st.selectbox(_(page.label), list(found), format_func=found.get, key=key)
        _keep_in_link(choice, page)
        if choice == SCRATCH:
            st.caption(_("Every layer starts from random weights."))
            return None
        same = _("Make the next model the same as this one, so every layer fits.")
        if st.button(_("Use its layers"), key=f"{page.key}-layers", help=same):
            page.use(source_run(choice).spec)
            st.rerun()
        freeze = f"{page.key}-freeze"
        try:
            weights = _weights(choice, (Path(choice) / "weights.safetensors").stat().st_mtime)
            model = meta_model(spec, choice)
            layers = transfer.layers_with_weights(model)
            if st.button(_("Train only the last layer"), key=f"{page.key}-all-but-last"):
                st.session_state[freeze] = layers[:-1]
            st.session_state[freeze] = [x for x in st.session_state.get(freeze, []) if x in layers]
            frozen = st.multiselect(
                _("Frozen layers"),
                layers,
                key=freeze,
                placeholder=_("None: every layer learns"),
                help=_("They keep the copied weights: no gradient, no optimizer state."),
            )
            factor = st.number_input(_("Copied layers' learning rate (x the others')"), 0.01, 10.0,
                                     1.0, 0.1, key=f"{page.key}-copied-lr")  # fmt: skip
            rows = transfer.plan(model, weights, tuple(frozen))
        except (OSError, ValueError, SpecError) as e:
            st.error(plain(_("That model cannot be a start: {why}").format(why=_(str(e)))))
            return None
        table(rows, f"{page.key}-table")
        if not any(r.action == "copied" for r in rows):
            st.warning(_("Nothing of it fits this model: every layer would start fresh."))
            return None
        name = page.shipped[choice][1] if choice in page.shipped else source_run(choice).name
        return transfer.Start(weights, name, tuple(frozen), float(factor), choice)


def table(rows: list[transfer.Row], key: str) -> None:
    """Every weight: its shape, copied or new and why, frozen or not."""
    st.dataframe(pd.DataFrame([{_("weight"): r.name, _("shape"): " x ".join(map(str, r.shape)),
                                _("starts"): _(r.action), _("why"): _(r.why),
                                _("frozen"): r.frozen} for r in rows]),
                 hide_index=True, key=key)  # fmt: skip
    frozen = sum(r.frozen for r in rows)
    if frozen:
        st.caption(
            _(
                "{frozen} of {all} tensors are frozen: they get no gradient and no "
                "optimizer state, so the step's memory and compute drop."
            ).format(frozen=frozen, all=len(rows))
        )


def _keep_in_link(choice: str, page: Page) -> None:
    """The address says where the next model starts (`?start=`), or nothing for scratch."""
    value = Path(choice).name if choice != SCRATCH else ""
    if value and st.query_params.get(LINK) != value:
        st.query_params[LINK] = value
    elif not value and LINK in st.query_params:
        del st.query_params[LINK]


def extra_for(task: str, start: transfer.Start | None, extra, spec):
    """A job's extra data with what its start brings (a language model's tokenizer)."""
    if start is None or not start.folder:
        return extra
    return named(task).start_extra(extra, Path(start.folder), spec)


def image_model(spec, folder: str) -> torch.nn.Module:
    """The next image model on the meta device (its weights do not depend on the start)."""
    with torch.device("meta"):
        return models.build(spec)


def _digits_experiment() -> None:
    """Digits 0-4 -> 5-9 with 10 labels a digit, frozen features, compared with scratch (a
    button's callback: it runs before the widgets it sets)."""
    dataset = "mnist" if available("mnist") else "mnist-sample"
    spec = few_labels.model()
    image_session.set_spec(spec)
    image_session.set_config(few_labels.fine_tune_config(dataset))
    model = image_model(spec, "")
    frozen = {n.rsplit(".", 1)[0] for n in transfer.frozen_names(model, few_labels.FREEZE)}
    layers = [x for x in transfer.layers_with_weights(model) if x in frozen]
    kept(IMAGE).update({"source": str(few_labels.FOLDER), "freeze": layers, "copied-lr": 1.0})
    for name in _KEPT:
        st.session_state.pop(f"{IMAGE.key}-{name}", None)
    st.session_state["transfer-compare"] = True


_SHIPPED = {
    str(ASSETS / "pretrained"): (
        N_("The pretrained CNN (all ten digits)"),
        N_("the pretrained CNN"),
    ),
    str(few_labels.FOLDER): (
        N_("Digits 0-4: a CNN pretrained on MNIST 0-4 only"),
        N_("the model of digits 0-4"),
    ),
}
_READY = (
    N_("Ready experiment: digits 0-4, then 5-9 from 10 examples each"),
    N_(
        "Start from a model that has seen only the digits 0-4, learn 5-9 from 50 labelled images "
        "with its convolutions frozen, and compare with the same model from scratch."
    ),
    _digits_experiment,
)
IMAGE = Page("image", "transfer", _SHIPPED, ready=_READY)


def build_view(spec, config) -> set[int]:
    """Build's "Frozen layers": the same choice as Train's, with what freezing saves (the
    step's memory and FLOPs without the frozen layers' gradients); the frozen layers' indexes."""
    choices = kept(IMAGE)
    source = choices.get("source", SCRATCH)
    with st.expander(_("Frozen layers"), expanded=bool(choices.get("freeze"))):
        if source == SCRATCH or not Path(source).is_dir():
            st.caption(
                _(
                    "Freezing keeps a trained model's layers as they are: choose the model "
                    "to start from on Train (Start from a trained model), then freeze its "
                    "layers here or there."
                )
            )
            return set()
        model = image_model(spec, source)
        layers = transfer.layers_with_weights(model)
        wanted = [x for x in choices.get("freeze", []) if x in layers]
        shown = st.session_state.get("build-frozen")
        if shown is None or not set(shown) <= set(layers):  # first shown here, or a new model
            st.session_state["build-frozen"] = wanted
        label = {
            x: f"{int(x.split('.')[0]) + 1}: {spec.layers[int(x.split('.')[0])].label}"
            for x in layers
        }
        same = _("The same choice as on Train: no gradient, no optimizer state.")
        frozen = st.multiselect(_("Frozen layers"), layers, format_func=label.get,
                                key="build-frozen", help=same,
                                placeholder=_("None: every layer learns"))  # fmt: skip
        if frozen != wanted:
            choices["freeze"] = frozen
            st.session_state.pop(f"{IMAGE.key}-freeze", None)  # Train shows it from here
        names = frozenset(transfer.frozen_names(model, tuple(frozen)))
        _savings(spec, config, names)
        return {int(x.split(".")[0]) for x in frozen}


@functools.lru_cache(maxsize=32)  # counted on the meta device, once per model and choice
def _flops(task, spec, config, names: frozenset[str]) -> float:
    return count_flops(task, spec, config, names)


def _savings(spec, config, names: frozenset[str]) -> None:
    if not names:
        st.caption(_("No layer is frozen: every weight trains."))
        return
    task = named("image")
    both = [
        estimate_memory(spec, config.batch_size, config.optimizer, frozen=f).total
        for f in (names, frozenset())
    ]
    flops = [_flops(task, spec, config, f) for f in (names, frozenset())]
    cols = st.columns(2)
    saved = _("{size} frozen").format(size=size_text(both[0] - both[1]))
    cols[0].metric(
        _("Memory of a step"),
        size_text(both[0]),
        saved if both[0] < both[1] else None,
        delta_color="inverse",
    )
    cols[1].metric(
        _("Training FLOPs per image"),
        flops_text(flops[0]),
        f"-{1 - flops[0] / flops[1]:.0%}" if flops[1] else None,
        delta_color="inverse",
    )
    st.caption(
        _(
            "Frozen weights get no gradient and no optimizer state, and the backward pass "
            "skips what only they need."
        )
    )
