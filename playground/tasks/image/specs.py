"""The model the user built, as frozen dataclasses that round-trip through JSON.

`ModelSpec.validate()` runs shape inference layer by layer and raises `SpecError` naming the
layer and the fix (recipe.py holds the training settings; fit.py checks that a model, a
dataset, a loss and the memory budget go together). Whatever arrives (a file, a URL, a form),
nothing but `SpecError` escapes from `from_json` / `from_dict` / `validate`.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass, field
from typing import Any

import torch

from playground.engine.i18n import N_, Text, _
from playground.engine.records import (
    JsonRecord,
    SpecError,
    is_int,
    no_unknown_keys,
    short,
)
from playground.tasks.image import catalog
from playground.tasks.image.layers import LayerProblem, Shape

MAX_PARAMETERS = 20_000_000  # beyond this a CPU session runs out of patience or memory


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
            raise LayerProblem(
                Text(
                    "there is no layer kind {kind!r}; choose one of {names}",
                    kind=self.kind,
                    names=names,
                )
            )
        if not isinstance(self.params, dict):
            raise LayerProblem(Text("its parameters must be a mapping of names to values"))
        known = {p.name: p for p in kind.params}
        unknown = sorted(str(k) for k in self.params if k not in known)
        if unknown:
            allowed = ", ".join(known) or N_("no parameters")
            raise LayerProblem(
                Text(
                    "it has no parameter {unknown!r} (it takes {allowed})",
                    unknown=unknown[0],
                    allowed=allowed,
                )
            )
        return {name: p.check(self.params.get(name, p.default)) for name, p in known.items()}

    def to_dict(self) -> dict:
        return {"kind": self.kind, "params": dict(self.params), "activation": self.activation}

    @classmethod
    def from_dict(cls, data: Any, where: str = "a layer") -> LayerSpec:
        if not isinstance(data, dict):
            raise SpecError(
                Text(
                    "{where} must be an object with a 'kind', not {short}",
                    where=where,
                    short=short(data),
                )
            )
        no_unknown_keys(data, {"kind", "params", "activation"}, where)
        kind, params = data.get("kind"), data.get("params", {})
        activation = data.get("activation", "none")
        if not isinstance(kind, str):
            raise SpecError(
                Text(
                    "{where} needs a 'kind' such as \"conv2d\", not {short}",
                    where=where,
                    short=short(kind),
                )
            )
        if not isinstance(params, dict):
            raise SpecError(
                Text(
                    "{where}: 'params' must be an object, not {short}",
                    where=where,
                    short=short(params),
                )
            )
        if not isinstance(activation, str):
            raise SpecError(
                Text(
                    "{where}: 'activation' must be a name, not {short}",
                    where=where,
                    short=short(activation),
                )
            )
        return cls(kind, dict(params), activation)


@dataclass(frozen=True)
class ModelSpec(JsonRecord):
    """A network as an ordered stack of layers, for inputs of `input_shape` (no batch)."""

    WHAT = N_("model spec")

    layers: tuple[LayerSpec, ...]
    name: str = "custom"
    input_shape: tuple[int, ...] = (1, 28, 28)  # (C, H, W) images, or (F,) feature vectors

    @classmethod
    def from_preset(cls, name: str) -> ModelSpec:
        preset = catalog.PRESETS.get(name)
        if preset is None:
            raise SpecError(
                Text(
                    "There is no preset {name!r}; choose one of {join}.",
                    name=name,
                    join=", ".join(catalog.PRESETS),
                )
            )
        layers = tuple(LayerSpec(k, dict(p), a) for k, p, a in preset.layers)
        return cls(layers, name=name)

    def validate(self, input_shape: Shape | None = None) -> tuple[Shape, ...]:
        """Output shape of every layer for `input_shape` (default: the spec's own).

        Raises SpecError naming the first layer that cannot work, and why. The answer is kept
        per spec and shape (pages ask on every rerun; a deep model takes a while).
        """
        shapes, error = _validated(self, tuple(input_shape or self.input_shape))
        if error is not None:
            raise SpecError(error.message, error.layer, error.field)
        return shapes

    def _shapes(self, shape: Shape) -> tuple[Shape, ...]:
        _check_input_shape(shape)
        if not self.layers:
            raise SpecError(Text("The model has no layers yet: add at least one Linear layer."))
        shapes, total = [], 0
        for i, layer in enumerate(self.layers):
            where = _("Layer {n} ({layer})").format(n=i + 1, layer=layer.label)
            try:
                params = layer.resolved_params()
                if layer.activation not in catalog.ACTIVATIONS:
                    names = ", ".join(catalog.ACTIVATIONS)
                    raise LayerProblem(
                        Text(
                            "there is no activation {activation!r}; choose one of {names}",
                            activation=layer.activation,
                            names=names,
                        )
                    )
                kind = catalog.LAYERS[layer.kind]
                out = kind.output_shape(shape, params)
                if min(out) < 1:
                    raise LayerProblem(
                        Text("its output would be empty ({join})", join="x".join(map(str, out)))
                    )
                total += parameter_count(kind, shape, params)
            except LayerProblem as e:
                raise SpecError(Text("{where}: {e}.", where=where, e=e), layer=i) from None
            if total > MAX_PARAMETERS:
                raise SpecError(
                    Text(
                        "{where}: the model now has {total:,} parameters, more than the "
                        "{MAX_PARAMETERS:,} this playground trains: use fewer units or filters, "
                        "or add pooling before Flatten.",
                        where=where,
                        total=total,
                        MAX_PARAMETERS=MAX_PARAMETERS,
                    ),
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
                    Text(
                        "Added a Flatten layer before layer {layer} (Linear), which needs a "
                        "flat vector.",
                        layer=len(layers) + 1,
                    )
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

    @classmethod
    def from_dict(cls, data: Any) -> ModelSpec:
        if not isinstance(data, dict):
            raise SpecError(
                Text("A model spec must be a JSON object, not {short}.", short=short(data))
            )
        no_unknown_keys(data, {"name", "input_shape", "layers"}, N_("the model spec"))
        layers = data.get("layers")
        if not isinstance(layers, list):
            raise SpecError(Text("A model spec needs 'layers': a list of layers."))
        if len(layers) > 200:
            raise SpecError(
                Text(
                    "The model has {count} layers; the playground takes 200 at most.",
                    count=len(layers),
                )
            )
        name = data.get("name", "custom")
        if not isinstance(name, str) or len(name) > 100:
            raise SpecError(Text("The model's 'name' must be text of at most 100 characters."))
        shape = data.get("input_shape", [1, 28, 28])
        if not isinstance(shape, list) or not all(is_int(s) for s in shape):
            raise SpecError(
                Text("'input_shape' must be a list of whole numbers, like [1, 28, 28].")
            )
        spec = cls(
            tuple(LayerSpec.from_dict(x, f"Layer {i + 1}") for i, x in enumerate(layers)),
            name=name,
            input_shape=tuple(shape),
        )
        _check_input_shape(spec.input_shape)
        return spec


@functools.lru_cache(maxsize=256)
def _validated(spec: ModelSpec, shape: Shape) -> tuple[tuple[Shape, ...], SpecError | None]:
    try:
        return spec._shapes(shape), None
    except SpecError as e:
        return (), e


def parameter_count(kind: catalog.LayerKind, shape: Shape, params: dict) -> int:
    """Parameters of one layer of `kind` on inputs of `shape`, without allocating them."""
    with torch.device("meta"):  # no memory, no initialisation: just the sizes
        return sum(p.numel() for p in kind.build(shape, params).parameters())


def _check_input_shape(shape: tuple) -> None:
    if len(shape) not in (1, 3) or not all(is_int(s) and 1 <= s <= 4096 for s in shape):
        raise SpecError(
            Text(
                "The input shape {short} is not one the playground takes: use [channels, "
                "height, width] for images (like [1, 28, 28]) or [features] (like [2]).",
                short=short(list(shape)),
            )
        )
