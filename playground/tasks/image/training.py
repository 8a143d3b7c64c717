"""An image classifier's training: its lesson for the shared loop (engine/loop.py), its
evaluation, and its advice when training diverges or learns nothing."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from playground.datasets import image_sets
from playground.datasets.images import Augment, Dataset, batch_count, batches, picked_batches
from playground.engine import loop, privacy
from playground.engine.controls import Controls
from playground.engine.devices import FastPath
from playground.engine.i18n import N_, Text
from playground.engine.loop import Evaluation, Lesson, Outcome, Tally
from playground.engine.memory import PASS_BATCH_MOST
from playground.engine.metrics import EpochRecord, MetricsLog
from playground.engine.schedules import lr_at
from playground.tasks.image import catalog
from playground.tasks.image.evaluation import predictions
from playground.tasks.image.models import eval_mode
from playground.tasks.image.recipe import TrainConfig


def prepare(model: nn.Module, device: torch.device, channels_last: bool) -> nn.Module:
    """Move a model to the device, in channels-last layout if it has convolutions."""
    model = model.to(device)
    if channels_last and any(p.dim() == 4 for p in model.parameters()):
        model = model.to(memory_format=torch.channels_last)
    return model


@torch.no_grad()
def evaluate(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    loss: str,
    info: image_sets.DatasetInfo,
    batch_size: int = PASS_BATCH_MOST,
    channels_last: bool = False,
) -> tuple[float, float]:
    """(mean loss, accuracy) of the model on uint8 images x and labels y, in eval mode."""
    with eval_mode(model):
        total_loss = torch.zeros((), device=x.device)
        correct = torch.zeros((), device=x.device, dtype=torch.long)
        compute = catalog.LOSSES[loss].compute
        for xb, yb in batches(
            x, y, batch_size, mean=info.mean, std=info.std, channels_last=channels_last
        ):
            out = model(xb)
            total_loss += compute(out, yb, len(info.classes), 0.0) * len(yb)
            correct += (predictions(out, loss) == yb).sum()
        n = max(1, len(y))
        return total_loss.item() / n, correct.item() / n


class ImageLesson(Lesson):
    """An image classifier's part of the loop (engine/loop.py): epochs of shuffled (and
    perhaps augmented) batches, the loss the settings name, accuracy as the score, the
    validation split at each epoch's end, the schedule by steps."""

    def __init__(self, data: Dataset, config: TrainConfig, pass_batch: int = PASS_BATCH_MOST):
        self.data, self.config, self.pass_batch = data, config, pass_batch
        self.classes = len(data.info.classes)
        self.loss_fn = catalog.LOSSES[config.loss].compute
        self.steps_per_epoch = batch_count(len(data.train_x), config.batch_size)
        self.total_steps = planned_steps(self.steps_per_epoch, config)
        self.snapshot_every = config.snapshot_every
        self.warmup = round(config.warmup_epochs * self.steps_per_epoch)
        self.generator = torch.Generator().manual_seed(config.seed)
        self.privacy = privacy.plan_of(config, len(data.train_x), self.total_steps)
        self.aug = None
        if config.augment:
            self.aug = Augment(
                config.augment_rotation,
                config.augment_scale,
                config.augment_shift,
                config.augment_thicken,
            )

    def rounds(self):
        data, info, c = self.data, self.data.info, self.config
        for _ in range(c.epochs):
            if self.privacy is not None:  # Poisson-sampled, as the accountant assumes
                picks = privacy.poisson_batches(len(data.train_x), self.privacy.sample_rate,
                                                self.steps_per_epoch, self.generator)  # fmt: skip
                yield picked_batches(
                    data.train_x,
                    data.train_y,
                    picks,
                    mean=info.mean,
                    std=info.std,
                    generator=self.generator,
                    aug=self.aug,
                )
                continue
            yield batches(data.train_x, data.train_y, c.batch_size, mean=info.mean, std=info.std,
                          generator=self.generator, aug=self.aug,
                          channels_last=c.channels_last)  # fmt: skip

    def step(self, model: nn.Module, batch) -> Tally:
        xb, yb = batch
        out = model(xb)
        loss = self.loss_fn(out, yb, self.classes, self.config.label_smoothing)
        right = (predictions(out.detach().float(), self.config.loss) == yb).sum()
        return Tally(loss, right, len(yb), len(yb))

    def lr(self, step: int, seconds: float, base: float) -> float:
        c = self.config
        return lr_at(c.schedule, step, self.total_steps, base, warmup_steps=self.warmup,
                     step_every=c.step_every_epochs * self.steps_per_epoch,
                     gamma=c.step_gamma)  # fmt: skip

    def evaluate(self, model: nn.Module) -> Evaluation:
        data, c = self.data, self.config
        if not len(data.val_y):
            return Evaluation()
        loss, accuracy = evaluate(model, data.val_x, data.val_y, c.loss, data.info,
                                  batch_size=self.pass_batch,
                                  channels_last=c.channels_last)  # fmt: skip
        return Evaluation(loss, accuracy)

    def diverged(self, lr: float, step: int, round_: int) -> str:
        return divergence_advice(self.config, lr, step, round_)

    def finished(self, steps: int, rounds: int) -> str:
        if rounds < self.config.epochs:
            return Text(
                "Finished {steps:,} steps (its budget), in {n} epoch(s).", steps=steps, n=rounds
            )
        n = self.config.epochs
        return Text("Finished {n} epoch.", n=n) if n == 1 else Text("Finished {n} epochs.", n=n)


def train(
    model: nn.Module,
    data: Dataset,
    config: TrainConfig,
    log: MetricsLog,
    controls: Controls,
    publish: Callable[[nn.Module], None] = lambda model: None,
    fast: FastPath | None = None,
    pass_batch: int = PASS_BATCH_MOST,
) -> Outcome:
    """Train `model` (already on the data's device) as `config` says, on the shared loop;
    report to `log`. `fast` (default: what the device allows) is for tests. Validation takes
    `pass_batch` images at a time (fit.pass_batch_size: what fits the memory budget)."""
    lesson = ImageLesson(data, config, pass_batch)
    return loop.run(lesson, model, data.train_x.device, log, controls, publish, fast)


def planned_steps(steps_per_epoch: int, config: TrainConfig) -> int:
    """The optimizer steps a job trains: every epoch's, or its budget (max_steps) if fewer."""
    every = steps_per_epoch * config.epochs
    return min(every, config.max_steps) if config.max_steps else every


def divergence_advice(config: TrainConfig, lr: float, step: int, epoch: int) -> str:
    optimizer = catalog.OPTIMIZERS[config.optimizer]
    return Text(
        "The loss stopped being a finite number at step {step} (epoch "
        "{epoch}): training diverged. The learning rate {lr:.3g} is too high "
        "for {label}; lower it (try {lower:.3g}, or {usual:g}, {label}'s usual "
        "value), or add a warm-up.",
        step=step,
        epoch=epoch,
        lr=lr,
        label=optimizer.label,
        lower=config.lr / 10,
        usual=optimizer.lr,
    )


def stall_advice(config: TrainConfig, epochs: list[EpochRecord], classes: int) -> str | None:
    """A sentence if the model has learned nothing (accuracy at chance after an epoch), else
    None. A learning rate far too high often does this without a NaN: ReLU units die."""
    if not epochs or epochs[-1].train_accuracy > 1.5 / classes:
        return None
    optimizer = catalog.OPTIMIZERS[config.optimizer]
    usual = optimizer.lr
    if config.lr >= 5 * usual:
        why = Text(
            "The learning rate {lr:g} is probably too high for {label}: steps that "
            "large push units where they stop responding. Try {usual:g}.",
            lr=config.lr,
            label=optimizer.label,
            usual=usual,
        )
    elif config.lr <= usual / 50:
        why = Text(
            "The learning rate {lr:g} is probably too low for {label}: try {usual:g}.",
            lr=config.lr,
            label=optimizer.label,
            usual=usual,
        )
    else:
        why = N_("Check the model (activations, a last layer without ReLU) and the learning rate.")
    return Text(
        "After {count} epoch(s) the model is no better than guessing (train "
        "accuracy {train_accuracy:.1%}; chance is {chance:.0%}). {why}",
        count=len(epochs),
        train_accuracy=epochs[-1].train_accuracy,
        chance=1 / classes,
        why=why,
    )
