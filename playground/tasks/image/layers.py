"""Layer kinds: what each layer takes, what it gives, how it is built (the activations that
may follow any layer are in activations.py).

A layer kind is one record (like TensorFlow Playground's `{output, der}` activations): its
parameters with defaults and ranges, its output shape for an input shape, its PyTorch module, and
its multiply-accumulate count. Shapes never include the batch: (C, H, W) for images, (F,) for
vectors. Problems are raised as `LayerProblem` sentences; `specs.py` adds which layer it was.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from torch import nn

from playground.engine.i18n import N_, Term, Text
from playground.tasks.image.blocks import ResidualBlock, group_norm

Shape = tuple[int, ...]


class LayerProblem(ValueError):
    """A layer cannot take its input or its parameters; the message says why and how to fix it."""


@dataclass(frozen=True)
class Param:
    """One parameter of a layer kind: its type, default and allowed range (inclusive)."""

    name: str
    kind: type  # int, float or bool
    default: Any
    low: float | None = None
    high: float | None = None
    high_open: bool = False  # True: the value must stay below `high`
    optional: bool = False  # True: None is allowed and means `help` says what
    help: str = ""

    def check(self, value: Any) -> Any:
        """Return `value` as this parameter's type, or raise LayerProblem in plain words."""
        if value is None:
            if self.optional:
                return None
            raise self._problem(N_("{name} needs a value ({help})"), help=self.help)
        if self.kind is bool:
            if not isinstance(value, bool):
                raise self._problem(N_("{name} must be true or false, not {value!r}"), value=value)
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self._problem(N_("{name} must be a number, not {value!r}"), value=value)
        if isinstance(value, int) and abs(value) > 2**53:
            raise self._problem(
                N_("{name} is a {digits}-digit number: far too large"), digits=len(str(abs(value)))
            )
        if not math.isfinite(value):
            raise self._problem(N_("{name} must be a finite number, not {value}"), value=value)
        if self.kind is int:
            if value != int(value):
                raise self._problem(N_("{name} must be a whole number, not {value}"), value=value)
            value = int(value)
        else:
            value = float(value)
        if self.low is not None and value < self.low:
            raise self._problem(
                N_("{name} is {value} but must be at least {num}"), value=value, num=_num(self.low)
            )
        if self.high is not None:
            if self.high_open and value >= self.high:
                raise self._problem(
                    N_("{name} is {value} but must be below {num}"),
                    value=value,
                    num=_num(self.high),
                )
            if not self.high_open and value > self.high:
                raise self._problem(
                    N_("{name} is {value} but must be at most {num}"),
                    value=value,
                    num=_num(self.high),
                )
        return value

    @property
    def label(self) -> str:
        """Its name in words, as the editor labels its field (a catalog text)."""
        return PARAM_LABELS.get(self.name, self.name)

    def _problem(self, template: str, **values: Any) -> LayerProblem:
        # English says the JSON's name (kernel_size); another language its word for it
        return LayerProblem(Text(template, name=Term(self.name, self.label), **values))


PARAM_LABELS = {
    "out_channels": N_("out channels"),
    "kernel_size": N_("kernel size"),
    "stride": N_("stride"),
    "padding": N_("padding"),
    "out_features": N_("out features"),
}


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


@dataclass(frozen=True)
class LayerKind:
    """A kind of layer the user can add: parameters, shape rule, module, MACs."""

    name: str
    label: str
    description: str
    params: tuple[Param, ...]
    activation: str  # the activation a new layer of this kind gets in the editor
    output_shape: Callable[[Shape, dict], Shape]
    build: Callable[[Shape, dict], nn.Module]
    macs: Callable[[Shape, Shape, dict], int]

    def defaults(self) -> dict:
        return {p.name: p.default for p in self.params}


def shape_text(shape: Shape) -> str:
    """'32x13x13', '1600'."""
    return "x".join(map(str, shape))


def describe(shape: Shape) -> str:
    """A shape in the words the editor uses: '32x13x13 feature maps' or '64 features'."""
    if len(shape) == 3:
        return Text("{shape_text} feature maps", shape_text=shape_text(shape))
    return Text("{features} features", features=shape[0])


def _needs_image(shape: Shape, label: str) -> tuple[int, int, int]:
    if len(shape) != 3:
        raise LayerProblem(
            Text(
                "{label} works on images (channels x height x width) but gets a flat "
                "vector of {shape} features: move it before the Flatten layer, or use "
                "Linear layers here",
                label=label,
                shape=shape[0],
            )
        )
    return shape  # type: ignore[return-value]


def _needs_vector(shape: Shape, label: str) -> int:
    if len(shape) != 1:
        raise LayerProblem(
            Text(
                "{label} needs a flat vector but gets {shape}: add a Flatten layer before it",
                label=label,
                shape=describe(shape),
            )
        )
    return shape[0]


def _sliding(size: int, kernel: int, stride: int, padding: int, what: str, fix: str) -> int:
    if kernel > size + 2 * padding:
        pad = Text(" (with padding {padding})", padding=padding) if padding else ""
        raise LayerProblem(
            Text(
                "{what} {kernel} is larger than the {size}x{size2} input{pad}: {fix}",
                what=what,
                kernel=kernel,
                size=size,
                size2=size,
                pad=pad,
                fix=fix,
            )
        )
    return (size + 2 * padding - kernel) // stride + 1


# --- Conv2d ---------------------------------------------------------------------------------


def _conv_shape(shape: Shape, p: dict) -> Shape:
    _c, h, w = _needs_image(shape, "Conv2d")
    fix = N_("use a smaller kernel, add padding, or remove a pooling layer before it")
    k, s, pad = p["kernel_size"], p["stride"], p["padding"]
    return (
        p["out_channels"],
        _sliding(h, k, s, pad, "Kernel", fix),
        _sliding(w, k, s, pad, "Kernel", fix),
    )


def _conv_build(shape: Shape, p: dict) -> nn.Module:
    return nn.Conv2d(shape[0], p["out_channels"], p["kernel_size"], p["stride"], p["padding"])


def _conv_macs(shape: Shape, out: Shape, p: dict) -> int:
    return out[0] * out[1] * out[2] * shape[0] * p["kernel_size"] ** 2


# --- Pooling --------------------------------------------------------------------------------


def _pool_shape(label: str) -> Callable[[Shape, dict], Shape]:
    def shape_of(shape: Shape, p: dict) -> Shape:
        c, h, w = _needs_image(shape, label)
        k = p["kernel_size"]
        s = p["stride"] or k
        fix = N_("use a smaller pooling window or remove an earlier pooling layer")
        return (c, _sliding(h, k, s, 0, "Window", fix), _sliding(w, k, s, 0, "Window", fix))

    return shape_of


def _no_macs(shape: Shape, out: Shape, p: dict) -> int:
    return 0


# --- BatchNorm, Dropout, Flatten -------------------------------------------------------------


def _batchnorm_build(shape: Shape, p: dict) -> nn.Module:
    return nn.BatchNorm2d(shape[0]) if len(shape) == 3 else nn.BatchNorm1d(shape[0])


def _same_shape(shape: Shape, p: dict) -> Shape:
    return shape


def _groupnorm_shape(shape: Shape, p: dict) -> Shape:
    if p["groups"] and shape[0] % p["groups"]:
        raise LayerProblem(Text("GroupNorm's {groups} groups do not divide its {channels} "
                                "channels: pick a divisor, or leave it empty.",
                                groups=p["groups"], channels=shape[0]))  # fmt: skip
    return shape


def _flatten_shape(shape: Shape, p: dict) -> Shape:
    return (math.prod(shape),)


# --- Linear ---------------------------------------------------------------------------------


def _linear_shape(shape: Shape, p: dict) -> Shape:
    _needs_vector(shape, "Linear")
    return (p["out_features"],)


def _linear_macs(shape: Shape, out: Shape, p: dict) -> int:
    return shape[0] * out[0]


# --- Residual block -------------------------------------------------------------------------


def _residual_shape(shape: Shape, p: dict) -> Shape:
    c, h, w = _needs_image(shape, N_("Residual block"))
    return (p["out_channels"] or c, h, w)


def _residual_build(shape: Shape, p: dict) -> nn.Module:
    return ResidualBlock(shape[0], p["out_channels"] or shape[0])


def _residual_macs(shape: Shape, out: Shape, p: dict) -> int:
    cin, (cout, h, w) = shape[0], out
    skip = 0 if cin == cout else cin * cout
    return h * w * (cin * cout * 9 + cout * cout * 9 + skip)


# --- The registry ---------------------------------------------------------------------------

_KERNEL = Param("kernel_size", int, 3, 1, 15, help=N_("the window's width and height"))
_POOL_KERNEL = Param("kernel_size", int, 2, 1, 8, help=N_("the window's width and height"))
_POOL_STRIDE = Param("stride", int, None, 1, 8, optional=True, help=N_("empty: same as the window"))

LAYERS: dict[str, LayerKind] = {
    k.name: k
    for k in [
        LayerKind(
            "conv2d",
            N_("Conv2d"),
            N_("Slides small learned filters over the image; each filter makes one feature map."),
            (
                Param("out_channels", int, 32, 1, 512, help=N_("how many filters (feature maps)")),
                _KERNEL,
                Param("stride", int, 1, 1, 8, help=N_("step between filter positions")),
                Param("padding", int, 0, 0, 8, help=N_("zeros added around the border")),
            ),
            "relu",
            _conv_shape,
            _conv_build,
            _conv_macs,
        ),
        LayerKind(
            "maxpool2d",
            N_("MaxPool2d"),
            N_("Keeps the largest value in each window: smaller maps, some shift tolerance."),
            (_POOL_KERNEL, _POOL_STRIDE),
            "none",
            _pool_shape("MaxPool2d"),
            lambda shape, p: nn.MaxPool2d(p["kernel_size"], p["stride"]),
            _no_macs,
        ),
        LayerKind(
            "avgpool2d",
            N_("AvgPool2d"),
            N_("Averages each window: smaller, smoother maps."),
            (_POOL_KERNEL, _POOL_STRIDE),
            "none",
            _pool_shape("AvgPool2d"),
            lambda shape, p: nn.AvgPool2d(p["kernel_size"], p["stride"]),
            _no_macs,
        ),
        LayerKind(
            "batchnorm",
            N_("BatchNorm"),
            N_(
                "Normalises each channel over the batch, then rescales; trains faster and steadier."
            ),
            (),
            "none",
            _same_shape,
            _batchnorm_build,
            _no_macs,
        ),
        LayerKind(
            "groupnorm",
            N_("GroupNorm"),
            N_(
                "Normalises each example's channels in groups, never over the batch: what "
                "differential privacy allows instead of BatchNorm."
            ),
            (Param("groups", int, None, 1, 512, optional=True, help=N_("empty: up to 32")),),
            "none",
            _groupnorm_shape,
            lambda shape, p: group_norm(shape[0], p["groups"]),
            _no_macs,
        ),
        LayerKind(
            "dropout",
            N_("Dropout"),
            N_("While training, zeroes a random share p of values, so no unit can be relied on."),
            (
                Param(
                    "p", float, 0.25, 0.0, 1.0, high_open=True, help=N_("share of values dropped")
                ),
            ),
            "none",
            _same_shape,
            lambda shape, p: nn.Dropout(p["p"]),
            _no_macs,
        ),
        LayerKind(
            "flatten",
            N_("Flatten"),
            N_("Lays feature maps out as one long vector, for Linear layers."),
            (),
            "none",
            _flatten_shape,
            lambda shape, p: nn.Flatten(),
            _no_macs,
        ),
        LayerKind(
            "linear",
            N_("Linear"),
            N_("Every input connects to every unit (a dense, fully connected layer)."),
            (Param("out_features", int, 64, 1, 4096, help=N_("how many units")),),
            "relu",
            _linear_shape,
            lambda shape, p: nn.Linear(shape[0], p["out_features"]),
            _linear_macs,
        ),
        LayerKind(
            "residual",
            N_("Residual block"),
            N_("Two 3x3 convolutions whose output is added to the input: deep nets train easily."),
            (
                Param(
                    "out_channels",
                    int,
                    None,
                    1,
                    512,
                    optional=True,
                    help=N_("empty: keep channels"),
                ),
            ),
            "relu",
            _residual_shape,
            _residual_build,
            _residual_macs,
        ),
    ]
}
