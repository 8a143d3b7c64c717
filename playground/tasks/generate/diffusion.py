"""A diffusion model of digits, small enough to train on a CPU: a UNet (two levels, 28 -> 14 ->
7 pixels) told the noise level and, optionally, the class, trained as DDPM is (noise a digit to
a random level in one jump, predict the noise; the class is dropped at a rate so the same model
also learns unconditionally, for classifier-free guidance), and sampled deterministically in a
few steps (DDIM) from pure noise. Its noise schedule is DDPM's cosine or linear one, or flow
matching's straight line from the digit to the noise (the model then predicts the velocity,
noise minus digit, and the same deterministic sampler is Euler's method). Pixels live in -1..1
inside: at level t an image is signal[t] * digit + spread[t] * noise."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from playground.tasks.generate.specs import CLASSES, IMAGE

NO_CLASS = CLASSES  # the class index that means "no class given" (guidance's other half)
DROP_CLASS = 0.1  # the share of training images whose class is hidden


def signal_levels(timesteps: int, schedule: str = "cosine") -> torch.Tensor:
    """DDPM's alpha-bar at each of the noise levels 1..timesteps: the share of the signal's
    variance left (near 1 first, near 0 last), for the cosine schedule (Nichol and Dhariwal,
    2021) or the linear one (Ho et al., 2020, its steps scaled to the number of levels)."""
    if schedule == "linear":
        scale = 1000 / timesteps
        betas = torch.linspace(1e-4 * scale, 0.02 * scale, timesteps, dtype=torch.float64)
        alpha_bar = torch.cumprod(1 - betas.clamp(max=0.999), dim=0)
    else:
        s = 0.008
        t = torch.arange(timesteps + 1, dtype=torch.float64) / timesteps
        f = torch.cos((t + s) / (1 + s) * math.pi / 2) ** 2
        alpha_bar = (f / f[0])[1:]
    return alpha_bar.clamp(1e-5, 0.9999).float()


def coefficients(timesteps: int, schedule: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(signal, spread) at each level: x_t = signal[t] * x0 + spread[t] * noise."""
    if schedule == "flow":
        s = torch.arange(1, timesteps + 1, dtype=torch.float32) / timesteps
        return 1 - s, s
    levels = signal_levels(timesteps, schedule)
    return levels.sqrt(), (1 - levels).sqrt()


def noised(x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor, levels: torch.Tensor):
    """x0 noised to level t (0-based, one per image) in one jump, by DDPM's alpha-bar."""
    return mixed(x0, t, noise, levels.sqrt(), (1 - levels).sqrt())


def mixed(x0, t, noise, signal: torch.Tensor, spread: torch.Tensor) -> torch.Tensor:
    """signal[t] * x0 + spread[t] * noise, one level per image."""
    return signal[t].view(-1, 1, 1, 1) * x0 + spread[t].view(-1, 1, 1, 1) * noise


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

    def __init__(self, width: int, timesteps: int, conditional: bool, schedule: str = "cosine"):
        super().__init__()
        c, emb = width, 4 * width
        self.width, self.timesteps, self.conditional = width, timesteps, conditional
        self.flow = schedule == "flow"  # it predicts the velocity, not the noise
        signal, spread = coefficients(timesteps, schedule)
        self.register_buffer("signal", signal, persistent=False)
        self.register_buffer("spread", spread, persistent=False)
        self.register_buffer("levels", signal**2, persistent=False)  # the signal's share left
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
    predict the noise (flow matching: the velocity, noise minus digit) by mean squared error,
    the class hidden from DROP_CLASS of them."""
    return per_image(model, x, y, generator)[0].mean()


def per_image(model: Denoiser, x, y, generator=None) -> tuple[torch.Tensor, torch.Tensor]:
    """(each image's denoising loss (B,), the level it was noised to (B,))."""
    x0 = x * 2 - 1
    t = torch.randint(0, model.timesteps, (len(x),), device=x.device, generator=generator)
    noise = torch.randn(x0.shape, device=x.device, generator=generator)
    if model.conditional and y is not None:
        hide = torch.rand(len(x), device=x.device, generator=generator) < DROP_CLASS
        y = torch.where(hide, torch.full_like(y, NO_CLASS), y)
    target = noise - x0 if model.flow else noise
    found = model(mixed(x0, t, noise, model.signal, model.spread), t, y)
    return (found - target).pow(2).flatten(1).mean(dim=1), t


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
    noise drawn with `seed` (for flow matching, the same update is Euler's method along the
    predicted velocity). `predict(x, t)` replaces the model's guided prediction (a test's
    oracle); `chain`, a list, receives (level, x_t, predicted clean image) at each step, all
    in 0..1."""
    signal, spread = model.signal, model.spread
    x = torch.randn((n, *IMAGE), generator=torch.Generator().manual_seed(seed))
    ts = torch.linspace(model.timesteps - 1, 0, min(steps, model.timesteps)).round().long()
    for i, t in enumerate(ts):
        level = torch.full((n,), int(t), dtype=torch.long)
        out = predict(x, level) if predict is not None else guided(model, x, level, y, guidance)
        a, b = signal[t], spread[t]
        x0 = x - b * out if model.flow else (x - b * out) / a  # the clean image it predicts
        x0 = x0.clamp(-1, 1)
        eps = (x - a * x0) / b  # the noise that the clamped image implies
        if chain is not None:
            chain.append((int(t), ((x + 1) / 2).clamp(0, 1), (x0 + 1) / 2))
        last = i + 1 == len(ts)
        a_next, b_next = (1.0, 0.0) if last else (signal[ts[i + 1]], spread[ts[i + 1]])
        x = a_next * x0 + b_next * eps
    return ((x + 1) / 2).clamp(0, 1)
