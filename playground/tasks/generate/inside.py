"""What the Generate page's look inside a diffusion model computes, as plain functions (the page
caches them per model; bench_generate times them): the reverse chain of one sample, the same
noise at several guidance values, and the same noise sampled in few steps and in many."""

from __future__ import annotations

import time

import torch
from torch import nn

from playground.tasks.generate import diffusion, sampling, score

LEVELS_SHOWN = 8  # moments of the forward process and of the reverse chain
GUIDANCES = (0.0, 1.0, 3.0, 6.0)
STEP_COUNTS = (2, 5, 10, 25)  # (bench_generate has 100 too)
PER_ROW = 8  # images a guidance or a step count makes (each view within a second here)


@torch.no_grad()
def chain(model: nn.Module, digit: int) -> torch.Tensor:
    """One sample in LEVELS_SHOWN steps: what it holds at each (first row) and the clean image
    it predicts there (second row), (2 x LEVELS_SHOWN, 1, 28, 28) in 0..1."""
    found: list = []
    y = torch.tensor([digit]) if model.conditional else None
    diffusion.sample(model, 1, y, LEVELS_SHOWN, sampling.GUIDANCE, seed=0, chain=found)
    return torch.cat([torch.cat([c[1] for c in found]), torch.cat([c[2] for c in found])])


def guided(model: nn.Module, digit: int, guidance: float) -> tuple[torch.Tensor, float, float]:
    """(PER_ROW images of `digit` from the same noise at `guidance`, the share read as asked,
    their spread: the mean distance between two of them)."""
    images = sampling.make(model, PER_ROW, digit, seed=0, steps=10, guidance=guidance)
    spread = float(torch.pdist(images.flatten(1)).mean())
    return images, score.read(images, digit).as_asked, spread


def stepped(model: nn.Module, digit: int) -> list[dict]:
    """The same noise in each of STEP_COUNTS steps: its images, ms and FLOPs an image, and what
    the classifier reads."""
    rows = []
    asked = digit if model.conditional else None
    for steps in STEP_COUNTS:
        started = time.perf_counter()
        images = sampling.make(model, PER_ROW, asked, seed=1, steps=steps)
        took = (time.perf_counter() - started) / PER_ROW
        reading = score.read(images, asked)
        rows.append({"steps": steps, "images": images, "ms": took * 1000,
                     "flops": sampling.flops_per_image(model, steps=steps),
                     "right": reading.as_asked, "confidence": reading.confidence})  # fmt: skip
    return rows
