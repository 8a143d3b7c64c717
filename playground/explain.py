"""Looking inside a model: what each layer computes for an input, its filters, and which pixels
an answer depends on.

Forward hooks are registered under no_grad and removed in `finally`, and the model runs in
`models.eval_mode`, as torchinfo does: looking inside never changes the model. Models are the
nn.Sequential that `models.build` makes, one child per layer of the spec, so layer i here is
layer i + 1 in the editor.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from playground.models import eval_mode


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


def gradient_x_input(model: nn.Module, x: torch.Tensor, target: int) -> torch.Tensor:
    """Saliency (H, W): the gradient of class `target`'s score with respect to the input, times
    the input, summed over channels."""
    with eval_mode(model):
        x = x.detach().clone().requires_grad_(True)
        score = model(x)[0, target]
        (grad,) = torch.autograd.grad(score, x)
    return (grad * x).detach()[0].sum(dim=0)


def grad_cam(model: nn.Sequential, x: torch.Tensor, target: int, layer: int | None = None):
    """Grad-CAM (H, W) of class `target` at conv layer `layer` (default: the last conv layer),
    upsampled to the input's size and scaled to 0-1 (all zeros if nothing is positive)."""
    layer = conv_layers(model)[-1] if layer is None else layer
    kept: dict[str, torch.Tensor] = {}

    def keep(_module, _inputs, out):
        kept["maps"] = out

    hook = model[layer].register_forward_hook(keep)
    try:
        with eval_mode(model):
            score = model(x.detach())[0, target]
            (grads,) = torch.autograd.grad(score, kept["maps"])
    finally:
        hook.remove()
    maps = kept["maps"].detach()[0]  # (C, h, w)
    weights = grads[0].mean(dim=(1, 2))  # (C,): how much each map matters for the class
    cam = F.relu((weights[:, None, None] * maps).sum(dim=0))
    cam = F.interpolate(cam[None, None], size=x.shape[-2:], mode="bilinear", align_corners=False)
    cam = cam[0, 0]
    top = cam.max()
    return cam / top if top > 0 else cam


@dataclass(frozen=True)
class LayerStats:
    layer: int  # 0-based child index
    mean: float
    std: float
    dead: float | None  # share of units that are zero for every input (after a ReLU), else None


def layer_statistics(model: nn.Sequential, x: torch.Tensor) -> list[LayerStats]:
    """Per layer, over a batch x (B, C, H, W): mean and std of its outputs, and the share of
    dead ReLU units (zero for every input of the batch)."""
    stats = []
    outputs = feature_maps(model, x)
    for i, (child, out) in enumerate(zip(model.children(), outputs, strict=True)):
        relu = isinstance(child, nn.Sequential) and any(isinstance(m, nn.ReLU) for m in child)
        dead = (out == 0).all(dim=0).float().mean().item() if relu else None
        stats.append(LayerStats(i, out.mean().item(), out.std().item(), dead))
    return stats
