"""Registries behind every picker: layers, activations, losses, optimizers, schedules, datasets,
presets. The UI, the CLI and the JSON specs all list the same names from here; adding an option
is one entry. (Layer kinds live in layers.py and schedules, with their arithmetic, in
schedules.py; they are listed here too.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from playground.datasets.image_sets import (  # the datasets it offers (shared with other tasks)
    DATASETS,
)
from playground.engine.activations import ACTIVATIONS, Activation
from playground.engine.i18n import N_, Text
from playground.engine.optimizers import OPTIMIZERS
from playground.engine.schedules import SCHEDULES, Schedule
from playground.tasks.image.layers import LAYERS, LayerKind

__all__ = [
    "ACTIVATIONS",
    "DATASETS",
    "LAYERS",
    "LOSSES",
    "OPTIMIZERS",
    "PRESETS",
    "SCHEDULES",
    "Activation",
    "LayerKind",
    "Schedule",
]

# --- Losses ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Loss:
    """A loss: how it scores outputs (B, K) against integer labels (B,), what K it needs, and
    what its outputs mean as class probabilities (B, K), for every page that shows them."""

    name: str
    label: str
    description: str
    compute: Callable[[torch.Tensor, torch.Tensor, int, float], torch.Tensor]
    fits: Callable[[int, int], str | None]  # (outputs, classes) -> problem in words, or None
    probabilities: Callable[[torch.Tensor], torch.Tensor] = lambda out: torch.softmax(out, 1)


def _sigmoids(out: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy's outputs: each a yes/no sigmoid; one output is class 1's chance."""
    if out.shape[1] == 1:
        p1 = torch.sigmoid(out)
        return torch.cat([1 - p1, p1], dim=1)
    return torch.sigmoid(out)


def _one_output_per_class(outputs: int, classes: int) -> str | None:
    if outputs != classes:
        return Text(
            "needs one output per class ({classes}), but the last layer gives {outputs}",
            classes=classes,
            outputs=outputs,
        )
    return None


def _bce_fits(outputs: int, classes: int) -> str | None:
    if outputs == classes or (outputs == 1 and classes == 2):
        return None
    one = N_(" or 1 output for two classes") if classes == 2 else ""
    return Text(
        "needs one output per class ({classes}){one}, but the last layer gives {outputs}",
        classes=classes,
        one=one,
        outputs=outputs,
    )


def _bce(out: torch.Tensor, y: torch.Tensor, classes: int, smoothing: float) -> torch.Tensor:
    if out.shape[1] == 1:  # one logit: the chance of class 1
        return F.binary_cross_entropy_with_logits(out[:, 0], y.to(out.dtype))
    return F.binary_cross_entropy_with_logits(out, F.one_hot(y, classes).to(out.dtype))


LOSSES: dict[str, Loss] = {
    x.name: x
    for x in [
        Loss(
            "cross_entropy",
            N_("Cross-entropy"),
            N_("Softmax, then -log of the probability of the true class. The usual choice."),
            lambda out, y, k, s: F.cross_entropy(out, y, label_smoothing=s),
            _one_output_per_class,
        ),
        Loss(
            "nll",
            N_("NLL (after log-softmax)"),
            N_("Negative log-likelihood of log-softmax outputs: cross-entropy in two steps."),
            lambda out, y, k, s: F.nll_loss(F.log_softmax(out, dim=1), y),
            _one_output_per_class,
        ),
        Loss(
            "mse",
            N_("MSE on one-hot"),
            N_("Mean squared error between the outputs and the one-hot target: learns slower."),
            lambda out, y, k, s: F.mse_loss(out, F.one_hot(y, k).to(out.dtype)),
            _one_output_per_class,
        ),
        Loss(
            "bce",
            N_("Binary cross-entropy"),
            N_("Each output is a yes/no sigmoid: one output for two classes, or one per class."),
            _bce,
            _bce_fits,
            _sigmoids,
        ),
    ]
}


# --- Presets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    """A ready-made model: layers as (kind, params, activation), and the recipe it trains well
    with (TrainConfig fields that differ from the defaults)."""

    name: str
    label: str
    description: str
    layers: tuple[tuple[str, dict, str], ...]
    recipe: dict = field(default_factory=dict)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in [
        Preset(
            "seed-cnn",
            N_("Seed CNN"),
            N_("The classic Keras MNIST CNN: two conv + pool stages and a small dense head."),
            (
                ("conv2d", {"out_channels": 32, "kernel_size": 3}, "relu"),  # 32x26x26
                ("maxpool2d", {"kernel_size": 2}, "none"),  # 32x13x13
                ("conv2d", {"out_channels": 64, "kernel_size": 3}, "relu"),  # 64x11x11
                ("maxpool2d", {"kernel_size": 2}, "none"),  # 64x5x5
                ("flatten", {}, "none"),  # 1600
                ("linear", {"out_features": 64}, "relu"),
                ("linear", {"out_features": 10}, "none"),
            ),
            recipe={"epochs": 2, "lr": 5e-3},  # >= 99.0% with every seed (BENCHMARKS.md)
        ),
        Preset(
            "mlp",
            N_("MLP 784-128-64-10"),
            N_("No convolutions: every pixel connects to every unit."),
            (
                ("flatten", {}, "none"),  # 784
                ("linear", {"out_features": 128}, "relu"),
                ("linear", {"out_features": 64}, "relu"),
                ("linear", {"out_features": 10}, "none"),
            ),
        ),
        Preset(
            "lenet5",
            N_("LeNet-5"),
            N_("LeCun's 1998 network: 5x5 convs, average pooling, tanh."),
            (
                ("conv2d", {"out_channels": 6, "kernel_size": 5, "padding": 2}, "tanh"),  # 6x28x28
                ("avgpool2d", {"kernel_size": 2}, "none"),  # 6x14x14
                ("conv2d", {"out_channels": 16, "kernel_size": 5}, "tanh"),  # 16x10x10
                ("avgpool2d", {"kernel_size": 2}, "none"),  # 16x5x5
                ("flatten", {}, "none"),  # 400
                ("linear", {"out_features": 120}, "tanh"),
                ("linear", {"out_features": 84}, "tanh"),
                ("linear", {"out_features": 10}, "none"),
            ),
        ),
        Preset(
            "bn-cnn",
            N_("BatchNorm CNN"),
            N_(
                "Two stages of two convs with BatchNorm, dropout and augmentation: "
                ">= 99.5% on MNIST."
            ),
            (
                ("conv2d", {"out_channels": 32, "kernel_size": 3}, "none"),  # 32x26x26
                ("batchnorm", {}, "relu"),
                ("conv2d", {"out_channels": 32, "kernel_size": 3}, "none"),  # 32x24x24
                ("batchnorm", {}, "relu"),
                ("maxpool2d", {"kernel_size": 2}, "none"),  # 32x12x12
                ("dropout", {"p": 0.2}, "none"),
                ("conv2d", {"out_channels": 64, "kernel_size": 3}, "none"),  # 64x10x10
                ("batchnorm", {}, "relu"),
                ("conv2d", {"out_channels": 64, "kernel_size": 3}, "none"),  # 64x8x8
                ("batchnorm", {}, "relu"),
                ("maxpool2d", {"kernel_size": 2}, "none"),  # 64x4x4
                ("dropout", {"p": 0.3}, "none"),
                ("flatten", {}, "none"),  # 1024
                ("linear", {"out_features": 128}, "none"),
                ("batchnorm", {}, "relu"),
                ("dropout", {"p": 0.3}, "none"),
                ("linear", {"out_features": 10}, "none"),
            ),
            recipe={"epochs": 15, "augment": True},
        ),
        Preset(
            "fast-cnn",
            N_("Fast CNN"),
            N_(
                "What speed means: two 5x5 conv + pool stages and one Linear layer, 2 epochs: "
                "99.1% on MNIST in about 8 s of training on a 2-core CPU (3 seeds: 99.08% on "
                "average, none below 98.98%)."
            ),
            (
                ("conv2d", {"out_channels": 16, "kernel_size": 5}, "relu"),  # 16x24x24
                ("maxpool2d", {"kernel_size": 2}, "none"),  # 16x12x12
                ("conv2d", {"out_channels": 32, "kernel_size": 5}, "relu"),  # 32x8x8
                ("maxpool2d", {"kernel_size": 2}, "none"),  # 32x4x4
                ("flatten", {}, "none"),  # 512
                ("linear", {"out_features": 10}, "none"),
            ),
            recipe={"epochs": 2, "lr": 8e-3},
        ),
    ]
}
