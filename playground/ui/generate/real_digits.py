"""Real test images for the Generate page's views (a digit to noise, two to blend, points of a
latent space): the model's own data set where this server has it, without downloading."""

from __future__ import annotations

import streamlit as st
import torch

from playground.datasets.images import load
from playground.engine.records import DataError


@st.cache_resource(max_entries=4, show_spinner=False)
def test_images(dataset: str) -> tuple[torch.Tensor, torch.Tensor] | None:
    """(images (N, 1, 28, 28) in 0..1, labels) of the data set's test split, at most 2,000; MNIST
    from the bundled sample; None where the set is not on this server."""
    name = "mnist-sample" if dataset in ("mnist", "mnist-sample") else dataset
    try:
        data = load(name, download=False)
    except DataError:
        return None
    return data.test_x[:2000].float() / 255, data.test_y[:2000]


def first_of(dataset: str, label: int, nth: int = 0) -> torch.Tensor | None:
    """The nth test image of class `label` (1, 28, 28), or None."""
    found = test_images(dataset)
    if found is None:
        return None
    x, y = found
    where = (y == label).nonzero()[:, 0]
    return x[where[nth % len(where)]] if len(where) else None
