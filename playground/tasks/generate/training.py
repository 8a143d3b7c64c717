"""What a generative model's training differs in, for the shared loop (engine/loop.py): epochs
of shuffled images in 0..1, a step's loss (for a VAE, reconstruction plus beta times KL), and
an evaluation on the validation images that records each term by name."""

from __future__ import annotations

import torch
from torch import nn

from playground.datasets.images import Dataset, batches
from playground.engine.i18n import N_, Text
from playground.engine.loop import Evaluation, Lesson, Tally
from playground.engine.schedules import epochs_lr
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
        self.steps_per_epoch = steps_per_epoch
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

    def lr(self, step: int, seconds: float, base: float) -> float:
        return epochs_lr(self.config, step, seconds, base, self.total_steps,
                         self.steps_per_epoch)  # fmt: skip

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

    def evaluate(self, model) -> Evaluation:
        n = min(EVAL_IMAGES, len(self.data.val_y))
        if not n:
            return Evaluation()
        values = measure(model, self.data.val_x[:n], self.data.val_y[:n], self.config)
        return Evaluation(values.pop("loss"), values=values)

    def diverged(self, lr: float, step: int, round_: int) -> str:
        return Text("The loss stopped being a number at step {step} of epoch {epoch}: lower the "
                    "learning rate ({lr:g}) and start again.", step=step, epoch=round_,
                    lr=lr)  # fmt: skip

    def finished(self, steps: int, rounds: int) -> str:
        return Text("Finished {rounds} epochs ({steps:,} steps).", rounds=rounds, steps=steps)


QUARTERS = (  # a diffusion model's denoising loss by noise level, a quarter of the levels each
    N_("denoising, least noise"),
    N_("denoising, some noise"),
    N_("denoising, more noise"),
    N_("denoising, most noise"),
)


def _terms(model, x, y, generator, beta: float) -> dict:
    """One chunk's numbers by name ("loss" first: what the family minimises), each with the
    number of images it is the mean of."""
    n = len(x)
    if isinstance(model, diffusion.Denoiser):
        each, t = diffusion.per_image(model, x, y, generator)
        found = {"loss": (each.mean().item(), n), "denoising": (each.mean().item(), n)}
        quarter = (t * len(QUARTERS)) // model.timesteps
        for i, name in enumerate(QUARTERS):
            mine = each[quarter == i]
            if len(mine):
                found[name] = (mine.mean().item(), len(mine))
        return found
    z = torch.randn(len(x), model.latent, generator=generator, device=x.device)
    if isinstance(model, gan.GAN):
        found = gan.losses(model, x, y, z)
        return {"loss": (found.discriminator.item(), n),
                "discriminator": (found.discriminator.item(), n),
                "generator": (found.generator.item(), n), "D(x)": (found.real.item(), n),
                "D(G(z))": (found.fake.item(), n)}  # fmt: skip
    found = vae.terms(model, x, y, z)
    reconstruction, kl = found.reconstruction.item(), found.kl.item()
    return {"loss": (reconstruction + beta * kl, n), "reconstruction": (reconstruction, n),
            "kl": (kl, n)}  # fmt: skip


@torch.no_grad()
def measure(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, config) -> dict:
    """The family's numbers on uint8 images, averaged over them, a training batch at a time
    (the size the server's memory check allowed) and with the same random draws each time; a
    GAN's generator samples as it will be used (its batch norm in eval mode)."""
    conditional = bool(getattr(model, "conditional", False))
    generator = torch.Generator(device=images.device).manual_seed(0)
    was = model.training
    if isinstance(model, gan.GAN):
        model.eval()
    sums: dict[str, float] = {}
    counts: dict[str, int] = {}
    try:
        for start in range(0, len(images), config.batch_size):
            x = pixels(images[start : start + config.batch_size])
            y = labels[start : start + config.batch_size] if conditional else None
            for k, (v, n) in _terms(model, x, y, generator, config.beta).items():
                sums[k], counts[k] = sums.get(k, 0.0) + v * n, counts.get(k, 0) + n
    finally:
        model.train(was)
    return {k: v / counts[k] for k, v in sums.items()}


def test_terms(model: nn.Module, data: Dataset, config) -> dict:
    """What a finished run reached on the test set, under its task's metric names."""
    found = measure(model, data.test_x, data.test_y, config)
    names = {"loss": "test_loss", "D(x)": "d_real", "D(G(z))": "d_fake"}
    keep = ("test_loss", "reconstruction", "kl", "d_real", "d_fake")
    return {names.get(k, k): v for k, v in found.items() if names.get(k, k) in keep}
