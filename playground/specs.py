"""What the user chose, as frozen dataclasses that round-trip through JSON.

`ModelSpec.validate()` runs shape inference layer by layer and raises `SpecError` naming the
layer and the fix; `TrainConfig.validate()` checks the recipe (fit.py checks that a model, a
dataset, a loss and the memory budget go together). Whatever arrives (a file, a URL, a form),
nothing but `SpecError` escapes from `from_json` / `from_dict` / `validate`.
"""

from __future__ import annotations

import dataclasses
import json
import math
import typing
from dataclasses import dataclass, field
from typing import Any

import torch

from playground import catalog
from playground.layers import LayerProblem, Shape

MAX_PARAMETERS = 20_000_000  # beyond this a CPU session runs out of patience or memory


class SpecError(ValueError):
    """A spec or config that cannot be used; `str()` is a sentence for the user."""

    def __init__(self, message: str, layer: int | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.layer = layer  # 0-based index of the offending layer, if one is to blame
        self.field = field  # name of the offending TrainConfig field, if one is to blame


# --- Layers and models ----------------------------------------------------------------------


@dataclass(frozen=True)
class LayerSpec:
    """One layer: a kind from catalog.LAYERS, its parameters (missing ones take the kind's
    defaults) and the activation after it."""

    kind: str
    params: dict = field(default_factory=dict)
    activation: str = "none"

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_dict(), sort_keys=True))

    @property
    def label(self) -> str:
        known = catalog.LAYERS.get(self.kind)
        return known.label if known else str(self.kind)

    def resolved_params(self) -> dict:
        """Parameters with defaults filled in and types checked; raises LayerProblem."""
        kind = catalog.LAYERS.get(self.kind)
        if kind is None:
            names = ", ".join(catalog.LAYERS)
            raise LayerProblem(f"there is no layer kind {self.kind!r}; choose one of {names}")
        if not isinstance(self.params, dict):
            raise LayerProblem("its parameters must be a mapping of names to values")
        known = {p.name: p for p in kind.params}
        unknown = sorted(str(k) for k in self.params if k not in known)
        if unknown:
            allowed = ", ".join(known) or "no parameters"
            raise LayerProblem(f"it has no parameter {unknown[0]!r} (it takes {allowed})")
        return {name: p.check(self.params.get(name, p.default)) for name, p in known.items()}

    def to_dict(self) -> dict:
        return {"kind": self.kind, "params": dict(self.params), "activation": self.activation}

    @classmethod
    def from_dict(cls, data: Any, where: str = "a layer") -> LayerSpec:
        if not isinstance(data, dict):
            raise SpecError(f"{where} must be an object with a 'kind', not {_short(data)}")
        _no_unknown_keys(data, {"kind", "params", "activation"}, where)
        kind, params = data.get("kind"), data.get("params", {})
        activation = data.get("activation", "none")
        if not isinstance(kind, str):
            raise SpecError(f"{where} needs a 'kind' such as \"conv2d\", not {_short(kind)}")
        if not isinstance(params, dict):
            raise SpecError(f"{where}: 'params' must be an object, not {_short(params)}")
        if not isinstance(activation, str):
            raise SpecError(f"{where}: 'activation' must be a name, not {_short(activation)}")
        return cls(kind, dict(params), activation)


@dataclass(frozen=True)
class ModelSpec:
    """A network as an ordered stack of layers, for inputs of `input_shape` (no batch)."""

    layers: tuple[LayerSpec, ...]
    name: str = "custom"
    input_shape: tuple[int, ...] = (1, 28, 28)  # (C, H, W) images, or (F,) feature vectors

    @classmethod
    def from_preset(cls, name: str) -> ModelSpec:
        preset = catalog.PRESETS.get(name)
        if preset is None:
            raise SpecError(
                f"There is no preset {name!r}; choose one of {', '.join(catalog.PRESETS)}."
            )
        layers = tuple(LayerSpec(k, dict(p), a) for k, p, a in preset.layers)
        return cls(layers, name=name)

    def validate(self, input_shape: Shape | None = None) -> tuple[Shape, ...]:
        """Output shape of every layer for `input_shape` (default: the spec's own).

        Raises SpecError naming the first layer that cannot work, and why.
        """
        shape = tuple(input_shape or self.input_shape)
        _check_input_shape(shape)
        if not self.layers:
            raise SpecError("The model has no layers yet: add at least one Linear layer.")
        shapes, total = [], 0
        for i, layer in enumerate(self.layers):
            where = f"Layer {i + 1} ({layer.label})"
            try:
                params = layer.resolved_params()
                if layer.activation not in catalog.ACTIVATIONS:
                    names = ", ".join(catalog.ACTIVATIONS)
                    raise LayerProblem(
                        f"there is no activation {layer.activation!r}; choose one of {names}"
                    )
                kind = catalog.LAYERS[layer.kind]
                out = kind.output_shape(shape, params)
                if min(out) < 1:
                    raise LayerProblem(f"its output would be empty ({'x'.join(map(str, out))})")
                total += parameter_count(kind, shape, params)
            except LayerProblem as e:
                raise SpecError(f"{where}: {e}.", layer=i) from None
            if total > MAX_PARAMETERS:
                raise SpecError(
                    f"{where}: the model now has {total:,} parameters, more than the "
                    f"{MAX_PARAMETERS:,} this playground trains: use fewer units or filters, or "
                    "add pooling before Flatten.",
                    layer=i,
                )
            shapes.append(out)
            shape = out
        return tuple(shapes)

    def with_flatten_inserted(self) -> tuple[ModelSpec, list[str]]:
        """The spec with a Flatten added wherever a Linear would get feature maps, and a note
        for each one added."""
        layers, notes, image = [], [], len(self.input_shape) == 3
        for layer in self.layers:
            if layer.kind == "linear" and image:
                layers.append(LayerSpec("flatten"))
                notes.append(
                    f"Added a Flatten layer before layer {len(layers) + 1} (Linear), which "
                    "needs a flat vector."
                )
                image = False
            layers.append(layer)
            if layer.kind == "flatten":
                image = False
        return dataclasses.replace(self, layers=tuple(layers)), notes

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "input_shape": list(self.input_shape),
            "layers": [layer.to_dict() for layer in self.layers],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, data: Any) -> ModelSpec:
        if not isinstance(data, dict):
            raise SpecError(f"A model spec must be a JSON object, not {_short(data)}.")
        _no_unknown_keys(data, {"name", "input_shape", "layers"}, "the model spec")
        layers = data.get("layers")
        if not isinstance(layers, list):
            raise SpecError("A model spec needs 'layers': a list of layers.")
        if len(layers) > 200:
            raise SpecError(
                f"The model has {len(layers)} layers; the playground takes 200 at most."
            )
        name = data.get("name", "custom")
        if not isinstance(name, str) or len(name) > 100:
            raise SpecError("The model's 'name' must be text of at most 100 characters.")
        shape = data.get("input_shape", [1, 28, 28])
        if not isinstance(shape, list) or not all(_is_int(s) for s in shape):
            raise SpecError("'input_shape' must be a list of whole numbers, like [1, 28, 28].")
        spec = cls(
            tuple(LayerSpec.from_dict(x, f"Layer {i + 1}") for i, x in enumerate(layers)),
            name=name,
            input_shape=tuple(shape),
        )
        _check_input_shape(spec.input_shape)
        return spec

    @classmethod
    def from_json(cls, text: str | bytes) -> ModelSpec:
        return cls.from_dict(_parse_json(text, "model spec"))


def parameter_count(kind: catalog.LayerKind, shape: Shape, params: dict) -> int:
    """Parameters of one layer of `kind` on inputs of `shape`, without allocating them."""
    with torch.device("meta"):  # no memory, no initialisation: just the sizes
        return sum(p.numel() for p in kind.build(shape, params).parameters())


def _check_input_shape(shape: tuple) -> None:
    if len(shape) not in (1, 3) or not all(_is_int(s) and 1 <= s <= 4096 for s in shape):
        raise SpecError(
            f"The input shape {_short(list(shape))} is not one the playground takes: use "
            "[channels, height, width] for images (like [1, 28, 28]) or [features] (like [2])."
        )


# --- Training recipe ------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainConfig:
    """How to train: data, loss, optimizer, schedule, augmentation, seed and device."""

    dataset: str = "mnist"  # a name in catalog.DATASETS
    epochs: int = 3
    batch_size: int = 128
    optimizer: str = "adam"  # a name in catalog.OPTIMIZERS
    lr: float = 3e-3  # the peak for one_cycle
    weight_decay: float = 0.0
    loss: str = "cross_entropy"  # a name in catalog.LOSSES
    label_smoothing: float = 0.0  # cross-entropy only
    schedule: str = "one_cycle"  # a name in catalog.SCHEDULES
    warmup_epochs: float = 0.0  # lr rises linearly from ~0 over this many epochs
    step_every_epochs: int = 1  # 'step' schedule: multiply lr by step_gamma this often
    step_gamma: float = 0.5
    augment: bool = False  # random affine of each training batch, on the device
    augment_rotation: float = 10.0  # degrees, either way
    augment_scale: float = 0.1  # size changes by up to this share
    augment_shift: float = 0.1  # moves by up to this share of the image side
    augment_thicken: float = 0.0  # share of images whose strokes are thickened by one pixel
    val_fraction: float = 0.1  # share of the training set held out for validation
    train_limit: int = 0  # train on only this many images (0: all), for quick experiments
    seed: int = 0  # weights, shuffling and augmentation all follow it
    device: str = "auto"  # auto (cuda > mps > cpu), cpu, cuda, cuda:N or mps
    snapshot_every: int = 50  # steps between CPU weight copies for live inference
    channels_last: bool = True  # memory layout for conv nets: faster on CPU and GPU
    compile: bool = False  # torch.compile the model (slow to start; opt-in)

    def validate(self) -> TrainConfig:
        """Return self, or raise SpecError naming the first field that is out of range."""
        for name, registry in _NAMED.items():
            value = getattr(self, name)
            if value not in registry:
                raise SpecError(
                    f"There is no {name.replace('_', ' ')} {value!r}; choose one of "
                    f"{', '.join(registry)}.",
                    field=name,
                )
        for name, (low, high, why) in _RANGES.items():
            value = getattr(self, name)
            if not (low <= value <= high) or (isinstance(value, float) and math.isnan(value)):
                raise SpecError(
                    f"{name.replace('_', ' ').capitalize()} is {value}, but must be between "
                    f"{low} and {high}: {why}.",
                    field=name,
                )
        if self.lr <= 0:
            raise SpecError("The learning rate must be above 0.", field="lr")
        if not _valid_device(self.device):
            raise SpecError(
                f"Device {self.device!r} is not one of auto, cpu, cuda, cuda:N or mps.",
                field="device",
            )
        return self

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, data: Any) -> TrainConfig:
        if not isinstance(data, dict):
            raise SpecError(f"A training config must be a JSON object, not {_short(data)}.")
        hints = typing.get_type_hints(cls)
        _no_unknown_keys(data, set(hints), "the training config")
        values = {}
        for name, value in data.items():
            want = hints[name]
            if _is_int(value) and abs(value) > 2**63:
                raise SpecError(f"'{name}' is {_short(value)}: far too large.", field=name)
            if want is float and _is_int(value):
                value = float(value)
            if type(value) is not want:
                raise SpecError(
                    f"'{name}' must be {_TYPE_WORDS[want]}, not {_short(value)}.", field=name
                )
            values[name] = value
        return cls(**values).validate()

    @classmethod
    def from_json(cls, text: str | bytes) -> TrainConfig:
        return cls.from_dict(_parse_json(text, "training config"))


_NAMED = {
    "dataset": catalog.DATASETS,
    "optimizer": catalog.OPTIMIZERS,
    "loss": catalog.LOSSES,
    "schedule": catalog.SCHEDULES,
}
_RANGES = {  # name: (low, high, why) - inclusive
    "epochs": (1, 1000, "at least one pass over the data"),
    "batch_size": (1, 8192, "images per step"),
    "lr": (0.0, 100.0, "a step size"),
    "weight_decay": (0.0, 1.0, "a small share, like 0.0001"),
    "label_smoothing": (0.0, 0.99, "the share of probability spread over other classes"),
    "warmup_epochs": (0.0, 1000.0, "epochs"),
    "step_every_epochs": (1, 1000, "epochs"),
    "step_gamma": (0.0, 1.0, "the factor lr is multiplied by"),
    "augment_rotation": (0.0, 180.0, "degrees"),
    "augment_scale": (0.0, 0.9, "a share of the size"),
    "augment_shift": (0.0, 0.5, "a share of the image side"),
    "augment_thicken": (0.0, 1.0, "a share of the images"),
    "val_fraction": (0.0, 0.5, "validation must leave most images for training"),
    "train_limit": (0, 10_000_000, "0 means all images"),
    "seed": (0, 2**63 - 1, "any whole number from 0"),
    "snapshot_every": (1, 1_000_000, "steps"),
}
_TYPE_WORDS = {int: "a whole number", float: "a number", bool: "true or false", str: "text"}


# --- Helpers --------------------------------------------------------------------------------


def _parse_json(text: str | bytes, what: str) -> Any:
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        return json.loads(text)
    except UnicodeDecodeError:
        raise SpecError(f"The {what} is not text (UTF-8): is it the right file?") from None
    except json.JSONDecodeError as e:
        raise SpecError(
            f"The {what} is not valid JSON ({e.msg} at line {e.lineno}, column {e.colno})."
        ) from None
    except (RecursionError, ValueError, TypeError):
        raise SpecError(f"The {what} is not valid JSON.") from None


def _no_unknown_keys(data: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(str(k) for k in data if k not in allowed)
    if unknown:
        raise SpecError(
            f"{where[0].upper()}{where[1:]} has an unknown field {unknown[0]!r} "
            f"(known: {', '.join(sorted(allowed))})."
        )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _short(value: Any) -> str:
    plain = isinstance(value, (str, int, float, bool, type(None)))
    if plain or (isinstance(value, list) and len(value) <= 8):
        try:
            text = json.dumps(value)
        except (ValueError, TypeError, RecursionError):
            text = "a list"
    else:
        text = {list: "a list", dict: "an object"}.get(type(value), type(value).__name__)
    return text if len(text) <= 40 else text[:37] + "..."


def _valid_device(device: str) -> bool:
    if device in ("auto", "cpu", "cuda", "mps"):
        return True
    prefix, _, index = device.partition(":")
    return prefix == "cuda" and index.isdigit()
