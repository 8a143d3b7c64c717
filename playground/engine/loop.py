"""The one training loop every task trains on.

In the manner of pytorch/examples (its MNIST and VAE examples share a loop; only the model and
the loss differ) and of minGPT's trainer, nothing here knows what a model is for. A task hands
the loop a `Lesson`: its batches, grouped in rounds (an image classifier's epochs, a language
model's evaluation rounds), a step's loss and score, its evaluation, its schedule and its
words. The loop owns the rest, for every task alike: the optimizer, controls (stop, pause, a new
learning rate), the server's time, pause and memory limits, the GPU fast path (bf16 autocast,
reading numbers back every few steps), differential privacy (DP-SGD through Opacus, when the
lesson has a privacy plan: engine/privacy.py), divergence, step and round records, weight
snapshots for replay, publishing weights, and the outcome. A task cannot escape a limit: it never
sees the controls.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import torch
from torch import nn

from playground.engine import privacy, transfer
from playground.engine.controls import Controls
from playground.engine.devices import FastPath
from playground.engine.history import EARLY_STEPS
from playground.engine.metrics import EpochRecord, MetricsLog, NoteRecord, Status, StepRecord
from playground.engine.optimizers import OPTIMIZERS

Publish = Callable[[nn.Module], None]


@dataclass(frozen=True)
class Outcome:
    """How a job's training ended."""

    status: Status  # FINISHED, STOPPED or DIVERGED
    message: str
    epochs: int  # epochs (or evaluation rounds) completed
    steps: int
    train_seconds: float  # training time, validation included, pauses excluded
    samples_per_second: float  # of training time without validation (images, tokens, points)
    validation_seconds: float = 0.0  # the part of train_seconds spent on validation
    samples: int = 0  # trained on
    extra: dict = field(default_factory=dict)  # for the summary: a private run's epsilon, delta


@dataclass(frozen=True)
class Tally:
    """One step's numbers, still on the device: its mean loss, the sum of its score over the
    items it counts (right answers), how many items it counts, and the samples it trained on."""

    loss: torch.Tensor
    score: torch.Tensor | float = 0.0
    count: torch.Tensor | int = 1
    samples: int = 1


@dataclass(frozen=True)
class Evaluation:
    """A round's end: the validation loss and score (None without a validation split), notes
    (what a language model writes now) and the task's own numbers (a reconstruction loss),
    which the round's record carries by name."""

    loss: float | None = None
    score: float | None = None
    notes: tuple[str, ...] = field(default=())
    values: dict[str, float] = field(default_factory=dict)  # the task's own numbers, by name


class Lesson:
    """What a task's training differs in. The loop calls these; a task subclasses it, with its
    model, data and settings (`config` has lr, optimizer and weight_decay; `gpu_fast_path` if
    it may take the fast path)."""

    config = None
    snapshots: bool = True  # publish at EARLY_STEPS and every `snapshot_every` steps, for replay
    snapshot_every: int = 0
    grad_clip: float = 0.0  # the largest gradient norm, 0: no clipping
    total_steps: int | None = None  # steps the run takes (None: until `time_budget`)
    time_budget: float | None = None  # seconds of training (validation apart) the run takes
    privacy: privacy.PrivacyPlan | None = None  # DP-SGD (engine/privacy.py), its batches Poisson

    def optimizer(self, model: nn.Module) -> torch.optim.Optimizer:
        c = self.config
        return OPTIMIZERS[c.optimizer].make(transfer.groups(model), c.lr, c.weight_decay)

    def rounds(self) -> Iterator[Iterable]:
        """The batches, round by round (each an iterable); the loop ends a round's records when
        its batches end, and the run when the rounds, the steps or the time budget end."""
        raise NotImplementedError

    def step(self, model: nn.Module, batch) -> Tally:
        """The forward pass of one batch (under the fast path's autocast)."""
        raise NotImplementedError

    def lr(self, step: int, seconds: float, base: float) -> float:
        """The learning rate of step `step` (0-based) after `seconds` of training."""
        return base

    def evaluate(self, model: nn.Module) -> Evaluation:
        """At a round's end (the model is in training mode; leave it so)."""
        return Evaluation()

    def diverged(self, lr: float, step: int, round_: int) -> str:
        """Advice, in words, when the loss stopped being finite at `step` of round `round_`."""
        raise NotImplementedError

    def finished(self, steps: int, rounds: int) -> str:
        """The run's closing sentence when it ran its course."""
        raise NotImplementedError


@dataclass(frozen=True)
class _Pending:
    """A step whose numbers are not read back yet: its loss, score and count, each a tensor on
    the device or a number the task counted on the host (kept there: a number copied to a GPU
    every step would cost a host synchronisation the fast path saves)."""

    step: int
    round: int
    values: tuple  # loss, score, count
    lr: float
    samples: int
    elapsed: float  # training time so far, validation included


def _read(pending: list[_Pending]) -> list[tuple[float, float, float]]:
    """Every pending step's (loss, score, count) as numbers, with one host synchronisation."""
    on_device = [
        v.detach().float().reshape(()) for p in pending for v in p.values if torch.is_tensor(v)
    ]
    read = iter(torch.stack(on_device).tolist() if on_device else ())
    return [
        tuple(next(read) if torch.is_tensor(v) else float(v) for v in p.values) for p in pending
    ]


def run(
    lesson: Lesson,
    model: nn.Module,
    device: torch.device,
    log: MetricsLog,
    controls: Controls,
    publish: Publish = lambda model: None,
    fast: FastPath | None = None,
) -> Outcome:
    """Train `model` (already on `device`) on `lesson`, reporting to `log`, obeying `controls`
    between steps and publishing weight copies through `publish`. `fast` (default: what the
    device allows, if the settings let it) is for tests."""
    config, device = lesson.config, torch.device(device)
    if fast is None:
        allowed = getattr(config, "gpu_fast_path", False)
        fast = FastPath.for_device(device) if allowed else FastPath()
    optimizer, private = lesson.optimizer(model), None
    if lesson.privacy is not None:  # per-sample gradients: the plain model, no autocast
        noise = torch.Generator(device).manual_seed(getattr(config, "seed", 0))
        private, fast = privacy.Private(lesson.privacy, model, noise), FastPath()
        optimizer = private.optimizer(optimizer)
    try:
        return _train(lesson, model, optimizer, private, device, log, controls, publish, fast)
    finally:
        if private is not None:
            private.close()


def _train(lesson, model, optimizer, private, device, log, controls, publish, fast) -> Outcome:
    config = lesson.config
    stepping = model if private is None else private.model  # the steps' forward passes
    step = samples = rounds = 0
    seconds = validating = 0.0  # training time (pauses excluded), and validation's part of it
    pending: list[_Pending] = []
    sums = [0.0, 0.0, 0.0]  # this round's loss x count, score, count
    lr = config.lr

    def outcome(status: Status, message: str) -> Outcome:
        rate = samples / max(seconds - validating, 1e-9)
        spent = private.plan.summary(step) if private is not None else {}
        return Outcome(status, message, rounds, step, seconds, rate, validating, samples, spent)

    def read_back() -> _Pending | None:
        """Log the pending steps with one host synchronisation; the first step whose loss is
        not finite, if any (nothing after it is logged)."""
        if not pending:
            return None
        try:
            for p, (loss, score, count) in zip(pending, _read(pending), strict=True):
                if not math.isfinite(loss):
                    return p
                log.add(StepRecord(p.step, p.round, loss, score / max(count, 1), p.lr,
                                   p.samples / max(p.elapsed, 1e-9), p.elapsed))  # fmt: skip
                sums[0] += loss * count
                sums[1] += score
                sums[2] += count
            return None
        finally:
            pending.clear()

    def spent(elapsed: float) -> bool:
        """Whether the run has trained its steps, or its time (`elapsed`: training time now)."""
        if lesson.total_steps is not None and step >= lesson.total_steps:
            return True
        return lesson.time_budget is not None and elapsed - validating >= lesson.time_budget

    for number, batches in enumerate(lesson.rounds(), start=1):
        model.train()
        round_start, paused = time.perf_counter(), 0.0
        sums[:] = [0.0, 0.0, 0.0]
        for batch in batches:
            paused += controls.wait_while_paused()
            controls.check_limits()
            if controls.stopped:
                read_back()  # what trained before the stop is kept; a NaN in it no longer matters
                seconds += time.perf_counter() - round_start - paused
                return outcome(Status.STOPPED, controls.stopped_message(step))
            now = seconds + time.perf_counter() - round_start - paused
            lr = lesson.lr(step, now - validating, controls.lr or config.lr)
            transfer.set_lr(optimizer, lr)
            optimizer.zero_grad(set_to_none=True)
            with fast.autocast_context(device):
                tally = lesson.step(stepping, batch)
            tally.loss.backward()
            if lesson.grad_clip and private is None:  # DP clips each example's gradient
                torch.nn.utils.clip_grad_norm_(model.parameters(), lesson.grad_clip)
            optimizer.step()

            step += 1
            samples += tally.samples
            elapsed = seconds + time.perf_counter() - round_start - paused
            numbers = (tally.loss.detach(), tally.score, tally.count)
            pending.append(_Pending(step, number, numbers, lr, samples, elapsed))
            snapshot = lesson.snapshots and (
                (lesson.snapshot_every and step % lesson.snapshot_every == 0) or step in EARLY_STEPS
            )
            done = spent(elapsed)
            if len(pending) >= fast.read_every or snapshot or done:
                bad = read_back()
                if bad is not None:  # where the loss stopped being finite, as if read at once
                    step, samples, seconds = bad.step, bad.samples, bad.elapsed
                    return outcome(Status.DIVERGED, lesson.diverged(bad.lr, bad.step, number))
            if snapshot:
                publish(model)  # and early steps, for the job's history (history.py)
            if done:
                break

        bad = read_back()
        if bad is not None:
            step, samples, seconds = bad.step, bad.samples, bad.elapsed
            return outcome(Status.DIVERGED, lesson.diverged(bad.lr, bad.step, number))
        if sums[2] or not rounds:  # a round that trained (or the only one)
            started = time.perf_counter()
            found = lesson.evaluate(model)
            validating += time.perf_counter() - started
            round_seconds = time.perf_counter() - round_start - paused
            seconds += round_seconds
            rounds = number
            train_loss, score = sums[0] / max(sums[2], 1), sums[1] / max(sums[2], 1)
            values = dict(found.values)
            if private is not None:  # the privacy spent so far, a curve beside the loss
                values["epsilon"] = private.plan.epsilon(step)
            log.add(EpochRecord(number, train_loss, score, found.loss, found.score,
                                round_seconds, lr, values))  # fmt: skip
            for text in found.notes:
                log.add(NoteRecord(step, seconds, text))
            publish(model)
        else:
            seconds += time.perf_counter() - round_start - paused
        if spent(seconds):
            break
    return outcome(Status.FINISHED, lesson.finished(step, rounds))
