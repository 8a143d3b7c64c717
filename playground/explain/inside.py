"""Looking inside a model: what each layer computes for an input, its filters, one value of a
feature map worked out by hand, and layer statistics. (Which pixels an answer depends on:
attributions.py.)

Forward hooks are registered under no_grad and removed in `finally`, and the model runs in
`models.eval_mode`, as torchinfo does: looking inside never changes the model. Models are the
nn.Sequential that `models.build` makes, one child per layer of the spec, so layer i here is
layer i + 1 in the editor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from playground.tasks.image.models import eval_mode


@torch.no_grad()
def feature_maps(model: nn.Sequential, x: torch.Tensor) -> list[torch.Tensor]:
    """The output of every layer (child) of `model` for inputs x (B, C, H, W), in order."""
    outputs: list[torch.Tensor] = []
    hooks = [
        layer.register_forward_hook(lambda _m, _i, out: outputs.append(out.detach()))
        for layer in model.children()
    ]
    try:
        with eval_mode(model):
            model(x)
    finally:
        for hook in hooks:
            hook.remove()
    return outputs


def conv_layers(model: nn.Sequential) -> list[int]:
    """Indices of the children that start with a Conv2d."""
    return [i for i, child in enumerate(model.children()) if isinstance(_core(child), nn.Conv2d)]


def _core(child: nn.Module) -> nn.Module:
    """The layer itself when a child is (layer, activation)."""
    return child[0] if isinstance(child, nn.Sequential) else child


def filters(model: nn.Sequential, layer: int) -> torch.Tensor:
    """The kernels of conv layer `layer`: (out_channels, in_channels, k, k), a detached copy."""
    conv = _core(model[layer])
    if not isinstance(conv, nn.Conv2d):
        raise ValueError(f"layer {layer + 1} is not a convolution")
    return conv.weight.detach().clone()


@dataclass(frozen=True)
class WorkedConvolution:
    """How one value of a conv layer's feature map is made, as CNN Explainer shows it: the
    input patch under the kernel, the kernel, their element-wise products, the sum, the bias,
    and the activation that gives the value on the map."""

    layer: int  # 0-based child index
    channel: int  # output channel
    row: int
    col: int
    patch: torch.Tensor  # (C_in, k, k): the layer's input under the kernel (zeros: padding)
    kernel: torch.Tensor  # (C_in, k, k)
    products: torch.Tensor  # patch * kernel
    total: float  # the sum of the products
    bias: float
    activation: str  # the activation's name, or "none"
    value: float  # the feature map's value: activation(total + bias)
    map_value: float  # the same value, as the model's own forward pass computed it

    @property
    def pre_activation(self) -> float:
        return self.total + self.bias


@torch.no_grad()
def worked_convolution(
    model: nn.Sequential,
    x: torch.Tensor,
    layer: int,
    channel: int,
    row: int,
    col: int,
    maps: list[torch.Tensor] | None = None,
) -> WorkedConvolution:
    """Value (row, col) of output channel `channel` of conv layer `layer` for input x (1, C, H,
    W), worked out by hand from the layer's input and weights (`maps`: feature_maps of x, where
    the caller has them). ValueError if out of range."""
    child = model[layer]
    conv = _core(child)
    if not isinstance(conv, nn.Conv2d):
        raise ValueError(f"layer {layer + 1} is not a convolution")
    maps = feature_maps(model, x) if maps is None else maps  # the page has them already
    before = x if layer == 0 else maps[layer - 1]
    out = maps[layer]
    if not (0 <= channel < out.shape[1] and 0 <= row < out.shape[2] and 0 <= col < out.shape[3]):
        raise ValueError(f"({channel}, {row}, {col}) is outside the {tuple(out.shape[1:])} maps")
    k, stride, pad = conv.kernel_size[0], conv.stride[0], conv.padding[0]
    padded = F.pad(before[0], (pad, pad, pad, pad))
    top, left = row * stride, col * stride
    patch = padded[:, top : top + k, left : left + k].clone()
    kernel = conv.weight[channel].detach().clone()
    products = patch * kernel
    bias = float(conv.bias[channel]) if conv.bias is not None else 0.0
    total = float(products.double().sum())
    activation, value = "none", total + bias
    if isinstance(child, nn.Sequential) and len(child) > 1:
        act = child[1]
        activation = type(act).__name__
        # the whole column of pre-activations at this place, for activations across channels
        column = F.conv2d(patch[None], conv.weight, conv.bias)  # (1, C_out, 1, 1)
        column[0, channel, 0, 0] = value
        value = float(act(column)[0, channel, 0, 0])
    return WorkedConvolution(layer, channel, row, col, patch, kernel, products, total, bias,
                             activation, value, float(out[0, channel, row, col]))  # fmt: skip


@dataclass(frozen=True)
class LayerStats:
    layer: int  # 0-based child index
    mean: float
    std: float
    dead: float | None  # share of units that are zero for every input (after a ReLU), else None


@torch.no_grad()
def layer_statistics(
    model: nn.Sequential, x: torch.Tensor, batch_size: int = 1000
) -> list[LayerStats]:
    """Per layer, over inputs x (N, C, H, W): mean and std of its outputs, and the share of
    dead ReLU units (zero for every input). `batch_size` inputs go through at a time and each
    layer's output is summed up as it is made, so the pass holds what any pass holds
    (fit.pass_batch_size), not every layer's maps at once."""
    children = list(model.children())
    sums = [torch.zeros(3, dtype=torch.float64) for _ in children]  # n, sum, sum of squares
    alive: list[torch.Tensor | None] = [None] * len(children)  # units nonzero for some input

    def hook(i: int, out: torch.Tensor) -> None:
        values = out.double()
        sums[i] += torch.stack([torch.tensor(values.numel()), values.sum(), values.square().sum()])
        nonzero = (out != 0).any(dim=0)
        alive[i] = nonzero if alive[i] is None else alive[i] | nonzero

    hooks = [
        child.register_forward_hook(lambda _m, _i, out, i=i: hook(i, out))
        for i, child in enumerate(children)
    ]
    try:
        with eval_mode(model):
            for start in range(0, len(x), batch_size):
                model(x[start : start + batch_size])
    finally:
        for h in hooks:
            h.remove()
    stats = []
    for i, child in enumerate(children):
        n, total, squares = sums[i].tolist()
        mean = total / max(n, 1)
        std = math.sqrt(max(0.0, squares - n * mean * mean) / max(n - 1, 1))
        relu = isinstance(child, nn.Sequential) and any(isinstance(m, nn.ReLU) for m in child)
        dead = 1 - alive[i].float().mean().item() if relu and alive[i] is not None else None
        stats.append(LayerStats(i, mean, std, dead))
    return stats
