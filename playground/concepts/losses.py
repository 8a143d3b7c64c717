"""Loss functions as functions of the predicted probability, their gradients, and one update
step worked through by autograd."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from playground.engine.i18n import N_

LOSSES = {
    "bce": N_("Binary cross-entropy"),
    "mse": N_("Mean squared error"),
    "cce": N_("Categorical cross-entropy"),
}
FORMULAS = {
    "bce": r"L = -\left[y \ln p + (1 - y) \ln(1 - p)\right]",
    "mse": r"L = (p - y)^2",
    "cce": r"L = -\sum_k y_k \ln p_k = -\ln p_{\text{true}}",
}
EPS = 1e-4  # probabilities are kept in [EPS, 1 - EPS]: the losses are infinite at 0 and 1


def _loss(name: str, p: torch.Tensor, y: float) -> torch.Tensor:
    target = torch.full_like(p, float(y))
    if name == "bce":
        return F.binary_cross_entropy(p, target, reduction="none")
    if name == "mse":
        return F.mse_loss(p, target, reduction="none")
    if name == "cce":  # p is the probability given to the true class (y = 1 there)
        return -torch.log(p) if y == 1 else -torch.log(1 - p)
    raise ValueError(f"unknown loss {name!r}: pick one of {', '.join(LOSSES)}")


@dataclass(frozen=True)
class LossCurve:
    p: list[float]
    loss: list[float]
    grad_p: list[float]  # dL/dp
    grad_logit: list[float]  # dL/dz with p = sigmoid(z): the signal that reaches the network


def loss_curve(name: str, y: float, points: int = 199) -> LossCurve:
    """A loss over predicted probabilities p in (0, 1) for the true label y, with gradients."""
    z = torch.logit(torch.linspace(EPS, 1 - EPS, points, dtype=torch.float64))
    z.requires_grad_(True)
    p = torch.sigmoid(z)
    p.retain_grad()
    loss = _loss(name, p, y)
    loss.sum().backward()
    return LossCurve(p.tolist(), loss.tolist(), p.grad.tolist(), z.grad.tolist())


@dataclass(frozen=True)
class Step:
    """One gradient step on theta for one example, where the logit is z = theta * x + b."""

    loss: float
    grad_logit: float  # dL/dz
    grad_theta: float  # dL/dtheta = dL/dz * x
    theta: float  # after the step: theta - lr * dL/dtheta


def worked_step(loss: str, y: float, p: float, lr: float, theta: float, x: float = 1.0) -> Step:
    """Loss, gradients and the updated theta for label y and prediction p, by autograd.
    BCE: dL/dz = p - y; MSE through a sigmoid: dL/dz = 2 (p - y) p (1 - p)."""
    if loss not in ("bce", "mse"):
        raise ValueError("the worked example takes binary cross-entropy or MSE")
    if not 0 < p < 1:
        raise ValueError("the prediction p must be between 0 and 1 (not 0 or 1)")
    if y not in (0, 1):
        raise ValueError("the label y is 0 or 1")
    theta_t = torch.tensor(theta, dtype=torch.float64, requires_grad=True)
    bias = math.log(p / (1 - p)) - theta * x  # so that sigmoid(theta * x + b) = p
    z = theta_t * x + bias
    z.retain_grad()
    value = _loss(loss, torch.sigmoid(z).reshape(1), y)[0]
    value.backward()
    return Step(value.item(), z.grad.item(), theta_t.grad.item(), theta - lr * theta_t.grad.item())
