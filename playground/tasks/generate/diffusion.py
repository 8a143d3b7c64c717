"""A diffusion model of digits, small enough to train on a CPU: a UNet (two levels, 28 -> 14 ->
7 pixels) told the noise level and, optionally, the class, trained as DDPM is (noise a digit to
a random level in one jump, predict the noise; the class is dropped at a rate so the same model
also learns unconditionally, for classifier-free guidance), and sampled deterministically in a
few steps (DDIM) from pure noise. Pixels live in -1..1 inside."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from playground.tasks.generate.specs import CLASSES, IMAGE

NO_CLASS = CLASSES  # the class index that means "no class given" (guidance's other half)
DROP_CLASS = 0.1  # the share of training images whose class is hidden


def signal_levels(timesteps: int) -> torch.Tensor:
    """The cosine schedule (Nichol and Dhariwal, 2021): alpha-bar at each of the noise levels
    1..timesteps, the share of the signal's variance left (near 1 first, near 0 last)."""
    s = 0.008
    t = torch.arange(timesteps + 1, dtype=torch.float64) / timesteps
    f = torch.cos((t + s) / (1 + s) * math.pi / 2) ** 2
    alpha_bar = (f / f[0])[1:]
    return alpha_bar.clamp(1e-5, 0.9999).float()


def noised(x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor, levels: torch.Tensor):
    """x0 noised to level t (0-based, one per image) in one jump."""
    a = levels[t].view(-1, 1, 1, 1)
    return a.sqrt() * x0 + (1 - a).sqrt() * noise


def _embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    half = dim // 2
    freqs = torch.exp(-math.log(10_000) * torch.arange(half, device=t.device) / half)
    angles = t.float()[:, None] * freqs[None]
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class _Block(nn.Module):
    def __init__(self, cin: int, cout: int, emb: int):
        super().__init__()
        self.conv1, self.norm1 = nn.Conv2d(cin, cout, 3, padding=1), nn.GroupNorm(8, cout)
        self.conv2, self.norm2 = nn.Conv2d(cout, cout, 3, padding=1), nn.GroupNorm(8, cout)
        self.emb = nn.Linear(emb, cout)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, e):
        h = F.silu(self.norm1(self.conv1(x))) + self.emb(e)[:, :, None, None]
        return F.silu(self.norm2(self.conv2(h))) + self.skip(x)


class Denoiser(nn.Module):
    """Predicts the noise in x_t (B, 1, 28, 28) at levels t (B,), told classes y (B,) or
    NO_CLASS."""

    def __init__(self, width: int, timesteps: int, conditional: bool):
        super().__init__()
        c, emb = width, 4 * width
        self.width, self.timesteps, self.conditional = width, timesteps, conditional
        self.register_buffer("levels", signal_levels(timesteps), persistent=False)
        self.time = nn.Sequential(nn.Linear(c, emb), nn.SiLU(), nn.Linear(emb, emb))
        self.classes = nn.Embedding(CLASSES + 1, emb) if conditional else None
        self.inp = nn.Conv2d(IMAGE[0], c, 3, padding=1)
        self.d1, self.down1 = _Block(c, c, emb), nn.Conv2d(c, c, 4, 2, 1)
        self.d2, self.down2 = _Block(c, 2 * c, emb), nn.Conv2d(2 * c, 2 * c, 4, 2, 1)
        self.mid = _Block(2 * c, 2 * c, emb)
        self.up2, self.u2 = nn.ConvTranspose2d(2 * c, 2 * c, 4, 2, 1), _Block(4 * c, 2 * c, emb)
        self.up1, self.u1 = nn.ConvTranspose2d(2 * c, 2 * c, 4, 2, 1), _Block(3 * c, c, emb)
        self.out = nn.Conv2d(c, IMAGE[0], 3, padding=1)

    def forward(self, x, t, y=None):
        e = self.time(_embedding(t, self.width))
        if self.classes is not None:
            y = torch.full_like(t, NO_CLASS) if y is None else y
            e = e + self.classes(y)
        h0 = self.inp(x)
        h1 = self.d1(h0, e)
        h2 = self.d2(self.down1(h1), e)
        h = self.mid(self.down2(h2), e)
        h = self.u2(torch.cat([self.up2(h), h2], dim=1), e)
        h = self.u1(torch.cat([self.up1(h), h1], dim=1), e)
        return self.out(F.silu(h))


def loss(model: Denoiser, x: torch.Tensor, y: torch.Tensor | None, generator=None):
    """The denoising loss of images x (B, 1, 28, 28) in 0..1: noise each to a random level,
    predict the noise (mean squared error), the class hidden from DROP_CLASS of them."""
    x0 = x * 2 - 1
    t = torch.randint(0, model.timesteps, (len(x),), device=x.device, generator=generator)
    noise = torch.randn(x0.shape, device=x.device, generator=generator)
    if model.conditional and y is not None:
        hide = torch.rand(len(x), device=x.device, generator=generator) < DROP_CLASS
        y = torch.where(hide, torch.full_like(y, NO_CLASS), y)
    return F.mse_loss(model(noised(x0, t, noise, model.levels), t, y), noise)


def guided(model: Denoiser, x, t, y, guidance: float):
    """The noise predicted with classifier-free guidance: (1 + w) x with the class - w x without
    (w = 0: the class alone)."""
    if y is None or not model.conditional or guidance == 0:
        return model(x, t, y)
    both = model(torch.cat([x, x]), torch.cat([t, t]), torch.cat([y, torch.full_like(y, NO_CLASS)]))
    told, untold = both.chunk(2)
    return (1 + guidance) * told - guidance * untold


@torch.no_grad()
def sample(model: Denoiser, n: int, y: torch.Tensor | None = None, steps: int = 25,
           guidance: float = 2.0, seed: int = 0, predict=None,
           chain: list | None = None) -> torch.Tensor:  # fmt: skip
    """n images (n, 1, 28, 28) in 0..1 by DDIM's deterministic sampler in `steps` steps from
    noise drawn with `seed`. `predict(x, t)` replaces the model's guided prediction (a test's
    oracle); `chain`, a list, receives (level, x_t, predicted clean image) at each step, all
    in 0..1."""
    levels = model.levels
    x = torch.randn((n, *IMAGE), generator=torch.Generator().manual_seed(seed))
    ts = torch.linspace(model.timesteps - 1, 0, min(steps, model.timesteps)).round().long()
    for i, t in enumerate(ts):
        level = torch.full((n,), int(t), dtype=torch.long)
        eps = predict(x, level) if predict is not None else guided(model, x, level, y, guidance)
        a = levels[t]
        x0 = ((x - (1 - a).sqrt() * eps) / a.sqrt()).clamp(-1, 1)
        eps = (x - a.sqrt() * x0) / (1 - a).sqrt()  # the noise that the clamped image implies
        if chain is not None:
            chain.append((int(t), ((x + 1) / 2).clamp(0, 1), (x0 + 1) / 2))
        a_prev = levels[ts[i + 1]] if i + 1 < len(ts) else torch.tensor(1.0)
        x = a_prev.sqrt() * x0 + (1 - a_prev).sqrt() * eps
    return ((x + 1) / 2).clamp(0, 1)
