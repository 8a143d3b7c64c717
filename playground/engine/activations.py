"""The activation functions the user can put after any layer: each a record of its name, its
label and description for the pickers (in the catalog), and the PyTorch module it builds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from torch import nn

from playground.engine.i18n import N_


@dataclass(frozen=True)
class Activation:
    """An activation function the user can put after any layer."""

    name: str
    label: str
    description: str
    make: Callable[[], nn.Module]


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in [
        Activation(
            "none", N_("none"), N_("Passes values through unchanged (identity)."), nn.Identity
        ),
        Activation(
            "relu", N_("ReLU"), N_("max(0, x): cheap, does not saturate for x > 0."), nn.ReLU
        ),
        Activation(
            "leaky_relu",
            N_("LeakyReLU"),
            N_("Like ReLU, with a small slope (0.01) for x < 0 so units never die."),
            nn.LeakyReLU,
        ),
        Activation(
            "elu", N_("ELU"), N_("Smooth ReLU that goes to -1 for very negative x."), nn.ELU
        ),
        Activation(
            "gelu",
            N_("GELU"),
            N_("x times the chance a Gaussian is below x (transformers)."),
            nn.GELU,
        ),
        Activation("silu", N_("SiLU"), N_("x * sigmoid(x), also called swish."), nn.SiLU),
        Activation(
            "sigmoid", N_("Sigmoid"), N_("Squashes to (0, 1); saturates at both ends."), nn.Sigmoid
        ),
        Activation(
            "tanh", N_("Tanh"), N_("Squashes to (-1, 1), centred on 0; saturates."), nn.Tanh
        ),
        Activation(
            "softmax",
            N_("Softmax"),
            N_("Turns a vector into probabilities that sum to 1 (over channels for maps)."),
            lambda: nn.Softmax(dim=1),
        ),
    ]
}
