"""What the shared UI asks of the generate task's: its page (with the image pages), and "Open
on Generate" on one of its runs (the model the page makes digits with)."""

from __future__ import annotations

import streamlit as st

from playground.engine.i18n import N_
from playground.exchange.runs import Run
from playground.tasks.generate.task import GENERATE
from playground.ui import state, task_ui
from playground.ui.pages import IMAGES, Page

PAGE = "app_pages/generate.py"
PICK = "generate-model"  # the run the page makes digits with (its folder)
FORM_SPEC, FORM_CONFIG = "generate-spec", "generate-config"  # the "Train one" form's model
PRESET = "generate-preset"  # the form's "Start from"


def open_run(run: Run) -> None:
    """The run makes the page's digits, and its model and settings fill the form."""
    st.session_state[PICK] = str(run.path)
    st.session_state[FORM_SPEC], st.session_state[FORM_CONFIG] = run.spec, run.config
    preset = st.session_state.setdefault(PRESET, next(iter(GENERATE.presets())))
    st.session_state[f"{PRESET}-loaded"] = preset  # the form keeps them, not its preset's
    state.bump("generate")  # the form's widgets show them


def current() -> tuple:
    """(spec, config) of the form's model (a preset's until the person changes it)."""
    found = st.session_state.get(FORM_SPEC), st.session_state.get(FORM_CONFIG)
    if found[0] is None or found[1] is None:
        return GENERATE.presets()[next(iter(GENERATE.presets()))]()
    return found


USE = task_ui.Use(
    N_("Open on Generate"),
    N_("Make digits with it on the Generate page."),
    open_run,
    page=PAGE,
    icon=":material/auto_awesome:",
)
PAGES = (
    Page(PAGE, N_("Generate"), ":material/auto_awesome:", "generate", IMAGES,
         N_("train a model that makes digits, watch it learn to draw, and ask it for a 7"),
         "generate", live=True, order=60),
)  # fmt: skip
task_ui.register("generate", task_ui.TaskUI(USE, None, PAGES, rank=15, current=current))
