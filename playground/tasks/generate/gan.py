"""A small DCGAN of digits: a generator turns noise (and, told the class, a one-hot) into a
28x28 image through two transposed convolutions, a discriminator says how real an image looks
(told the class, by a projection of the class's embedding). Both live in one module so a run
keeps both; the shared loop's one optimizer trains them in turns: on a discriminator step only
the discriminator's weights get gradients (the generated images are detached), on a generator
step only the generator's (the discriminator is applied with its weights detached), and an
optimizer skips a weight with no gradient. The non-saturating loss of Goodfellow et al."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from playground.tasks.generate.specs import CLASSES, IMAGE


class GAN(nn.Module):
    def __init__(self, width: int, latent: int, conditional: bool):
        super().__init__()
        c, told = width, (CLASSES if conditional else 0)
        self.latent, self.conditional = latent, conditional
        self.generator = nn.Sequential(
            nn.Linear(latent + told, 2 * c * 7 * 7), nn.ReLU(), nn.Unflatten(1, (2 * c, 7, 7)),
            nn.ConvTranspose2d(2 * c, c, 4, 2, 1), nn.BatchNorm2d(c), nn.ReLU(),
            nn.ConvTranspose2d(c, IMAGE[0], 4, 2, 1), nn.Tanh(),
        )  # fmt: skip
        self.discriminator = nn.Sequential(
            nn.Conv2d(IMAGE[0], c, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(c, 2 * c, 4, 2, 1), nn.LeakyReLU(0.2), nn.Flatten(),
        )  # fmt: skip
        self.real = nn.Linear(2 * c * 7 * 7, 1)
        self.classes = nn.Embedding(CLASSES, 2 * c * 7 * 7) if conditional else None

    def generate(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """Images (B, 1, 28, 28) in -1..1 from noise z (B, latent)."""
        if self.conditional:
            z = torch.cat([z, F.one_hot(y, CLASSES).to(z.dtype)], dim=1)
        return self.generator(z)

    def judge(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """The discriminator's logit (B,) that images x in -1..1 are real."""
        h = self.discriminator(x)
        out = self.real(h)[:, 0]
        if self.classes is not None:
            out = out + (self.classes(y) * h).sum(dim=1)
        return out

    @torch.no_grad()
    def make(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """Images (B, 1, 28, 28) in 0..1 from noise."""
        return (self.generate(z, y) + 1) / 2


def judge_frozen(model: GAN, x: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
    """The discriminator's logit with its weights held constant: gradients reach x (and the
    generator behind it), not them."""
    held = [p for name, p in model.named_parameters() if not name.startswith("generator.")]
    wanted = [p.requires_grad for p in held]
    for p in held:
        p.requires_grad_(False)
    try:
        return model.judge(x, y)
    finally:
        for p, want in zip(held, wanted, strict=True):
            p.requires_grad_(want)


@dataclass(frozen=True)
class Losses:
    discriminator: torch.Tensor  # -log D(x) - log(1 - D(G(z))), mean over the batch
    generator: torch.Tensor  # -log D(G(z)) (non-saturating)
    real: torch.Tensor  # D(x), the mean probability it gives real images
    fake: torch.Tensor  # D(G(z))


def discriminator_loss(model: GAN, x, y, z) -> torch.Tensor:
    """-log D(x) - log(1 - D(G(z))) over real images x (B, 1, 28, 28) in 0..1 and noise z; the
    generated images are detached, so only the discriminator's weights get gradients."""
    fake = model.generate(z, y).detach()
    return F.softplus(-model.judge(x * 2 - 1, y)).mean() + F.softplus(model.judge(fake, y)).mean()


def generator_loss(model: GAN, y, z) -> torch.Tensor:
    """-log D(G(z)), the non-saturating loss; the discriminator held, so only the generator's
    weights get gradients."""
    return F.softplus(-judge_frozen(model, model.generate(z, y), y)).mean()


@torch.no_grad()
def losses(model: GAN, x: torch.Tensor, y: torch.Tensor | None, z: torch.Tensor) -> Losses:
    """Both losses and the discriminator's mean probabilities, for an evaluation."""
    real, fake = x * 2 - 1, model.generate(z, y)
    on_real, on_fake = model.judge(real, y), model.judge(fake, y)
    d = F.softplus(-on_real).mean() + F.softplus(on_fake).mean()
    return Losses(d, F.softplus(-on_fake).mean(), torch.sigmoid(on_real).mean(),
                  torch.sigmoid(on_fake).mean())  # fmt: skip
