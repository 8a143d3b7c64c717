"""Train's "Start from a trained model": a run of yours, an example run or the pretrained CNN;
which layers are copied and why, which are frozen ("Train only the last layer" in one click),
and the copied layers' share of the learning rate."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st
import torch
from safetensors.torch import load_file

from playground import ASSETS
from playground.engine import transfer
from playground.engine.records import SpecError
from playground.exchange.runs import load_run, visible_runs
from playground.tasks.image import models
from playground.ui import state
from playground.ui.text import plain

SCRATCH, PRETRAINED = "", str(ASSETS / "pretrained")
_FREEZE = "transfer-freeze"


@st.cache_data(show_spinner=False, max_entries=4)
def _weights(folder: str, _mtime: float) -> dict[str, torch.Tensor]:
    return load_file(f"{folder}/weights.safetensors")


def _sources() -> dict[str, str]:
    me = state.owner()
    found = {SCRATCH: "Random weights (from scratch)", PRETRAINED: "The pretrained CNN"}
    for run in visible_runs(me):
        if run.task_name == "image" and run.has_weights:
            whose = "yours" if run.owner == me else "example"
            found[str(run.path)] = f"{run.summary.get('name') or run.name} ({whose}, {run.name})"
    return found


def picker(spec) -> transfer.Start | None:
    """The start that the next job takes (None: random weights); problems said in words."""
    with st.expander("Start from a trained model"):
        sources = _sources()
        if st.session_state.get("transfer-source") not in sources:
            st.session_state["transfer-source"] = SCRATCH
        choice = st.selectbox("Start from", list(sources), format_func=sources.get,
                              key="transfer-source")  # fmt: skip
        if choice == SCRATCH:
            st.caption("Every layer starts from random weights.")
            return None
        same = "Make the next model the same as this one, so every layer fits."
        if st.button("Use its layers", key="transfer-layers", help=same):
            state.set_spec(load_run(choice).spec)
            st.rerun()
        try:
            weights = _weights(choice, (Path(choice) / "weights.safetensors").stat().st_mtime)
            with torch.device("meta"):
                model = models.build(spec)
            layers = transfer.layers_with_weights(model)
            if st.button("Train only the last layer", key="transfer-all-but-last"):
                st.session_state[_FREEZE] = layers[:-1]
            st.session_state[_FREEZE] = [x for x in st.session_state.get(_FREEZE, [])
                                         if x in layers]  # fmt: skip
            frozen = st.multiselect("Frozen layers", layers, key=_FREEZE,
                                    help="They keep the copied weights: no gradient, no "
                                    "optimizer state.")  # fmt: skip
            factor = st.number_input("Copied layers' learning rate (x the others')", 0.01, 10.0,
                                     1.0, 0.1, key="transfer-copied-lr")  # fmt: skip
            rows = transfer.plan(model, weights, tuple(frozen))
        except (OSError, ValueError, SpecError) as e:
            st.error(plain(f"That model cannot be a start: {getattr(e, 'message', e)}"))
            return None
        st.dataframe(pd.DataFrame([{"weight": r.name, "shape": " x ".join(map(str, r.shape)),
                                    "starts": r.action, "why": r.why,
                                    "frozen": r.frozen} for r in rows]),
                     hide_index=True, key="transfer-table")  # fmt: skip
        if not any(r.action == "copied" for r in rows):
            st.warning("Nothing of it fits this model: every layer would start fresh.")
            return None
        name = sources[choice] if choice != PRETRAINED else "the pretrained CNN"
        if choice != PRETRAINED:
            name = load_run(choice).name
        return transfer.Start(weights, name, tuple(frozen), float(factor))
