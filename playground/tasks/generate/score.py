"""A score for what a model makes that needs no download: the app's own pretrained digit
classifier (the run folder that ships in playground/assets/pretrained, read through the run
registry like any run, so this task imports no other) reads each image. For a model told the
class, the share read as the digit asked for; for any model, the classes it makes (one that
makes only ones shows its mode collapse) and the classifier's confidence; and the Fréchet
distance between the classifier's features of what it makes and of real test digits
(torchmetrics' Fréchet distance with this feature extractor: no Inception download), beside the
same distance between two sets of real test digits, which is what a perfect model would reach
with as many images."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch
from torch import nn
from torchmetrics.image.fid import FrechetInceptionDistance

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


class Features(nn.Module):
    """The classifier's features of images (N, 1, 28, 28) in 0..1: what its last layer reads
    the digit from (128 numbers an image), for the Fréchet distance."""

    def __init__(self):
        super().__init__()
        classifier = reader()
        self.body = nn.Sequential(*list(classifier.children())[:-1])
        self.num_features = classifier[-1].in_features  # torchmetrics reads the width from it

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        info = DATASETS["mnist"]
        return self.body(normalise(images, info.mean, info.std))


@torch.no_grad()
def frechet(made: torch.Tensor, real: torch.Tensor) -> float:
    """The Fréchet distance between the classifier's features of two sets of images in 0..1
    (0: the same mean and spread of features; it shrinks with more images of either set)."""
    metric = FrechetInceptionDistance(feature=Features())
    for images, is_real in ((real, True), (made, False)):
        for chunk in images.split(CHUNK):
            metric.update(chunk.float().cpu(), real=is_real)
    return float(metric.compute())


SCORE_PER_DIGIT = 50  # images a finished run makes of each digit for its score


def of_model(model: nn.Module, real: torch.Tensor, per_digit: int = SCORE_PER_DIGIT,
             batch: int = 64, **how) -> dict:  # fmt: skip
    """A model's score on MNIST, under the summary's keys: `per_digit` images of each digit
    (for a model not told the class, as many from noise), read by the classifier; the Fréchet
    distance to as many real test digits (`real`, uint8 or 0..1, at least twice as many), and
    between two such sets of real ones. Images are made `batch` at a time (a job's training
    batch: the size its memory check allowed)."""
    # deferred: sampling imports the model families, which this module's readers do not need
    from playground.tasks.generate import sampling

    def made(count: int, digit: int | None, seed: int) -> torch.Tensor:
        return torch.cat([sampling.make(model, min(batch, count - start), digit,
                                        seed=seed + 1000 * (start // batch), **how).cpu()
                          for start in range(0, count, batch)])  # fmt: skip

    n = min(10 * per_digit, len(real) // 2)
    real = real.float().cpu().div(255) if not real.is_floating_point() else real.float().cpu()
    if model.conditional:
        each = [made(n // 10, digit, digit) for digit in range(10)]
        shares = [read(images, digit).as_asked for digit, images in enumerate(each)]
        images = torch.cat(each)
    else:
        images = made(n, None, 0)
    reading = read(images)
    found = {
        "frechet": round(frechet(images, real[:n]), 3),
        "frechet_real": round(frechet(real[n : 2 * n], real[:n]), 3),
        "read_as": reading.counts,
        "confidence": round(reading.confidence, 4),
        "score_images": len(images),
    }
    if model.conditional:
        found["as_asked"] = round(sum(shares) / 10, 4)
        found["as_asked_per_digit"] = [round(s, 4) for s in shares]
    return found


MOMENTS_READ = 8  # moments of training whose images are read for the classes over training


def over_training(build, snapshots: list, n: int = 200, **how) -> tuple[list, list[list[float]]]:
    """(the moments, the share of n images read as each digit at each): a model of each moment
    (`build()` makes an empty one) makes n images from the same noise, not told any digit; at
    most MOMENTS_READ moments, spread over training, the last always among them."""
    # deferred, as in of_model
    from playground.tasks.generate import sampling

    if not snapshots:
        return [], []
    step = max(1, -(-len(snapshots) // MOMENTS_READ))
    picked = snapshots[::-1][::step][::-1]
    shares = []
    for snapshot in picked:
        model = build()
        model.load_state_dict(snapshot.state)
        model.eval()
        images = sampling.make(model, n, None, seed=0, **how).cpu()
        counts = read(images).counts
        shares.append([c / len(images) for c in counts])
    return picked, shares
