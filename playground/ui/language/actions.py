"""What a language model's run offers in the runs table: "Open on Language" makes it the model
that page writes with and looks inside, and its layers and settings the next run's there."""

from __future__ import annotations

import dataclasses

import streamlit as st

from playground.engine.i18n import N_
from playground.exchange.runs import Run
from playground.ui import run_actions
from playground.ui.language import look, session


def open_run(run: Run) -> None:
    session.set_spec(dataclasses.replace(run.spec, vocab=0))  # the data settles the vocabulary
    session.set_config(run.config)
    if run.has_weights:
        st.session_state[look.PICK] = str(run.path)


run_actions.register(
    "language",
    run_actions.Use(
        N_("Open on Language"),
        N_("Write with it and look inside it on the Language page; its layers and settings "
           "become the next run's there."),
        open_run, page="app_pages/language.py", icon=":material/text_fields:",
    ),
)  # fmt: skip
