"""Registries behind every picker: layers, activations, losses, optimizers, schedules, datasets,
presets. The UI, the CLI and the JSON specs all list the same names from here; adding an option
is one entry. (Layer kinds live in layers.py and schedules, with their arithmetic, in
schedules.py; they are listed here too.)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from playground.engine.activations import ACTIVATIONS, Activation
from playground.engine.i18n import N_, Text, _
from playground.engine.optimizers import OPTIMIZERS
from playground.engine.records import SpecError
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


# --- Datasets -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DatasetInfo:
    """An image dataset: its shape, classes, pixel statistics and where it comes from."""

    name: str
    label: str
    description: str
    input_shape: tuple[int, int, int]
    classes: tuple[str, ...]
    mean: float  # of pixels / 255 over the training set
    std: float
    torchvision: str | None  # class in torchvision.datasets that downloads it
    raw_folder: str  # torchvision's folder under the data folder: <data>/<raw_folder>/raw
    fallback: str | None = None  # dataset used when this one is unavailable offline
    credit: str = ""
    train_images: int = 60_000  # in its training file, before validation is held out
    subset: tuple[int, ...] = ()  # the classes kept (their numbers in the full set), or all
    flat: bool = False  # its IDX files may lie flat in the data folder: MNIST's only, since
    # Fashion-MNIST's and Kuzushiji-MNIST's files have the same names (train-images-idx3-ubyte)

    def names(self) -> tuple[str, ...]:
        """The classes in the reader's language (a digit is a digit)."""
        return tuple(_(c) for c in self.classes)


_DIGITS = tuple(str(d) for d in range(10))
_MNIST_CREDIT = N_("MNIST by Yann LeCun, Corinna Cortes and Christopher J.C. Burges (CC BY-SA 3.0)")

DATASETS: dict[str, DatasetInfo] = {
    d.name: d
    for d in [
        DatasetInfo(
            "mnist",
            N_("MNIST digits"),
            N_("70,000 handwritten digits, 28x28 grey."),
            (1, 28, 28),
            _DIGITS,
            0.1307,
            0.3081,
            "MNIST",
            "MNIST",
            fallback="mnist-sample",
            credit=_MNIST_CREDIT,
            flat=True,
        ),
        DatasetInfo(
            "mnist-sample",
            N_("MNIST sample (bundled)"),
            N_("10,000 training and 2,000 test digits from MNIST, shipped with the app."),
            (1, 28, 28),
            _DIGITS,
            0.1307,
            0.3081,
            None,
            "MNIST",
            credit=_MNIST_CREDIT,
            train_images=10_000,
            flat=True,
        ),
        DatasetInfo(
            "fashion-mnist",
            N_("Fashion-MNIST"),
            N_("70,000 photos of clothes in 10 kinds, 28x28 grey."),
            (1, 28, 28),
            (
                N_("T-shirt/top"),
                N_("Trouser"),
                N_("Pullover"),
                N_("Dress"),
                N_("Coat"),
                N_("Sandal"),
                N_("Shirt"),
                N_("Sneaker"),
                N_("Bag"),
                N_("Ankle boot"),
            ),
            0.2860,
            0.3530,
            "FashionMNIST",
            "FashionMNIST",
            credit=N_("Fashion-MNIST by Zalando Research (MIT licence)"),
        ),
        DatasetInfo(
            "kmnist",
            N_("Kuzushiji-MNIST"),
            N_("70,000 cursive Japanese characters in 10 classes, 28x28 grey."),
            (1, 28, 28),
            ("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"),
            0.1918,
            0.3483,
            "KMNIST",
            "KMNIST",
            credit=N_("Kuzushiji-MNIST by CODH (CC BY-SA 4.0)"),
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


def parse_classes(text: str) -> tuple[int, ...]:
    """ "5,6,7,8,9" -> (5, 6, 7, 8, 9); "" -> () (all); SpecError in words otherwise."""
    if not text.strip():
        return ()
    try:
        keep = tuple(int(x) for x in text.replace(" ", "").split(","))
    except ValueError:
        raise SpecError(
            Text(
                "Classes {text!r}: write class numbers from 0 with commas between, like 5,6,7,8,9.",
                text=text,
            ),
            field="classes",
        ) from None
    if len(set(keep)) != len(keep) or len(keep) < 2 or min(keep) < 0:
        raise SpecError(
            Text(
                "Classes {text!r}: name at least two different classes, numbered from 0.", text=text
            ),
            field="classes",
        )
    return keep


def subset(info: DatasetInfo, keep: tuple[int, ...]) -> DatasetInfo:
    """The dataset with only the classes `keep`, numbered 0.. in that order."""
    if not keep:
        return info
    if max(keep) >= len(info.classes):
        raise SpecError(
            Text(
                "{label} has no class {max}: its classes are 0 to {value} ({join}).",
                label=info.label,
                max=max(keep),
                value=len(info.classes) - 1,
                join=", ".join(info.classes),
            ),
            field="classes",
        )
    share = len(keep) / len(info.classes)
    return dataclasses.replace(
        info,
        classes=tuple(info.classes[c] for c in keep),
        subset=keep,
        train_images=round(info.train_images * share),
    )


def info_of(config) -> DatasetInfo:
    """The data a training config learns from: its dataset, or the classes of it it keeps."""
    return subset(DATASETS[config.dataset], parse_classes(getattr(config, "classes", "")))
