"""Dropout and batch norm on small examples, in train and in eval mode: PyTorch's own modules."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class DropoutDemo:
    inputs: list[float]
    train: list[float]  # some units zeroed, the rest scaled by 1 / (1 - p)
    eval: list[float]  # unchanged


def dropout(p: float, units: int = 20, seed: int = 0) -> DropoutDemo:
    """One layer's activations through nn.Dropout(p) in train mode and in eval mode."""
    if not 0 <= p < 1:
        raise ValueError("the dropout rate is at least 0 and below 1")
    generator = torch.Generator().manual_seed(seed)
    x = 0.5 + torch.rand(units, generator=generator)
    layer = nn.Dropout(p)
    torch.manual_seed(seed)
    train = layer.train()(x)
    return DropoutDemo(x.tolist(), train.tolist(), layer.eval()(x).tolist())


def dropout_means(
    p: float, units: int = 20, trials: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """The mean activation without dropout, and with it averaged over many trials: the same,
    which is why the survivors are scaled up."""
    generator = torch.Generator().manual_seed(seed)
    x = 0.5 + torch.rand(units, generator=generator)
    torch.manual_seed(seed)
    layer = nn.Dropout(p).train()
    return x.mean().item(), torch.stack([layer(x) for _ in range(trials)]).mean().item()


@dataclass(frozen=True)
class BatchNormDemo:
    inputs: list[float]  # one feature over a batch
    train: list[float]  # normalised with this batch's mean and variance
    eval: list[float]  # normalised with the running estimates
    running_mean: float
    running_var: float


def batch_norm(
    mean: float = 3.0,
    std: float = 2.0,
    batch: int = 64,
    batches_seen: int = 5,
    momentum: float = 0.1,
    seed: int = 0,
) -> BatchNormDemo:
    """nn.BatchNorm1d(1) after `batches_seen` training batches drawn from N(mean, std^2):
    in train mode it uses the batch's own statistics, in eval mode its running estimates."""
    generator = torch.Generator().manual_seed(seed)
    layer = nn.BatchNorm1d(1, momentum=momentum).train()
    x = torch.empty(0)
    with torch.no_grad():
        for _ in range(max(1, batches_seen)):
            x = mean + std * torch.randn(batch, 1, generator=generator)
            train = layer(x)
        evaluated = layer.eval()(x)
    return BatchNormDemo(
        x[:, 0].tolist(),
        train[:, 0].tolist(),
        evaluated[:, 0].tolist(),
        layer.running_mean.item(),
        layer.running_var.item(),
    )
