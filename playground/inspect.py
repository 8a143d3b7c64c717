"""Looking inside a model: what each layer computes for an input, its filters, which pixels an
answer depends on, and how the whole model does on a test set.

Forward hooks are registered under no_grad and removed in `finally`, and the model's training
flag is restored, as torchinfo does: inspecting never changes the model. Models are the
nn.Sequential that `models.build` makes, one child per layer of the spec, so layer i here is
layer i + 1 in the editor.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@contextmanager
def _eval_mode(model: nn.Module) -> Iterator[nn.Module]:
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


@torch.no_grad()
def feature_maps(model: nn.Sequential, x: torch.Tensor) -> list[torch.Tensor]:
    """The output of every layer (child) of `model` for inputs x (B, C, H, W), in order."""
    outputs: list[torch.Tensor] = []
    hooks = [
        layer.register_forward_hook(lambda _m, _i, out: outputs.append(out.detach()))
        for layer in model.children()
    ]
    try:
        with _eval_mode(model):
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
    with _eval_mode(model):
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
        with _eval_mode(model):
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


@dataclass(frozen=True)
class ClassScores:
    precision: float
    recall: float
    f1: float
    support: int  # true examples of the class


def confusion_matrix(truth: torch.Tensor, predicted: torch.Tensor, classes: int) -> torch.Tensor:
    """(classes, classes) counts: row = true class, column = predicted class."""
    index = truth.long() * classes + predicted.long()
    return torch.bincount(index, minlength=classes * classes).reshape(classes, classes)


def class_scores(matrix: torch.Tensor) -> list[ClassScores]:
    """Precision, recall and F1 of each class from a confusion matrix (0 where undefined)."""
    matrix = matrix.double()
    hits = matrix.diag()
    predicted, actual = matrix.sum(dim=0), matrix.sum(dim=1)
    scores = []
    for k in range(len(hits)):
        p = (hits[k] / predicted[k]).item() if predicted[k] > 0 else 0.0
        r = (hits[k] / actual[k]).item() if actual[k] > 0 else 0.0
        f1 = 2 * p * r / (p + r) if p + r > 0 else 0.0
        scores.append(ClassScores(p, r, f1, int(actual[k].item())))
    return scores


@torch.no_grad()
def test_probabilities(
    model: nn.Module, x: torch.Tensor, mean: float, std: float, batch_size: int = 1000
) -> torch.Tensor:
    """Class probabilities (N, K) for uint8 images x (N, C, H, W), normalised as in training."""
    parts = []
    with _eval_mode(model):
        for start in range(0, len(x), batch_size):
            xb = (x[start : start + batch_size].float() / 255 - mean) / std
            parts.append(torch.softmax(model(xb), dim=1))
    return torch.cat(parts)


@dataclass(frozen=True)
class Agreement:
    """Test images split by which of two models gets them right (index tensors)."""

    both_right: torch.Tensor
    only_first: torch.Tensor
    only_second: torch.Tensor
    both_wrong: torch.Tensor


def agreement(truth: torch.Tensor, first: torch.Tensor, second: torch.Tensor) -> Agreement:
    """Which images each of two models' predictions (N,) gets right and the other does not."""
    a, b = first == truth, second == truth

    def where(mask: torch.Tensor) -> torch.Tensor:
        return mask.nonzero().flatten()

    return Agreement(where(a & b), where(a & ~b), where(~a & b), where(~a & ~b))
