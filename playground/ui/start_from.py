"""Train's and Language's "Start from a trained model": a run of yours, an example or shared
run, or a model that ships; which weights are copied and why, which are frozen ("Train only
the last layer" in one click), and the copied layers' share of the learning rate. A link
carries the choice (?start=RUN) where the run is visible to the one who opens it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st
import torch
from safetensors.torch import load_file

from playground import ASSETS
from playground.engine import transfer
from playground.engine.records import SpecError
from playground.engine.task import named
from playground.exchange.runs import load_run, visible_runs
from playground.tasks.image import models
from playground.ui import state
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
    label: str = "Start from"
    use: Callable[[object], None] = state.set_spec


@st.cache_data(show_spinner=False, max_entries=4)
def _weights(folder: str, _mtime: float) -> dict[str, torch.Tensor]:
    return load_file(f"{folder}/weights.safetensors")


def sources(page: Page) -> dict[str, str]:
    """folder -> label of every model this session may start from."""
    me = state.owner()
    found = {SCRATCH: "Random weights (from scratch)"}
    found |= {folder: label for folder, (label, _) in page.shipped.items()}
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


def picker(page: Page, spec, meta_model: Callable[[object, str], torch.nn.Module]):
    """The start that the next job takes (None: random weights); problems said in words.
    `meta_model(spec, folder)`: the next model on the meta device as it would start from it."""
    found = sources(page)
    _from_link(page, found)
    key = f"{page.key}-source"
    with st.expander("Start from a trained model", expanded=st.session_state.get(key, SCRATCH)
                     != SCRATCH):  # fmt: skip
        if missed := st.session_state.pop(f"{page.key}-link-missed", None):
            st.warning(plain(f"The link names the run {missed}, which you cannot see (it is "
                             "someone else's, or was deleted): the next model starts from "
                             "random weights."), icon=":material/link_off:")  # fmt: skip
        if st.session_state.get(key) not in found:
            st.session_state[key] = SCRATCH
        choice = st.selectbox(page.label, list(found), format_func=found.get, key=key)
        _keep_in_link(choice, page)
        if choice == SCRATCH:
            st.caption("Every layer starts from random weights.")
            return None
        same = "Make the next model the same as this one, so every layer fits."
        if st.button("Use its layers", key=f"{page.key}-layers", help=same):
            page.use(load_run(choice).spec)
            st.rerun()
        freeze = f"{page.key}-freeze"
        try:
            weights = _weights(choice, (Path(choice) / "weights.safetensors").stat().st_mtime)
            model = meta_model(spec, choice)
            layers = transfer.layers_with_weights(model)
            if st.button("Train only the last layer", key=f"{page.key}-all-but-last"):
                st.session_state[freeze] = layers[:-1]
            st.session_state[freeze] = [x for x in st.session_state.get(freeze, [])
                                        if x in layers]  # fmt: skip
            frozen = st.multiselect("Frozen layers", layers, key=freeze,
                                    help="They keep the copied weights: no gradient, no "
                                    "optimizer state.")  # fmt: skip
            factor = st.number_input("Copied layers' learning rate (x the others')", 0.01, 10.0,
                                     1.0, 0.1, key=f"{page.key}-copied-lr")  # fmt: skip
            rows = transfer.plan(model, weights, tuple(frozen))
        except (OSError, ValueError, SpecError) as e:
            st.error(plain(f"That model cannot be a start: {getattr(e, 'message', e)}"))
            return None
        table(rows, f"{page.key}-table")
        if not any(r.action == "copied" for r in rows):
            st.warning("Nothing of it fits this model: every layer would start fresh.")
            return None
        name = page.shipped[choice][1] if choice in page.shipped else load_run(choice).name
        return transfer.Start(weights, name, tuple(frozen), float(factor), choice)


def table(rows: list[transfer.Row], key: str) -> None:
    """Every weight: its shape, copied or new and why, frozen or not."""
    st.dataframe(pd.DataFrame([{"weight": r.name, "shape": " x ".join(map(str, r.shape)),
                                "starts": r.action, "why": r.why,
                                "frozen": r.frozen} for r in rows]),
                 hide_index=True, key=key)  # fmt: skip
    frozen = sum(r.frozen for r in rows)
    if frozen:
        st.caption(f"{frozen} of {len(rows)} tensors are frozen: they get no gradient and no "
                   "optimizer state, so the step's memory and compute drop.")  # fmt: skip


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


_CNN = ("The pretrained CNN", "the pretrained CNN")
IMAGE = Page("image", "transfer", {str(ASSETS / "pretrained"): _CNN})
