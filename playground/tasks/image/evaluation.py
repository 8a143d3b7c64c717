"""How a model answers: its outputs as class probabilities (the loss it was trained with says
softmax or sigmoid), its answer to one input in words, and its scores on a test set (the
confusion matrix, per-class precision and recall, which images two models disagree on).

Every page that shows a probability or a prediction gets it from here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch
from torch import nn

from playground.datasets import image_sets
from playground.datasets.images import normalise
from playground.engine.i18n import Text
from playground.tasks.image import catalog
from playground.tasks.image.models import eval_mode

AMBIGUOUS_GAP = 0.2  # top two probabilities closer than this: the drawing could be either
UNSURE_BELOW = 0.5  # a top probability below this: it does not look much like any digit


def probabilities(outputs: torch.Tensor, loss: str) -> torch.Tensor:
    """Class probabilities (B, K) of outputs (B, K) of a model trained with `loss` (one output
    of binary cross-entropy gives the two classes' chances)."""
    return catalog.LOSSES[loss].probabilities(outputs)


def predictions(outputs: torch.Tensor, loss: str) -> torch.Tensor:
    """The class each row of outputs (B, K) stands for (B,)."""
    return probabilities(outputs, loss).argmax(dim=1)


@torch.no_grad()
def outputs_of(
    model: nn.Module, x: torch.Tensor, info: image_sets.DatasetInfo, batch_size: int = 1000
) -> torch.Tensor:  # batch_size: fit.pass_batch_size, for passes over many images
    """The model's outputs (N, K) for images x (N, C, H, W), uint8 or floats 0-1, normalised as
    the model was trained; in eval mode, batch by batch."""
    found = None  # one tensor for all outputs: small pieces kept between the batches' large
    # blocks would stop the allocator from reusing them, and the process would grow each batch
    with eval_mode(model):
        for start in range(0, len(x), batch_size):
            out = model(normalise(x[start : start + batch_size], info.mean, info.std))
            if found is None:
                found = out.new_empty((len(x), *out.shape[1:]))
            found[start : start + len(out)] = out
            del out
    return found if found is not None else torch.empty(0)


@dataclass(frozen=True)
class Answer:
    probabilities: tuple[float, ...]  # one per class
    label: int  # the most probable class
    confidence: float  # its probability
    runner_up: int
    warning: str | None  # a sentence when the answer should not be trusted
    raw_confidence: float | None = None  # before calibration, where a temperature was used

    @classmethod
    def of(cls, probabilities: torch.Tensor, classes: tuple[str, ...]) -> Answer:
        p = probabilities.tolist()
        order = sorted(range(len(p)), key=lambda i: -p[i])
        top, second = order[0], order[1]
        warning = None
        if p[top] < UNSURE_BELOW:
            warning = Text(
                "Not sure: it looks only {p:.0%} like a {digit}. Is it a digit? Try "
                "drawing it larger and in one piece.",
                p=p[top],
                digit=classes[top],
            )
        elif p[top] - p[second] < AMBIGUOUS_GAP:
            warning = Text(
                "Ambiguous: it could be a {first} ({p:.0%}) or a {second} ({p2:.0%}).",
                first=classes[top],
                p=p[top],
                second=classes[second],
                p2=p[second],
            )
        return cls(tuple(p), top, p[top], second, warning)


def answer(
    model: nn.Module,
    x: torch.Tensor,
    info: image_sets.DatasetInfo,
    loss: str,
    temperature: float = 1.0,
) -> Answer:
    """The model's answer to one image x (1, C, H, W), uint8 or floats 0-1; its outputs divided
    by `temperature` first (calibration.py: a calibrated confidence, the same answer)."""
    outputs = outputs_of(model, x, info)
    found = Answer.of(probabilities(outputs / temperature, loss)[0], info.classes)
    if temperature == 1.0:
        return found
    raw = float(probabilities(outputs, loss)[0].max())  # the same forward pass, uncalibrated
    return dataclasses.replace(found, raw_confidence=raw)


@dataclass(frozen=True)
class TestScores:
    """A model on a test set: its outputs, what they mean, and how right they are."""

    outputs: torch.Tensor  # (N, K)
    probabilities: torch.Tensor  # (N, K)
    predicted: torch.Tensor  # (N,)
    loss: float  # mean, as the model's own loss computes it
    accuracy: float


def test_scores(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    info: image_sets.DatasetInfo,
    loss: str,
    *,
    batch_size: int,
) -> TestScores:
    """The model on images x (N, C, H, W) with labels y (N,), `batch_size` at a time (what
    fits the memory budget: fit.pass_batch_size)."""
    out = outputs_of(model, x, info, batch_size)
    p = probabilities(out, loss)
    predicted = p.argmax(dim=1)
    value = catalog.LOSSES[loss].compute(out, y, len(info.classes), 0.0).item() if len(y) else 0
    accuracy = (predicted == y).float().mean().item() if len(y) else 0.0
    return TestScores(out, p, predicted, value, accuracy)


@dataclass(frozen=True)
class ClassScores:
    precision: float
    recall: float
    f1: float
    support: int  # true examples of the class


def confusion_matrix(truth: torch.Tensor, predicted: torch.Tensor, classes: int) -> torch.Tensor:
    """(classes, classes) counts: row = true class, column = predicted class."""
    index = truth.long() * classes + predicted.long()
    return torch.bincount(index, minlength=classes * classes).reshape(classes, classes)


def class_scores(matrix: torch.Tensor) -> list[ClassScores]:
    """Precision, recall and F1 of each class from a confusion matrix (0 where undefined)."""
    matrix = matrix.double()
    hits = matrix.diag()
    predicted, actual = matrix.sum(dim=0), matrix.sum(dim=1)
    scores = []
    for k in range(len(hits)):
        p = (hits[k] / predicted[k]).item() if predicted[k] > 0 else 0.0
        r = (hits[k] / actual[k]).item() if actual[k] > 0 else 0.0
        f1 = 2 * p * r / (p + r) if p + r > 0 else 0.0
        scores.append(ClassScores(p, r, f1, int(actual[k].item())))
    return scores


@dataclass(frozen=True)
class Agreement:
    """Test images split by which of two models gets them right (index tensors)."""

    both_right: torch.Tensor
    only_first: torch.Tensor
    only_second: torch.Tensor
    both_wrong: torch.Tensor


def agreement(truth: torch.Tensor, first: torch.Tensor, second: torch.Tensor) -> Agreement:
    """Which images each of two models' predictions (N,) gets right and the other does not."""
    a, b = first == truth, second == truth

    def where(mask: torch.Tensor) -> torch.Tensor:
        return mask.nonzero().flatten()

    return Agreement(where(a & b), where(a & ~b), where(~a & b), where(~a & ~b))
