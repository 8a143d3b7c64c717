"""What the shared UI asks of the generate task's: its page (with the image pages), and "Open
on Generate" on one of its runs (the model the page makes digits with)."""

from __future__ import annotations

import streamlit as st

from playground.engine.i18n import N_
from playground.exchange.runs import Run
from playground.ui import task_ui
from playground.ui.pages import IMAGES, Page

PAGE = "app_pages/generate.py"
PICK = "generate-model"  # the run the page makes digits with (its folder)


def open_run(run: Run) -> None:
    st.session_state[PICK] = str(run.path)


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
task_ui.register("generate", task_ui.TaskUI(USE, None, PAGES, rank=15))
