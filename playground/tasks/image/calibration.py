"""How far to trust a model's confidence: temperature scaling (Guo et al., 2017) and the
expected calibration error.

A network trained with cross-entropy is usually over-confident: of the answers it gives with
99% it gets fewer than 99% right. Dividing its outputs by one number T > 1, fitted on held-out
images to minimise their negative log-likelihood, makes its probabilities honest without
changing a single answer (the largest output stays the largest).
"""

from __future__ import annotations

import itertools
import math

import torch
import torch.nn.functional as F

BINS = 15
SOFTMAX_LOSSES = ("cross_entropy", "nll")  # whose outputs are logits of a softmax


def fit_temperature(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """The T > 0 that minimises the NLL of softmax(logits / T) on (logits (N, K), labels (N,))."""
    logits, labels = logits.detach().double(), labels.long()
    log_t = torch.zeros((), dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([log_t], lr=0.1, max_iter=200, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = F.cross_entropy(logits / log_t.exp(), labels)
        loss.backward()
        return loss

    optimizer.step(closure)
    t = float(log_t.detach().exp())
    return t if math.isfinite(t) and 0.01 < t < 100 else 1.0


def expected_calibration_error(probabilities: torch.Tensor, labels: torch.Tensor) -> float:
    """ECE over BINS equal-width confidence bins: the gap between confidence and accuracy,
    weighted by how many answers fall in each bin (0: perfectly calibrated)."""
    confidence, predicted = probabilities.max(dim=1)
    right = (predicted == labels).double()
    edges = torch.linspace(0, 1, BINS + 1, dtype=torch.float64)
    total = 0.0
    for low, high in itertools.pairwise(edges.tolist()):
        inside = (confidence > low) & (confidence <= high)
        if inside.any():
            gap = (confidence[inside].double().mean() - right[inside].mean()).abs()
            total += float(gap) * int(inside.sum()) / len(labels)
    return total


def calibrate(logits: torch.Tensor, labels: torch.Tensor) -> dict:
    """{"temperature", "ece_before", "ece_after"} for a model's outputs on held-out images."""
    t = fit_temperature(logits, labels)
    return {
        "temperature": round(t, 4),
        "ece_before": round(expected_calibration_error(torch.softmax(logits, 1), labels), 5),
        "ece_after": round(expected_calibration_error(torch.softmax(logits / t, 1), labels), 5),
    }
