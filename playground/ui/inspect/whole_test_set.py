"""The test set through a model, once per model version: Evaluate shows all of it, Inspect picks
its mistakes, and both read it from here (the pass takes a few seconds)."""

from __future__ import annotations

import streamlit as st

from playground.datasets.images import DataError, Dataset, load
from playground.engine.i18n import _
from playground.tasks.image import evaluation
from playground.tasks.image.fit import pass_batch_size
from playground.ui import state
from playground.ui.model_picker import Choice
from playground.ui.text import plain


def _run(dataset: str, choice: Choice) -> tuple[Dataset, evaluation.TestScores]:
    keep = choice.dataset.subset if dataset == choice.dataset.name else ()
    data = load(dataset, classes=keep)
    scores = evaluation.test_scores(
        choice.model,
        data.test_x,
        data.test_y,
        choice.dataset,
        choice.loss,
        batch_size=pass_batch_size(choice.spec, state.memory_budget()),
    )
    return data, scores


@st.cache_resource(max_entries=6, show_spinner=False)
def _saved_model(version: str, dataset: str, _choice: Choice):
    return _run(dataset, _choice)


@st.cache_resource(max_entries=1, show_spinner=False)
def _live_model(version: str, dataset: str, _choice: Choice):
    """A training job's snapshots, kept apart so that they do not push the others out."""
    return _run(dataset, _choice)


def results(
    choice: Choice, dataset: str | None = None
) -> tuple[Dataset, evaluation.TestScores] | None:
    """The test set of `dataset` (default: the model's own) and the model's scores on it,
    computed once per model version; None, with the message shown, without the data."""
    cached = _live_model if choice.live else _saved_model
    try:
        with st.spinner(_("Running the test set through the model...")):  # shown past 0.5 s
            return cached(choice.version, dataset or choice.dataset.name, choice)
    except DataError as e:
        st.error(plain(e))
        return None
