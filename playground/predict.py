"""A model's answer for one input: probabilities, the digit, and how sure it is, in words."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

AMBIGUOUS_GAP = 0.2  # top two probabilities closer than this: the drawing could be either
UNSURE_BELOW = 0.5  # a top probability below this: it does not look much like any digit


@dataclass(frozen=True)
class Answer:
    probabilities: tuple[float, ...]  # one per class, summing to 1
    label: int  # the most probable class
    confidence: float  # its probability
    runner_up: int
    warning: str | None  # a sentence when the answer should not be trusted

    @classmethod
    def of(cls, probabilities: torch.Tensor, classes: tuple[str, ...]) -> Answer:
        p = probabilities.tolist()
        order = sorted(range(len(p)), key=lambda i: -p[i])
        top, second = order[0], order[1]
        warning = None
        if p[top] < UNSURE_BELOW:
            warning = (
                f"Not sure: it looks only {p[top]:.0%} like a {classes[top]}. Is it a digit? Try "
                "drawing it larger and in one piece."
            )
        elif p[top] - p[second] < AMBIGUOUS_GAP:
            warning = (
                f"Ambiguous: it could be a {classes[top]} ({p[top]:.0%}) or a "
                f"{classes[second]} ({p[second]:.0%})."
            )
        return cls(tuple(p), top, p[top], second, warning)


@torch.no_grad()
def probabilities(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Class probabilities (K,) of a model for one input x (1, C, H, W), in eval mode; the
    model's training flag is restored afterwards."""
    was_training = model.training
    model.eval()
    try:
        out = model(x)[0]
    finally:
        model.train(was_training)
    if out.numel() == 1:  # one logit: the chance of class 1
        p1 = torch.sigmoid(out)
        return torch.cat([1 - p1, p1])
    return torch.softmax(out, dim=0)
