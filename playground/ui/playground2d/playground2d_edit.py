"""Playground 2-D's hand edits: the number of a clicked link or bias, typed anew, and the whole
network's weights and biases as JSON, out and back in. Training goes on from what is typed."""

from __future__ import annotations

import json

import streamlit as st

from playground.engine.i18n import _
from playground.playground2d import net
from playground.playground2d.experiment import ExperimentError
from playground.playground2d.trainer import Trainer
from playground.ui.text import plain

EDIT = "playground2d-edit"  # the link or bias clicked, to type a value for


def edit(run: Trainer) -> None:
    """The number for a clicked link or bias, to type a new one."""
    found = st.session_state.get(EDIT)
    if not found:
        return
    what, layer, j = found[0], int(found[1]), int(found[2])
    k = int(found[3]) if what == "link" else 0
    name = found[4] if what == "link" else found[3]
    current = net.to_json(run.snapshot().model)["layers"]
    try:
        now = current[layer]["weight"][j][k] if what == "link" else current[layer]["bias"][j]
    except IndexError:
        st.session_state.pop(EDIT, None)
        return
    label = (
        _("Weight {name}").format(name=name)
        if what == "link"
        else _("Bias of {name}").format(name=name)
    )
    cols = st.columns([3, 1, 1], vertical_alignment="bottom")
    value = cols[0].number_input(label, -100.0, 100.0, float(now), 0.1, format="%.3f",
                                 key=f"playground2d-edit-{what}-{layer}-{j}-{k}")  # fmt: skip
    if cols[1].button(_("Set"), key="playground2d-edit-set", type="primary"):
        try:
            run.set_value(what, layer, j, k, value)
        except ExperimentError as e:
            st.error(plain(e), icon=":material/error:")
        else:
            st.rerun(scope="app")
    if cols[2].button(_("Close"), key="playground2d-edit-close"):
        st.session_state.pop(EDIT, None)
        st.rerun()


def weights_box(run: Trainer) -> None:
    """The network's weights and biases as JSON, out and back in (typed by hand, or from an
    earlier download)."""
    with st.expander(_("Weights and biases (JSON)")):
        snap = run.snapshot()
        text = json.dumps(net.to_json(snap.model), indent=1)
        st.download_button(
            _("Download weights"),
            text,
            file_name="playground2d-weights.json",
            mime="application/json",
            key="playground2d-weights-out",
            on_click="ignore",
            icon=":material/download:",
        )
        typed = st.text_area(
            _("Load weights"),
            placeholder='{"layers": [{"weight": [[...]], "bias": [...]}, ...]}',
            key="playground2d-weights-in",
            height=120,
            help=_(
                "Paste weights downloaded here, or type your own: one entry per layer (the "
                "hidden layers, then the output), weight as rows of outputs by inputs."
            ),
        )
        if st.button(_("Use these weights"), key="playground2d-weights-use"):
            try:
                run.set_weights(json.loads(typed))
            except json.JSONDecodeError as e:
                st.error(
                    _("That is not JSON: {msg} (line {lineno}).").format(
                        msg=e.msg, lineno=e.lineno
                    ),
                    icon=":material/error:",
                )
            except ExperimentError as e:
                st.error(plain(e), icon=":material/error:")
            else:
                st.rerun()
