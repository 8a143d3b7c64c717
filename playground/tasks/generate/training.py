"""What a generative model's training differs in, for the shared loop (engine/loop.py): epochs
of shuffled images in 0..1, a step's loss (for a VAE, reconstruction plus beta times KL), and
an evaluation on the validation images that records each term by name."""

from __future__ import annotations

import torch
from torch import nn

from playground.datasets.images import Dataset, batches
from playground.engine.i18n import Text
from playground.engine.loop import Evaluation, Lesson, Tally
from playground.tasks.generate import diffusion, gan, vae

EVAL_IMAGES = 2000  # validation images measured at each epoch's end


def pixels(x: torch.Tensor) -> torch.Tensor:
    """uint8 images (B, 1, 28, 28) -> floats in 0..1."""
    return x.float().div_(255)


class GenerateLesson(Lesson):
    """Epochs of the training images; the family's loss; its terms on validation images."""

    def __init__(self, model: nn.Module, data: Dataset, config, steps_per_epoch: int):
        self.data, self.config = data, config
        self.denoises = isinstance(model, diffusion.Denoiser)
        self.adversarial = isinstance(model, gan.GAN)
        self._turn = 0  # a GAN's steps so far: d_steps of the discriminator, then one of G
        self.conditional = bool(getattr(model, "conditional", False))
        self.snapshot_every = config.snapshot_every
        self.total_steps = steps_per_epoch * config.epochs
        self.time_budget = config.time_limit or None
        self._generator = torch.Generator().manual_seed(config.seed)

    def optimizer(self, model: nn.Module) -> torch.optim.Optimizer:
        if self.adversarial and self.config.optimizer == "adam":  # DCGAN's: less momentum, so
            # each network follows the other's latest moves
            return torch.optim.Adam(model.parameters(), lr=self.config.lr, betas=(0.5, 0.999),
                                    weight_decay=self.config.weight_decay)  # fmt: skip
        return super().optimizer(model)

    def rounds(self):
        for _ in range(self.config.epochs):
            yield batches(self.data.train_x, self.data.train_y, self.config.batch_size,
                          mean=0.0, std=1.0, generator=self._generator)  # fmt: skip

    def step(self, model, batch) -> Tally:
        x, y = batch
        y = y if self.conditional else None
        if self.denoises:
            return Tally(diffusion.loss(model, x, y), samples=len(x))
        if self.adversarial:
            z = torch.randn(len(x), model.latent, device=x.device)
            turn, self._turn = self._turn, self._turn + 1
            if turn % (self.config.d_steps + 1) < self.config.d_steps:
                return Tally(gan.discriminator_loss(model, x, y, z), samples=len(x))
            return Tally(gan.generator_loss(model, y, z), samples=len(x))
        return Tally(vae.terms(model, x, y).total(self.config.beta), samples=len(x))

    @torch.no_grad()
    def evaluate(self, model) -> Evaluation:
        x = pixels(self.data.val_x[:EVAL_IMAGES])
        y = self.data.val_y[:EVAL_IMAGES] if self.conditional else None
        if not len(x):
            return Evaluation()
        generator = torch.Generator(device=x.device).manual_seed(0)  # the same draws each time
        if self.denoises:
            found = diffusion.loss(model, x, y, generator).item()
            return Evaluation(found, values={"denoising": found})
        if self.adversarial:
            return Evaluation(**_adversarial(model, x, y, generator))
        noise = torch.randn(len(x), model.latent, generator=generator, device=x.device)
        found = vae.terms(model, x, y, noise)
        reconstruction, kl = found.reconstruction.item(), found.kl.item()
        return Evaluation(reconstruction + self.config.beta * kl,
                          values={"reconstruction": reconstruction, "kl": kl})  # fmt: skip

    def diverged(self, lr: float, step: int, round_: int) -> str:
        return Text("The loss stopped being a number at step {step} of epoch {epoch}: lower the "
                    "learning rate ({lr:g}) and start again.", step=step, epoch=round_,
                    lr=lr)  # fmt: skip

    def finished(self, steps: int, rounds: int) -> str:
        return Text("Finished {rounds} epochs ({steps:,} steps).", rounds=rounds, steps=steps)


def _adversarial(model, x, y, generator) -> dict:
    """A GAN's evaluation: the discriminator's loss, and each number by name."""
    was = model.training
    model.eval()  # the generator's batch norm as it samples
    try:
        z = torch.randn(len(x), model.latent, generator=generator, device=x.device)
        found = gan.losses(model, x, y, z)
    finally:
        model.train(was)
    values = {"discriminator": found.discriminator.item(), "generator": found.generator.item(),
              "D(x)": found.real.item(), "D(G(z))": found.fake.item()}  # fmt: skip
    return {"loss": values["discriminator"], "values": values}


@torch.no_grad()
def test_terms(model: nn.Module, data: Dataset, config, batch: int = 1000) -> dict:
    """The loss terms on the whole test set (a VAE's in nats per image)."""
    conditional = bool(getattr(model, "conditional", False))
    generator = torch.Generator(device=data.test_x.device).manual_seed(0)
    if isinstance(model, gan.GAN):
        x = pixels(data.test_x[:2000])
        y = data.test_y[:2000] if conditional else None
        found = _adversarial(model, x, y, generator)["values"]
        return {"test_loss": found["discriminator"], "d_real": found["D(x)"],
                "d_fake": found["D(G(z))"]}  # fmt: skip
    if isinstance(model, diffusion.Denoiser):
        total, n = 0.0, 0
        for start in range(0, len(data.test_x), batch):
            x = pixels(data.test_x[start : start + batch])
            y = data.test_y[start : start + batch] if conditional else None
            total += diffusion.loss(model, x, y, generator).item() * len(x)
            n += len(x)
        return {"test_loss": total / max(n, 1)}
    sums, n = [0.0, 0.0], 0
    for start in range(0, len(data.test_x), batch):
        x = pixels(data.test_x[start : start + batch])
        y = data.test_y[start : start + batch] if conditional else None
        noise = torch.randn(len(x), model.latent, generator=generator, device=x.device)
        found = vae.terms(model, x, y, noise)
        sums[0] += found.reconstruction.item() * len(x)
        sums[1] += found.kl.item() * len(x)
        n += len(x)
    reconstruction, kl = sums[0] / max(n, 1), sums[1] / max(n, 1)
    return {"test_loss": reconstruction + config.beta * kl, "reconstruction": reconstruction,
            "kl": kl}  # fmt: skip
