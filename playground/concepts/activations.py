"""Activation functions and their derivatives, from the layer registry's own modules (so the lab
shows exactly what a model uses), with autograd for the derivative."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from playground.engine.activations import ACTIVATIONS

# Formulas (LaTeX) for the lab; the functions themselves come from activations.ACTIVATIONS.
FORMULAS: dict[str, str] = {
    "sigmoid": r"\sigma(x) = \frac{1}{1 + e^{-x}}, \quad \sigma'(x) = \sigma(x)\,(1 - \sigma(x))",
    "tanh": r"\tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}, \quad \tanh'(x) = 1 - \tanh^2(x)",
    "relu": r"\mathrm{ReLU}(x) = \max(0, x), \quad \mathrm{ReLU}'(x) = [x > 0]",
    "leaky_relu": r"\mathrm{LeakyReLU}(x) = \max(0.01x, x), \quad "
    r"\mathrm{LeakyReLU}'(x) = 1 \text{ if } x > 0 \text{ else } 0.01",
    "elu": r"\mathrm{ELU}(x) = x \text{ if } x > 0 \text{ else } e^{x} - 1, \quad "
    r"\mathrm{ELU}'(x) = 1 \text{ if } x > 0 \text{ else } e^{x}",
    "gelu": r"\mathrm{GELU}(x) = x\,\Phi(x), \quad \mathrm{GELU}'(x) = \Phi(x) + x\,\varphi(x)",
    "silu": r"\mathrm{SiLU}(x) = x\,\sigma(x), \quad "
    r"\mathrm{SiLU}'(x) = \sigma(x)\,(1 + x\,(1 - \sigma(x)))",
}
CURVES = list(FORMULAS)  # the element-wise ones; softmax has its own lab (a vector function)
SOFTMAX = r"\mathrm{softmax}(z)_i = \frac{e^{z_i / T}}{\sum_j e^{z_j / T}}"

SATURATED = 0.01  # |f'(x)| below this: the gradient nearly vanishes here


@dataclass(frozen=True)
class Curve:
    x: list[float]
    y: list[float]
    slope: list[float]  # f'(x), by autograd
    saturated: list[bool]  # |f'(x)| < SATURATED


def curve(name: str, low: float = -6.0, high: float = 6.0, points: int = 241) -> Curve:
    """An activation and its derivative over [low, high]."""
    if name not in FORMULAS:
        raise ValueError(f"no curve for {name!r}: pick one of {', '.join(CURVES)}")
    if not low < high:
        raise ValueError("the range needs its lower end below its upper end")
    f = ACTIVATIONS[name].make()
    x = torch.linspace(low, high, points, dtype=torch.float64, requires_grad=True)
    y = f(x)
    (slope,) = torch.autograd.grad(y.sum(), x)  # element-wise: d y_i / d x_i
    return Curve(
        x.detach().tolist(),
        y.detach().tolist(),
        slope.tolist(),
        (slope.abs() < SATURATED).tolist(),
    )


def vanishing(name: str, layers: int, x: float = 2.0) -> float:
    """The gradient left after `layers` stacked activations at input x (weights of 1): the
    product of the slopes along the way, which is why saturating functions slow deep nets."""
    f = ACTIVATIONS[name].make()
    start = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out = start
    for _ in range(layers):
        out = f(out)
    (grad,) = torch.autograd.grad(out, start)
    return grad.item()


@dataclass(frozen=True)
class Softmax:
    probabilities: list[float]
    jacobian: list[list[float]]  # d p_i / d z_j, by autograd


def softmax(logits: list[float], temperature: float = 1.0) -> Softmax:
    """Softmax of logits / temperature, and its Jacobian with respect to the logits."""
    if temperature <= 0:
        raise ValueError("the temperature must be above 0")
    if not logits:
        raise ValueError("give at least one logit")
    z = torch.tensor(logits, dtype=torch.float64)
    jacobian = torch.autograd.functional.jacobian(lambda v: torch.softmax(v / temperature, 0), z)
    p = torch.softmax(z / temperature, dim=0)
    return Softmax(p.tolist(), jacobian.tolist())
