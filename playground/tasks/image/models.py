"""Turn a ModelSpec into a PyTorch module, describe it layer by layer, and run it in eval mode."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from torch import nn

from playground.tasks.image import catalog
from playground.tasks.image.layers import Shape
from playground.tasks.image.specs import ModelSpec, parameter_count


def build(spec: ModelSpec, input_shape: Shape | None = None) -> nn.Sequential:
    """An nn.Sequential with one child per spec layer (the layer, then its activation if any).

    Child i is spec.layers[i], so forward hooks and feature maps line up with the editor.
    Raises SpecError if the spec does not validate.
    """
    shape = tuple(input_shape or spec.input_shape)
    shapes = spec.validate(shape)
    blocks = []
    for layer, out in zip(spec.layers, shapes, strict=True):
        kind = catalog.LAYERS[layer.kind]
        module = kind.build(shape, layer.resolved_params())
        if layer.activation != "none":
            module = nn.Sequential(module, catalog.ACTIVATIONS[layer.activation].make())
        blocks.append(module)
        shape = out
    return nn.Sequential(*blocks)


@contextmanager
def eval_mode(model: nn.Module) -> Iterator[nn.Module]:
    """The model in eval mode for the block, then back in the mode it was in (dropout and
    batch norm behave as for inference; a training job's model is left as it was)."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


@dataclass(frozen=True)
class LayerSummary:
    index: int  # 1-based, as the editor numbers layers
    kind: str
    label: str  # e.g. "Conv2d 32 3x3 + ReLU"
    output_shape: Shape
    params: int
    macs: int  # multiply-accumulates for one input (biases, activations and pooling not counted)


@dataclass(frozen=True)
class Summary:
    input_shape: Shape
    layers: tuple[LayerSummary, ...]

    @property
    def total_params(self) -> int:
        return sum(x.params for x in self.layers)

    @property
    def total_macs(self) -> int:
        return sum(x.macs for x in self.layers)


def summarize(spec: ModelSpec, input_shape: Shape | None = None) -> Summary:
    """Per-layer output shape, parameter count and MACs, computed without allocating weights."""
    shape = tuple(input_shape or spec.input_shape)
    shapes = spec.validate(shape)
    rows = []
    for i, (layer, out) in enumerate(zip(spec.layers, shapes, strict=True)):
        kind = catalog.LAYERS[layer.kind]
        params = layer.resolved_params()
        rows.append(
            LayerSummary(
                index=i + 1,
                kind=layer.kind,
                label=layer_label(layer.kind, params, layer.activation),
                output_shape=out,
                params=parameter_count(kind, shape, params),
                macs=kind.macs(shape, out, params),
            )
        )
        shape = out
    return Summary(tuple(spec.input_shape if input_shape is None else input_shape), tuple(rows))


def layer_label(kind: str, params: dict, activation: str) -> str:
    """A short name for a layer as the table and diagram show it: 'Conv2d 32 3x3 + ReLU'."""
    text = catalog.LAYERS[kind].label
    if kind == "conv2d":
        text += f" {params['out_channels']} {params['kernel_size']}x{params['kernel_size']}"
        if params["stride"] != 1:
            text += f" /{params['stride']}"
    elif kind in ("maxpool2d", "avgpool2d"):
        text += f" {params['kernel_size']}"
    elif kind == "linear":
        text += f" {params['out_features']}"
    elif kind == "dropout":
        text += f" {params['p']:g}"
    elif kind == "residual" and params["out_channels"]:
        text += f" {params['out_channels']}"
    if activation != "none":
        text += f" + {catalog.ACTIVATIONS[activation].label}"
    return text
