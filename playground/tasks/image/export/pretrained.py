"""The model that ships with the app, so that Draw works before the user has trained anything.

playground/assets/pretrained/ holds spec.json, config.json, weights.safetensors and summary.json
of one run of `scripts/make_pretrained.py` (see the README there): the BatchNorm CNN trained on
full MNIST with augmentation (shifts, rotations, scale, thicker strokes) so that it reads digits
drawn with a mouse, not only scanned ones.
"""

from __future__ import annotations

from functools import cache

from torch import nn

from playground import ASSETS
from playground.exchange.runs import Run, load_run

FOLDER = ASSETS / "pretrained"


@cache
def run() -> Run:
    """The pretrained model's run folder, read and validated once."""
    return load_run(FOLDER)


def model() -> nn.Module:
    """A fresh CPU copy in eval mode (callers may move or change it)."""
    return run().model()


def test_accuracy() -> float:
    """Its accuracy on MNIST's 10,000 test digits, as measured when it was made."""
    return float(run().summary["test_accuracy"])
