"""The optimizers every task trains with, as one registry: a torch.optim class with fixed
options, the learning rate it works well with, and what it keeps per weight (for the memory
budget). The pickers, the CLI, the JSON settings and the training scripts list the same names."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import torch

from playground.engine.i18n import N_


@dataclass(frozen=True)
class Optimizer:
    """An optimizer: a torch.optim class with fixed options, and the learning rate it works well
    with on MNIST-sized problems. The app builds it with `make`; a standalone script writes the
    same call out (`code`)."""

    name: str
    label: str
    description: str
    lr: float
    cls: type[torch.optim.Optimizer]
    options: dict = field(default_factory=dict)  # besides lr and weight_decay
    state_per_weight: int = 0  # numbers it keeps per weight (Adam: m and v), for memory budgets

    def make(self, params: Iterable, lr: float, weight_decay: float) -> torch.optim.Optimizer:
        return self.cls(params, lr=lr, **self.options, weight_decay=weight_decay)

    def code(self, params: str, lr: str, weight_decay: str) -> str:
        """The same call as Python source, one argument a line: 'torch.optim.SGD(\\n    p,\\n
        lr=LR,\\n    momentum=0.9,\\n    weight_decay=WD,\\n)'."""
        args = [params, f"lr={lr}", *(f"{k}={v!r}" for k, v in self.options.items())]
        args.append(f"weight_decay={weight_decay}")
        return f"torch.optim.{self.cls.__name__}(\n" + "".join(f"    {a},\n" for a in args) + ")"


OPTIMIZERS: dict[str, Optimizer] = {
    o.name: o
    for o in [
        Optimizer(
            "sgd",
            N_("SGD"),
            N_("Plain gradient descent: step = -lr x gradient."),
            0.05,
            torch.optim.SGD,
        ),
        Optimizer(
            "momentum",
            N_("SGD with momentum"),
            N_("Keeps 90% of the last step, so it rolls through small bumps and narrow valleys."),
            0.02,
            torch.optim.SGD,
            {"momentum": 0.9},
            state_per_weight=1,
        ),
        Optimizer(
            "nesterov",
            N_("Nesterov momentum"),
            N_("Momentum that looks ahead: the gradient is taken where the step will land."),
            0.02,
            torch.optim.SGD,
            {"momentum": 0.9, "nesterov": True},
            state_per_weight=1,
        ),
        Optimizer(
            "adam",
            N_("Adam"),
            N_("Momentum plus a per-weight step size from recent squared gradients."),
            1e-3,
            torch.optim.Adam,
            state_per_weight=2,
        ),
        Optimizer(
            "adamw",
            N_("AdamW"),
            N_("Adam with weight decay applied to the weights directly, not through the gradient."),
            1e-3,
            torch.optim.AdamW,
            state_per_weight=2,
        ),
        Optimizer(
            "rmsprop",
            N_("RMSprop"),
            N_("Divides each step by a running average of squared gradients."),
            1e-3,
            torch.optim.RMSprop,
            state_per_weight=1,
        ),
        Optimizer(
            "adagrad",
            N_("Adagrad"),
            N_("Step sizes shrink for weights that have had large gradients so far."),
            1e-2,
            torch.optim.Adagrad,
            state_per_weight=1,
        ),
        Optimizer(
            "adadelta",
            N_("Adadelta"),
            N_("Adagrad without the ever-shrinking step; its lr is usually 1."),
            1.0,
            torch.optim.Adadelta,
            state_per_weight=2,
        ),
    ]
}
