"""The Evaluate page's pieces: the test set through a model (cached per model version), the
scores, the confusion matrix with drill-down, and the mistakes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
import torch

from playground import inspect, plots
from playground.data import DataError, Dataset, load
from playground.ui.model_picker import Choice


@st.cache_resource(max_entries=6, show_spinner="Running the test set through the model...")
def _probabilities(version: str, dataset: str, _choice: Choice) -> tuple[Dataset, torch.Tensor]:
    data = load(dataset)
    info = _choice.dataset
    return data, inspect.test_probabilities(_choice.model, data.test_x, info.mean, info.std)


def results(choice: Choice) -> tuple[Dataset, torch.Tensor] | None:
    try:
        return _probabilities(choice.version, choice.dataset.name, choice)
    except DataError as e:
        st.error(str(e))
        return None


def summary(data: Dataset, probs: torch.Tensor) -> torch.Tensor:
    """Accuracy, loss and per-class scores; returns the confusion matrix."""
    classes = data.info.classes
    truth, predicted = data.test_y, probs.argmax(dim=1)
    loss = -torch.log(probs[torch.arange(len(truth)), truth].clamp_min(1e-12)).mean().item()
    cols = st.columns(3)
    cols[0].metric("Test accuracy", f"{(predicted == truth).float().mean().item():.2%}")
    cols[1].metric("Test loss", f"{loss:.4f}")
    cols[2].metric("Test images", f"{len(truth):,}")
    if data.note:
        st.info(data.note)
    matrix = inspect.confusion_matrix(truth, predicted, len(classes))
    scores = inspect.class_scores(matrix)
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "class": c,
                    "precision": s.precision,
                    "recall": s.recall,
                    "F1": s.f1,
                    "images": s.support,
                }
                for c, s in zip(classes, scores, strict=True)
            ]
        ),
        hide_index=True,
        column_config={
            k: st.column_config.NumberColumn(format="percent")
            for k in ("precision", "recall", "F1")
        },
        key="eval-scores",
    )
    return matrix


def confusion(data: Dataset, probs: torch.Tensor, matrix: torch.Tensor) -> None:
    """The matrix, and the images of one of its cells (the most confused pair to start with)."""
    classes = data.info.classes
    st.plotly_chart(plots.confusion_figure(matrix.tolist(), classes), key="eval-confusion")
    off = matrix.clone().fill_diagonal_(0)
    worst = int(off.argmax())
    cols = st.columns(2)
    k = len(classes)
    true = cols[0].selectbox(
        "True class", range(k), index=worst // k, format_func=lambda i: classes[i], key="eval-true"
    )
    guess = cols[1].selectbox(
        "Predicted as",
        range(k),
        index=worst % k,
        format_func=lambda i: classes[i],
        key="eval-guess",
    )
    chosen = ((data.test_y == true) & (probs.argmax(dim=1) == guess)).nonzero().flatten()
    st.markdown(f"**True {classes[true]}, predicted {classes[guess]}: {len(chosen)} images**")
    gallery(data, probs, chosen[:24].tolist())


def mistakes(data: Dataset, probs: torch.Tensor, matrix: torch.Tensor) -> None:
    classes = data.info.classes
    predicted = probs.argmax(dim=1)
    wrong = (predicted != data.test_y).nonzero().flatten()
    confidence = probs.max(dim=1).values
    worst = wrong[confidence[wrong].argsort(descending=True)][:12]
    st.subheader("Most confident mistakes")
    gallery(data, probs, worst.tolist())
    off = matrix.clone().fill_diagonal_(0)
    pairs = sorted(
        ((int(off[t, p]), t, p) for t in range(len(classes)) for p in range(len(classes))),
        reverse=True,
    )[:5]
    st.subheader("Most confused pairs")
    st.dataframe(
        [{"true": classes[t], "predicted": classes[p], "images": n} for n, t, p in pairs if n],
        hide_index=True,
        key="eval-pairs",
    )
    right = (predicted == data.test_y).nonzero().flatten()[:6]
    st.subheader("A few it gets right")
    gallery(data, probs, right.tolist())


def gallery(data: Dataset, probs: torch.Tensor, indices: list[int]) -> None:
    classes = data.info.classes
    if not indices:
        st.caption("None.")
        return
    cols = st.columns(6)
    for n, i in enumerate(indices):
        p = probs[i]
        label = int(p.argmax())
        image = np.kron(data.test_x[i, 0].numpy(), np.ones((3, 3), np.uint8))
        cols[n % 6].image(
            image,
            caption=f"#{i}: true {classes[int(data.test_y[i])]}, says {classes[label]} "
            f"({float(p[label]):.0%})",
        )
