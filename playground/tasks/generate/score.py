"""A score for what a model makes that needs no download: the app's own pretrained digit
classifier (the run folder that ships in playground/assets/pretrained, read through the run
registry like any run, so this task imports no other) reads each image. For a model told the
class, the share read as the digit asked for; for any model, the classes it makes (one that
makes only ones shows its mode collapse) and the classifier's confidence."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch

from playground import ASSETS
from playground.datasets.image_sets import DATASETS
from playground.datasets.images import normalise
from playground.engine.i18n import _, ngettext
from playground.exchange.runs import load_run

CHUNK = 500  # images the classifier reads at a time (a CLI may ask for 10,000)
READER = ASSETS / "pretrained"  # MNIST's classifier that ships with the app (99% on its test set)


@functools.lru_cache(maxsize=1)
def reader() -> torch.nn.Module:
    """The pretrained classifier, on the CPU, in eval mode."""
    return load_run(READER).model()


@dataclass(frozen=True)
class Reading:
    classes: list[int]  # what the classifier reads each image as
    confidence: float  # its mean probability of the class it read
    counts: list[int]  # images read as each digit, 0-9
    as_asked: float | None  # the share read as the digit asked for (None: none was asked)

    def to_dict(self) -> dict:
        return {"read_as": self.counts, "confidence": round(self.confidence, 4),
                "as_asked": None if self.as_asked is None else round(self.as_asked, 4)}  # fmt: skip


@torch.no_grad()
def read(images: torch.Tensor, asked: int | None = None) -> Reading:
    """The classifier's reading of images (N, 1, 28, 28) in 0..1."""
    info = DATASETS["mnist"]
    probabilities = torch.cat([reader()(normalise(chunk, info.mean, info.std)).softmax(dim=1)
                               for chunk in images.split(CHUNK)])  # fmt: skip
    confidence, classes = probabilities.max(dim=1)
    counts = torch.bincount(classes, minlength=10).tolist()
    share = None if asked is None else float((classes == asked).float().mean())
    return Reading(classes.tolist(), float(confidence.mean()), counts, share)


def sentence(reading: Reading, n: int) -> str:
    """What the classifier read, in words."""
    if reading.as_asked is not None:
        right = round(reading.as_asked * n)
        return _("The app's classifier reads {right} of {n} as the digit asked for (mean "
                 "confidence {confidence:.0%}).").format(right=right, n=n,
                                                         confidence=reading.confidence)  # fmt: skip
    made = sum(1 for c in reading.counts if c)
    return ngettext("The app's classifier reads {made} different digit among them (mean "
                    "confidence {confidence:.0%}).", "The app's classifier reads {made} different "
                    "digits among them (mean confidence {confidence:.0%}).", made).format(
        made=made, confidence=reading.confidence)  # fmt: skip
