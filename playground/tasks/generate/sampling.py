"""What a generative model makes, ready to show: images from fixed noise (the same noise at
every moment of training, so a timeline shows one model learning), the digit a person asks for
in words ("7", "seven", "七"), a 2-D latent space decoded on a grid, and a grid of images as
one picture."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from playground.engine.cost import flops_of
from playground.engine.i18n import N_, Text
from playground.engine.records import SpecError
from playground.tasks.generate import diffusion
from playground.tasks.generate.specs import CLASSES

_ENGLISH = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_WORDS = {
    **{str(d): d for d in range(10)},
    **{w: d for d, w in enumerate(_ENGLISH)},
    **{w: d for d, w in enumerate("零一二三四五六七八九")},
    "〇": 0,
    "两": 2,
    "nought": 0,
}
ASK = N_("a digit: 7, seven or 七")


def digit_of(text: str) -> int:
    """The digit that `text` names; SpecError in words if it names none."""
    found = _WORDS.get(text.strip().lower().rstrip("."))
    if found is None:
        raise SpecError(Text("{text!r} is not a digit: type {ask}.", text=text.strip()[:40],
                             ask=ASK))  # fmt: skip
    return found


def fixed_noise(latent: int, n: int, seed: int = 0) -> torch.Tensor:
    """The same n latent points for a given seed, whatever else has drawn random numbers."""
    return torch.randn(n, latent, generator=torch.Generator().manual_seed(seed))


def classes_for(n: int, digit: int | None = None) -> torch.Tensor:
    """The classes of n images: all `digit`, or each class in turn (a row of 0-9)."""
    if digit is not None:
        return torch.full((n,), digit, dtype=torch.long)
    return torch.arange(n) % CLASSES


STEPS, GUIDANCE = 25, 3.0  # a diffusion model's sampling steps and guidance, unless asked


@torch.no_grad()
def make(model: nn.Module, n: int = 40, digit: int | None = None, seed: int = 0,
         steps: int = STEPS, guidance: float = GUIDANCE):  # fmt: skip
    """n images (n, 1, 28, 28) in 0..1 from fixed noise: the asked digit (or each in turn) for
    a model told the class; a diffusion model in `steps` steps with `guidance`."""
    y = classes_for(n, digit) if model.conditional else None
    if isinstance(model, diffusion.Denoiser):
        return diffusion.sample(model, n, y, steps, guidance, seed)
    return model.make(fixed_noise(model.latent, n, seed), y)


def flops_per_image(model: nn.Module, steps: int = STEPS, guidance: float = GUIDANCE) -> int:
    """The FLOPs of making one image (a diffusion model's every step, both passes of guidance):
    one step counted, times the steps (each costs the same)."""
    asked = 0 if model.conditional else None
    if not isinstance(model, diffusion.Denoiser):
        return flops_of(lambda: make(model, 1, asked, 0))
    one = flops_of(lambda: make(model, 1, asked, 0, 1, guidance))
    return one * min(steps, model.timesteps)


@torch.no_grad()
def latent_map(model: nn.Module, side: int = 15, reach: float = 3.0, digit: int = 0):
    """A 2-D latent space decoded on a side x side grid from -reach to reach (rows from the top:
    the second latent number falls downwards); (side * side, 1, 28, 28)."""
    ticks = torch.linspace(-reach, reach, side)
    z2, z1 = torch.meshgrid(ticks.flip(0), ticks, indexing="ij")
    z = torch.stack([z1.flatten(), z2.flatten()], dim=1)
    y = classes_for(len(z), digit) if model.conditional else None
    return model.make(z, y)


@torch.no_grad()
def reconstruct(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """A VAE's reconstructions of images (N, 1, 28, 28) in 0..1: each encoded to its mean point
    (no sampling) and decoded."""
    y = labels if model.conditional else None
    mean, _ = model.encode(images, y)
    return model.make(mean, y)


@torch.no_grad()
def interpolate(model: nn.Module, a: torch.Tensor, b: torch.Tensor, class_a: int, class_b: int,
                n: int = 10) -> torch.Tensor:  # fmt: skip
    """n images on the straight line between two images' latent points (their means), ends
    included; a model told the class is told a blend of the two classes along the way."""
    mean, _ = model.encode(torch.stack([a, b]), torch.tensor([class_a, class_b])
                           if model.conditional else None)  # fmt: skip
    w = torch.linspace(0, 1, n).unsqueeze(1)
    z = (1 - w) * mean[0] + w * mean[1]
    y = None
    if model.conditional:
        ends = torch.eye(CLASSES)[[class_a, class_b]]
        y = (1 - w) * ends[0] + w * ends[1]
    return model.make(z, y)


def grid(images: torch.Tensor, columns: int = 10, gap: int = 2) -> np.ndarray:
    """Images (N, 1, H, W) in 0..1 as one grey picture (uint8), `columns` a row, white
    digits on black with a thin grey gap."""
    n, _, h, w = images.shape
    rows = -(-n // columns)
    out = np.full((rows * (h + gap) + gap, columns * (w + gap) + gap), 90, np.uint8)
    pixels = (images[:, 0].clamp(0, 1) * 255).round().to(torch.uint8).cpu().numpy()
    for i in range(n):
        r, c = divmod(i, columns)
        top, left = gap + r * (h + gap), gap + c * (w + gap)
        out[top : top + h, left : left + w] = pixels[i]
    return out
