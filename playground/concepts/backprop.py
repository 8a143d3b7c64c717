"""Backpropagation by hand on a 2-2-1 network, for one input: every forward value and every
gradient, written out as the chain rule, and the same gradients from autograd to check them.

    z1 = W1 x + b1,  h = sigmoid(z1),  z2 = w2 . h + b2,  y_hat = sigmoid(z2),
    L = 1/2 (y_hat - y)^2
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch


@dataclass(frozen=True)
class TinyNet:
    """Weights and one example; the defaults are a classic worked example's."""

    x: tuple[float, float] = (0.05, 0.10)
    w1: tuple[tuple[float, float], tuple[float, float]] = ((0.15, 0.20), (0.25, 0.30))  # row j:
    # the weights into hidden unit j
    b1: tuple[float, float] = (0.35, 0.35)
    w2: tuple[float, float] = (0.40, 0.45)
    b2: float = 0.60
    y: float = 0.01  # the target


@dataclass(frozen=True)
class Pass:
    """Forward values and gradients of L with respect to every weight and value."""

    z1: list[float]
    h: list[float]
    z2: float
    y_hat: float
    loss: float
    grads: dict[str, object] = field(default_factory=dict)  # name -> float or nested lists


def _sigmoid(v: float) -> float:
    return 1 / (1 + math.exp(-v))


def by_hand(net: TinyNet) -> Pass:
    """The forward pass, then the chain rule from the loss back to every weight."""
    x, w1, b1, w2 = net.x, net.w1, net.b1, net.w2
    z1 = [w1[j][0] * x[0] + w1[j][1] * x[1] + b1[j] for j in range(2)]
    h = [_sigmoid(v) for v in z1]
    z2 = w2[0] * h[0] + w2[1] * h[1] + net.b2
    y_hat = _sigmoid(z2)
    loss = 0.5 * (y_hat - net.y) ** 2
    d_y_hat = y_hat - net.y  # dL/dy_hat
    d_z2 = d_y_hat * y_hat * (1 - y_hat)  # sigmoid'(z2) = y_hat (1 - y_hat)
    d_h = [d_z2 * w2[j] for j in range(2)]
    d_z1 = [d_h[j] * h[j] * (1 - h[j]) for j in range(2)]
    grads = {
        "y_hat": d_y_hat,
        "z2": d_z2,
        "w2": [d_z2 * h[j] for j in range(2)],
        "b2": d_z2,
        "h": d_h,
        "z1": d_z1,
        "w1": [[d_z1[j] * x[k] for k in range(2)] for j in range(2)],
        "b1": d_z1,
    }
    return Pass(z1, h, z2, y_hat, loss, grads)


def by_autograd(net: TinyNet) -> dict[str, object]:
    """The weight gradients from PyTorch's autograd: the check on `by_hand`."""

    def leaf(v) -> torch.Tensor:
        return torch.tensor(v, dtype=torch.float64, requires_grad=True)

    w1, b1, w2, b2 = leaf(net.w1), leaf(net.b1), leaf(net.w2), leaf(net.b2)
    x = torch.tensor(net.x, dtype=torch.float64)
    y_hat = torch.sigmoid(w2 @ torch.sigmoid(w1 @ x + b1) + b2)
    loss = 0.5 * (y_hat - net.y) ** 2
    loss.backward()
    return {
        "w1": w1.grad.tolist(),
        "b1": b1.grad.tolist(),
        "w2": w2.grad.tolist(),
        "b2": b2.grad.item(),
    }


def step(net: TinyNet, lr: float) -> TinyNet:
    """The net after one gradient-descent step on this example."""
    g = by_hand(net).grads
    return TinyNet(
        net.x,
        tuple(tuple(net.w1[j][k] - lr * g["w1"][j][k] for k in range(2)) for j in range(2)),
        tuple(net.b1[j] - lr * g["b1"][j] for j in range(2)),
        tuple(net.w2[j] - lr * g["w2"][j] for j in range(2)),
        net.b2 - lr * g["b2"],
        net.y,
    )
