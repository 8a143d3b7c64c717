"""What a channel looks for: an input optimised to excite it (activation maximisation, as in
Distill's "Feature Visualization"), beside the test images that excite it most.

The input starts grey with a little noise and climbs the channel's mean activation (or a class's
score) by Adam, jittered by a pixel or two at each step so that it cannot rely on one exact
placement, with a total-variation penalty for smoothness and a small L2 pull towards grey; it is
kept in the range real pixels have. Seeded: the same model gives the same picture.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from playground.tasks.image.models import eval_mode

STEPS = 256
LR = 0.05
JITTER = 2  # pixels, either way
SMOOTHNESS = 0.3  # weight of the total-variation penalty
DECAY = 0.01  # weight of the L2 pull towards grey


@dataclass(frozen=True)
class Target:
    """A conv channel (layer >= 0 and channel) or, with layer None, an output class."""

    layer: int | None
    index: int  # the channel, or the class

    def of(self, model: nn.Sequential, x: torch.Tensor) -> torch.Tensor:
        """Its activation for each input of batch x (B,): a channel's mean, or a class's score."""
        if self.layer is None:
            return model(x)[:, self.index]
        return model[: self.layer + 1](x)[:, self.index].mean(dim=(1, 2))


@dataclass(frozen=True)
class Visualisation:
    image: torch.Tensor  # (C, H, W), normalised like the model's inputs
    activation: float  # the target's activation for it
    curve: tuple[float, ...]  # the activation every 16 steps


def _tv(x: torch.Tensor) -> torch.Tensor:
    return (x[..., 1:, :] - x[..., :-1, :]).abs().mean() + (x[..., 1:] - x[..., :-1]).abs().mean()


def maximise(
    model: nn.Sequential,
    target: Target,
    input_shape: tuple[int, ...],
    low: float,
    high: float,
    steps: int = STEPS,
    progress: Callable[[float], None] = lambda done: None,
    seed: int = 0,
) -> Visualisation:
    """An input in [low, high] (the normalised range of pixels) that excites `target`;
    `progress(share done)` is called as it goes."""
    g = torch.Generator().manual_seed(seed)
    middle = (low + high) / 2
    x = (middle + 0.1 * (high - low) * torch.randn(1, *input_shape, generator=g)).requires_grad_()
    optimizer = torch.optim.Adam([x], lr=LR * (high - low))
    curve = []
    with eval_mode(model):
        for step in range(steps):
            dy, dx = (int(v) for v in torch.randint(-JITTER, JITTER + 1, (2,), generator=g))
            moved = torch.roll(x, shifts=(dy, dx), dims=(2, 3))
            activation = target.of(model, moved)[0]
            loss = -activation + SMOOTHNESS * _tv(x) + DECAY * ((x - middle) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            with torch.no_grad():
                x.clamp_(low, high)
            if step % 16 == 0 or step == steps - 1:
                curve.append(float(activation.detach()))
                progress((step + 1) / steps)
        with torch.no_grad():
            final = float(target.of(model, x)[0])
    return Visualisation(x.detach()[0], final, tuple(curve))


@torch.no_grad()
def top_images(
    model: nn.Sequential, target: Target, x: torch.Tensor, k: int = 8, batch: int = 500
) -> tuple[torch.Tensor, torch.Tensor]:
    """(indices, activations) of the k inputs of x (N, C, H, W), normalised, that excite
    `target` most, most first; `batch` inputs at a time (fit.pass_batch_size)."""
    with eval_mode(model):
        values = torch.cat([target.of(model, x[i : i + batch]) for i in range(0, len(x), batch)])
    top = values.topk(min(k, len(values)))
    return top.indices, top.values


@torch.no_grad()
def strongest_channel(model: nn.Sequential, layer: int, x: torch.Tensor) -> int:
    """The channel of conv `layer` that the inputs x (N, C, H, W), normalised, excite most on
    average: where a picture of what it looks for has something to show."""
    with eval_mode(model):
        return int(model[: layer + 1](x).mean(dim=(0, 2, 3)).argmax())


def first_layer_shown(convs: list[int]) -> int:
    """The conv layer the view opens on: the second one where there are two (the first one's
    3x3 patterns make nearly flat pictures: a blank square teaches nothing)."""
    return convs[min(1, len(convs) - 1)]
