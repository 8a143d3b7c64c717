"""The training loop, its devices and its fast path.

`train()` is the pytorch/examples loop with explicit arguments: it knows nothing of pages or
threads. It reports through a MetricsLog, publishes weight copies through a callback, and obeys a
`Controls` object (controls.py: stop, pause, new learning rate). `TrainingJob` (jobs.py) runs it
in a thread. On a CUDA GPU it takes the fast path (FastPath: bf16 autocast, fewer host syncs).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from playground.engine import transfer
from playground.engine.controls import Controls
from playground.engine.devices import FastPath
from playground.engine.history import EARLY_STEPS
from playground.engine.i18n import N_, Text
from playground.engine.memory import PASS_BATCH_MOST
from playground.engine.metrics import EpochRecord, MetricsLog, Status, StepRecord
from playground.engine.schedules import lr_at
from playground.engine.task import Outcome
from playground.tasks.image import catalog
from playground.tasks.image.data import Augment, Dataset, batch_count, batches
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
    info: catalog.DatasetInfo,
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
    """Train `model` (already on the data's device) as `config` says; report to `log`.
    `fast` (default: what the device allows, FastPath.for_device) is for tests. Validation
    takes `pass_batch` images at a time (fit.pass_batch_size: what fits the memory budget).

    Returns when the epochs are done, `controls` says stop (within one batch), or the loss
    stops being finite.
    """
    info = data.info
    classes = len(info.classes)
    loss_fn = catalog.LOSSES[config.loss].compute
    optimizer = catalog.OPTIMIZERS[config.optimizer].make(
        transfer.groups(model), config.lr, config.weight_decay
    )
    steps_per_epoch = batch_count(len(data.train_x), config.batch_size)
    total_steps = planned_steps(steps_per_epoch, config)
    warmup = round(config.warmup_epochs * steps_per_epoch)
    generator = torch.Generator().manual_seed(config.seed)
    aug = None
    if config.augment:
        aug = Augment(
            config.augment_rotation,
            config.augment_scale,
            config.augment_shift,
            config.augment_thicken,
        )
    step, samples, seconds = 0, 0, 0.0
    if fast is None:
        fast = FastPath.for_device(data.train_x.device) if config.gpu_fast_path else FastPath()
    pending: list[_Pending] = []  # steps whose loss and accuracy are still on the device
    sums = [0.0, 0, 0]  # this epoch's loss x images, right answers, images

    validating = 0.0

    def outcome(status: Status, message: str, epochs: int) -> Outcome:
        return Outcome(status, message, epochs, step, seconds, samples / max(seconds, 1e-9),
                       validating)  # fmt: skip

    def read_back() -> _Pending | None:
        """Log the pending steps with one host synchronisation; the first step whose loss is
        not finite, if any (nothing after it is logged)."""
        if not pending:
            return None
        values = torch.stack([p.values for p in pending]).tolist()
        try:
            for p, (loss_value, correct) in zip(pending, values, strict=True):
                if not math.isfinite(loss_value):
                    return p
                log.add(StepRecord(p.step, p.epoch, loss_value, correct / p.images, p.lr,
                                   p.samples / p.elapsed, p.elapsed))  # fmt: skip
                sums[0] += loss_value * p.images
                sums[1] += int(correct)
                sums[2] += p.images
            return None
        finally:
            pending.clear()

    for epoch in range(1, config.epochs + 1):
        model.train()
        epoch_start = time.perf_counter()
        paused = 0.0
        sums[:] = [0.0, 0, 0]
        for xb, yb in batches(
            data.train_x,
            data.train_y,
            config.batch_size,
            mean=info.mean,
            std=info.std,
            generator=generator,
            aug=aug,
            channels_last=config.channels_last,
        ):
            paused += controls.wait_while_paused()
            controls.check_limits()
            if controls.stopped:
                read_back()  # what trained before the stop is kept; a NaN in it no longer matters
                seconds += time.perf_counter() - epoch_start - paused
                return outcome(Status.STOPPED, controls.stopped_message(step), epoch - 1)
            base = controls.lr or config.lr
            lr = lr_at(
                config.schedule,
                step,
                total_steps,
                base,
                warmup_steps=warmup,
                step_every=config.step_every_epochs * steps_per_epoch,
                gamma=config.step_gamma,
            )
            transfer.set_lr(optimizer, lr)

            optimizer.zero_grad(set_to_none=True)
            with fast.autocast_context(xb.device):
                out = model(xb)
                loss = loss_fn(out, yb, classes, config.label_smoothing)
            loss.backward()
            optimizer.step()

            step += 1
            samples += len(yb)
            elapsed = seconds + time.perf_counter() - epoch_start - paused
            right = (predictions(out.detach().float(), config.loss) == yb).sum().float()
            pending.append(_Pending(step, epoch, torch.stack([loss.detach().float(), right]),
                                    len(yb), lr, samples, elapsed))  # fmt: skip
            snapshot = step % config.snapshot_every == 0 or step in EARLY_STEPS
            if len(pending) >= fast.read_every or snapshot:
                bad = read_back()
                if bad is not None:
                    step, samples, seconds = bad.step, bad.samples, bad.elapsed
                    advice = divergence_advice(config, bad.lr, bad.step, bad.epoch)
                    return outcome(Status.DIVERGED, advice, epoch - 1)
            if snapshot:
                publish(model)  # and early steps, for the job's history (history.py)
            if step >= total_steps:  # a budget of steps (max_steps) ends inside an epoch
                break

        bad = read_back()
        if bad is not None:  # where the loss stopped being finite, as if read at once
            step, samples, seconds = bad.step, bad.samples, bad.elapsed
            advice = divergence_advice(config, bad.lr, bad.step, bad.epoch)
            return outcome(Status.DIVERGED, advice, epoch - 1)
        val_loss = val_acc = None
        if len(data.val_y):
            started = time.perf_counter()
            val_loss, val_acc = evaluate(
                model, data.val_x, data.val_y, config.loss, info, batch_size=pass_batch,
                channels_last=config.channels_last,
            )  # fmt: skip
            validating += time.perf_counter() - started
        epoch_seconds = time.perf_counter() - epoch_start - paused
        seconds += epoch_seconds
        log.add(
            EpochRecord(
                epoch, sums[0] / sums[2], sums[1] / sums[2], val_loss, val_acc, epoch_seconds, lr
            )
        )
        publish(model)
        if step >= total_steps and epoch < config.epochs:
            done = Text("Finished {steps:,} steps (its budget), in {n} epoch(s).", steps=step,
                        n=epoch)  # fmt: skip
            return outcome(Status.FINISHED, done, epoch)
    done = Text("Finished {n} epoch.", n=config.epochs) if config.epochs == 1 else Text(
        "Finished {n} epochs.", n=config.epochs)  # fmt: skip
    return outcome(Status.FINISHED, done, config.epochs)


def planned_steps(steps_per_epoch: int, config: TrainConfig) -> int:
    """The optimizer steps a job trains: every epoch's, or its budget (max_steps) if fewer."""
    every = steps_per_epoch * config.epochs
    return min(every, config.max_steps) if config.max_steps else every


@dataclass(frozen=True)
class _Pending:
    """A step whose loss and right answers (`values`, on the device) are not read back yet."""

    step: int
    epoch: int
    values: torch.Tensor  # (2,): loss, right answers
    images: int
    lr: float
    samples: int
    elapsed: float


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
