"""A variational autoencoder, as pytorch/examples' (784-400-20, here any width and latent size;
or convolutional, two strided convolutions each way),
optionally told the class (a one-hot beside the image and beside the latent): the encoder gives
a mean and a log-variance per latent number, a sample is drawn by the reparameterisation trick,
and the decoder turns it back into pixel logits. Its loss per image is the reconstruction (the
pixels' binary cross-entropy, summed) plus beta times the KL divergence of the encoder's
Gaussian from N(0, I), both in nats."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from playground.tasks.generate.specs import CLASSES, IMAGE, PIXELS


class VAE(nn.Module):
    """`conv`: convolutions (`hidden` channels at 14 pixels, twice that at 7) instead of one
    hidden layer of `hidden` units each way."""

    def __init__(self, hidden: int, latent: int, conditional: bool, conv: bool = False):
        super().__init__()
        told = CLASSES if conditional else 0
        self.latent, self.conditional, self.conv = latent, conditional, conv
        if conv:
            c, features = hidden, 2 * hidden * 7 * 7
            self.encoder = nn.Sequential(
                nn.Conv2d(IMAGE[0], c, 4, 2, 1), nn.ReLU(),
                nn.Conv2d(c, 2 * c, 4, 2, 1), nn.ReLU(), nn.Flatten(),
            )  # fmt: skip
            self.decoder = nn.Sequential(
                nn.Linear(latent + told, features), nn.ReLU(), nn.Unflatten(1, (2 * c, 7, 7)),
                nn.ConvTranspose2d(2 * c, c, 4, 2, 1), nn.ReLU(),
                nn.ConvTranspose2d(c, IMAGE[0], 4, 2, 1),
            )  # fmt: skip
        else:
            features = hidden
            self.encoder = nn.Sequential(nn.Linear(PIXELS + told, hidden), nn.ReLU())
            self.decoder = nn.Sequential(
                nn.Linear(latent + told, hidden), nn.ReLU(), nn.Linear(hidden, PIXELS)
            )
        self.mean = nn.Linear(features + (told if conv else 0), latent)
        self.log_var = nn.Linear(features + (told if conv else 0), latent)

    def _told(self, x: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        if not self.conditional:
            return x
        if y is None:
            raise ValueError("this model is told the class: give one")
        told = y.to(x.dtype) if y.is_floating_point() else F.one_hot(y, CLASSES).to(x.dtype)
        return torch.cat([x, told], dim=1)  # a float y (B, 10) blends classes

    def encode(self, x: torch.Tensor, y: torch.Tensor | None = None):
        """(mean, log-variance) of each image's latent Gaussian; x is (B, 1, 28, 28) in 0..1."""
        if self.conv:
            h = self._told(self.encoder(x), y)
        else:
            h = self.encoder(self._told(x.flatten(1), y))
        return self.mean(h), self.log_var(h)

    def decode(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """Pixel logits (B, 1, 28, 28) of latent points z (B, latent)."""
        return self.decoder(self._told(z, y)).view(-1, *IMAGE)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None, noise=None):
        """(pixel logits, mean, log-variance): x encoded, sampled, decoded."""
        mean, log_var = self.encode(x, y)
        noise = torch.randn_like(mean) if noise is None else noise
        z = mean + noise * torch.exp(0.5 * log_var)  # the reparameterisation trick
        return self.decode(z, y), mean, log_var

    @torch.no_grad()
    def make(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """Images (B, 1, 28, 28) in 0..1 from latent points."""
        return torch.sigmoid(self.decode(z, y))


@dataclass(frozen=True)
class Terms:
    """A batch's loss terms, each the mean over its images, in nats per image."""

    reconstruction: torch.Tensor
    kl: torch.Tensor

    def total(self, beta: float) -> torch.Tensor:
        return self.reconstruction + beta * self.kl


def kl_divergence(mean: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """KL(N(mean, exp(log_var)) || N(0, I)) of each image (B,)."""
    return -0.5 * (1 + log_var - mean.pow(2) - log_var.exp()).sum(dim=1)


def terms(model: VAE, x: torch.Tensor, y: torch.Tensor | None = None, noise=None) -> Terms:
    """The loss terms of images x (B, 1, 28, 28) in 0..1."""
    logits, mean, log_var = model(x, y, noise)
    reconstruction = F.binary_cross_entropy_with_logits(logits, x, reduction="none")
    return Terms(reconstruction.flatten(1).sum(dim=1).mean(), kl_divergence(mean, log_var).mean())
