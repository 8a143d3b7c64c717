"""What the shared UI asks of the listen task's: its page (a section of its own, Sound), and
"Open on Listen" on one of its runs (the model that hears the page's recordings; its layers and
settings fill the page's form)."""

from __future__ import annotations

import streamlit as st

from playground.engine.i18n import N_
from playground.exchange.runs import Run
from playground.tasks.listen.task import LISTEN
from playground.ui import state, task_ui
from playground.ui.pages import Page

PAGE = "app_pages/listen.py"
SOUND = N_("Sound")  # its pages' section
PICK = "listen-model"  # the model that hears (its run folder, or "live")
FORM_SPEC, FORM_CONFIG = "listen-spec", "listen-config"  # the "Train one" form's model
PRESET = "listen-preset"  # the form's "Start from"


def open_run(run: Run) -> None:
    """The run hears the page's recordings, and its model and settings fill the form."""
    if run.has_weights:
        st.session_state[PICK] = str(run.path)
    st.session_state[FORM_SPEC], st.session_state[FORM_CONFIG] = run.spec, run.config
    preset = st.session_state.setdefault(PRESET, next(iter(LISTEN.presets())))
    st.session_state[f"{PRESET}-loaded"] = preset  # the form keeps them, not its preset's
    state.bump("listen")


def current() -> tuple:
    """(spec, config) of the form's model (a preset's until the person changes it)."""
    found = st.session_state.get(FORM_SPEC), st.session_state.get(FORM_CONFIG)
    if found[0] is None or found[1] is None:
        return LISTEN.presets()[next(iter(LISTEN.presets()))]()
    return found


USE = task_ui.Use(
    N_("Open on Listen"),
    N_("Say digits to it on the Listen page; its layers and settings fill the form there."),
    open_run,
    page=PAGE,
    icon=":material/hearing:",
)
PAGES = (
    Page(PAGE, N_("Listen"), ":material/hearing:", "listen", SOUND,
         N_("say a digit in English or Chinese and see the model hear it; teach it your voice; "
            "sound as a spectrogram"), "listen", live=True, order=10),
)  # fmt: skip
task_ui.register("listen", task_ui.TaskUI(USE, None, PAGES, rank=30, current=current))
