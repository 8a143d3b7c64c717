"""What the shared UI asks of the language task's: "Open on Language" on one of its runs (the
model that page writes with and looks inside; its layers and settings the next run's there),
and the session's language model in the sidebar."""

from __future__ import annotations

import dataclasses

import streamlit as st

from playground.engine.i18n import N_, _
from playground.exchange.runs import Run
from playground.tasks.language.task import LANGUAGE
from playground.ui import task_ui
from playground.ui.language import look, session
from playground.ui.pages import LANGUAGE as SECTION
from playground.ui.pages import Page


def open_run(run: Run) -> None:
    session.set_spec(dataclasses.replace(run.spec, vocab=0))  # the data settles the vocabulary
    session.set_config(run.config)
    if run.has_weights:
        st.session_state[look.PICK] = str(run.path)


def model_lines() -> tuple[str, str, str]:
    """(name, size, data) of the session's language model, in words."""
    spec, config = session.spec(), session.config()
    size = _("{layers} layers, {heads} heads, {width} wide").format(
        layers=spec.layers, heads=spec.heads, width=spec.width
    )
    return spec.name, size, _(LANGUAGE.data_label(config))


USE = task_ui.Use(
    N_("Open on Language"),
    N_(
        "Write with it and look inside it on the Language page; its layers and settings "
        "become the next run's there."
    ),
    open_run,
    page="app_pages/language.py",
    icon=":material/text_fields:",
)
PAGES = (
    Page("app_pages/language.py", N_("Language"), ":material/text_fields:", "language", SECTION,
         N_("write with a small GPT, train your own live and look inside it: attention "
            "heads, the logit lens, embeddings"), "language", model=True, live=True),
)  # fmt: skip
task_ui.register(
    "language",
    task_ui.TaskUI(
        USE, model_lines, PAGES, rank=20, current=lambda: (session.spec(), session.config())
    ),
)
