"""Train one, on the Listen page: a preset (a CNN, an MLP or a GRU), the model's shape and the
main settings, and the job's live view once it starts."""

from __future__ import annotations

import dataclasses

import streamlit as st

from playground.engine.i18n import _
from playground.engine.records import SpecError
from playground.tasks.listen.recipe import REGISTRIES, SETTINGS, ListenConfig
from playground.tasks.listen.specs import REGISTRIES as SPEC_REGISTRIES
from playground.tasks.listen.specs import SPEC_SETTINGS, ListenSpec
from playground.tasks.listen.task import LISTEN
from playground.ui import state
from playground.ui.listen import hear_view
from playground.ui.listen.actions import FORM_CONFIG, FORM_SPEC, PRESET
from playground.ui.text import plain
from playground.ui.train import live
from playground.ui.train.train_form import widget

SPEC_FIELDS = ("architecture", "width", "mels", "hop", "dropout")
CONFIG_FIELDS = ("language", "epochs", "batch_size", "lr", "augment")


def form() -> tuple[ListenSpec, ListenConfig] | None:
    """The preset, the model's shape and the main settings; the (spec, config) they describe,
    or None with the reason shown."""
    presets = LISTEN.presets()
    name = st.selectbox(_("Start from"), list(presets), key=PRESET,
                        help=_("The CNN is the model that ships; the MLP and the GRU are "
                               "there to compare with it."))  # fmt: skip
    if st.session_state.get(f"{PRESET}-loaded") != name:
        st.session_state[FORM_SPEC], st.session_state[FORM_CONFIG] = presets[name]()
        st.session_state[f"{PRESET}-loaded"] = name
        state.bump("listen")
    spec, config = st.session_state[FORM_SPEC], st.session_state[FORM_CONFIG]
    v = state.version("listen")
    rows = {s.name: s for s in SPEC_SETTINGS}
    cols = st.columns(len(SPEC_FIELDS))
    shape = {f: widget(cols[i], rows[f], getattr(spec, f), f"listen-{v}-{f}",
                       registries=SPEC_REGISTRIES)
             for i, f in enumerate(SPEC_FIELDS)}  # fmt: skip
    rows = {s.name: s for s in SETTINGS}
    cols = st.columns(len(CONFIG_FIELDS))
    recipe = {f: widget(cols[i], rows[f], getattr(config, f), f"listen-{v}-{f}",
                        registries=REGISTRIES, on_optimizer=lambda key: None,
                        optimizer=config.optimizer)
              for i, f in enumerate(CONFIG_FIELDS)}  # fmt: skip
    try:
        spec = ListenSpec.from_dict({**spec.to_dict(), **shape})
        config = ListenConfig.from_dict({**config.to_dict(), **recipe})
    except SpecError as e:
        st.error(plain(e.message), icon=":material/error:")
        return None
    st.session_state[FORM_SPEC], st.session_state[FORM_CONFIG] = spec, config
    return dataclasses.replace(spec, name=name), config


def train_one() -> None:
    chosen = form()
    busy = state.busy_reason()
    if st.button(_("Start training"), key="listen-start", type="primary",
                 disabled=chosen is None or busy is not None, help=_(busy) if busy else None,
                 icon=":material/play_arrow:"):  # fmt: skip
        try:
            state.start_job(*chosen)
            st.session_state[hear_view.FOLLOW] = True  # it listens once it has weights
            st.rerun()
        except SpecError as e:
            st.error(plain(e.message), icon=":material/error:")
    job = state.job("listen")
    if job is not None and not job.name.endswith("-my-voice"):
        live.controls(job)
        live.view(job)
