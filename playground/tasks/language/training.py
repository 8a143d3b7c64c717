"""A language model's training loop, read like nanoGPT's train.py: a batch of random windows,
forward, cross-entropy on the next token (or on the hidden tokens, for a masked model),
backward, a clipped step. Every `eval_every` steps a round ends: the validation loss, and a
sample written from a fixed prompt and seed (the timeline of what it writes). It reports to a
MetricsLog and obeys Controls between steps, as the image loop does."""

from __future__ import annotations

import math
import time

import torch
import torch.nn.functional as F

from playground.engine import transfer
from playground.engine.devices import FastPath
from playground.engine.i18n import Text
from playground.engine.metrics import EpochRecord, NoteRecord, Status, StepRecord
from playground.engine.optimizers import OPTIMIZERS
from playground.engine.schedules import lr_at
from playground.engine.task import Outcome
from playground.tasks.language import sampling
from playground.tasks.language.data import TextData, batch
from playground.tasks.language.model import GPT

SAMPLE_SEED = 1234  # the timeline's samples all start from the same seed


def masked(x: torch.Tensor, share: float, mask_id: int, generator: torch.Generator):
    """(inputs with a share of the tokens hidden, targets: the hidden tokens, -100 elsewhere)."""
    hide = torch.rand(x.shape, generator=generator).to(x.device) < share
    hide[:, 0] |= ~hide.any(dim=1)  # every window hides at least one token
    return x.masked_fill(hide, mask_id), x.masked_fill(~hide, -100)


def loss_of(model: GPT, x, y, config, generator, mask_id: int | None = None):
    """(loss, right guesses, guesses) of one batch, as the model's objective scores it (a
    masked model: only the hidden tokens, shown as `mask_id`)."""
    if model.spec.objective == "masked":
        x, y = masked(x, config.mask_share, mask_id, generator)
    logits = model(x)
    loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), y.reshape(-1), ignore_index=-100)
    counted = y != -100
    right = ((logits.argmax(-1) == y) & counted).sum()
    return loss, right, counted.sum()


@torch.no_grad()
def evaluate(model: GPT, data: TextData, config, batches: int | None = None):
    """(mean loss, token accuracy) on `batches` fixed windows of the validation text."""
    was = model.training
    model.eval()
    generator = torch.Generator().manual_seed(0)  # the same windows every time
    total = right = count = 0.0
    try:
        for _ in range(batches or config.eval_batches):
            x, y = batch(data.val, config.batch_size, model.spec.context, generator)
            loss, r, n = loss_of(model, x, y, config, generator, data.tokenizer.mask_id)
            total += loss.item() * n.item()
            right += r.item()
            count += n.item()
    finally:
        model.train(was)
    return total / max(count, 1), right / max(count, 1)


def sample(model: GPT, data: TextData, length: int) -> str:
    """What the model writes now from where a document starts, with the timeline's seed."""
    if model.spec.objective != "next" or length <= 0:
        return ""
    was = model.training
    try:
        prompt = data.tokenizer.encode(data.start)[-1:] or [0]
        drawn = sampling.generate(
            model, data.tokenizer, prompt, length, seed=SAMPLE_SEED, temperature=0.8, top_k=0
        )
        return "".join(d.text for d in drawn)
    finally:
        model.train(was)


def train(model: GPT, data: TextData, config, log, controls, publish, fast=None) -> Outcome:
    """Train `model` (on the data's device) as `config` says; report to `log`; obey
    `controls` between steps. Ends after `config.steps` steps or, when it is set, after
    `config.time_limit` seconds of training, however many steps that is (then validation is
    measured), at a stop, or when the loss is not finite. The
    Outcome's train_seconds are the training steps' time; validating is apart."""
    device = data.train.device
    optimizer = OPTIMIZERS[config.optimizer].make(
        transfer.groups(model), config.lr, config.weight_decay
    )
    generator = torch.Generator().manual_seed(config.seed)
    fast = fast or (FastPath.for_device(device) if config.gpu_fast_path else FastPath())
    tokens = config.batch_size * model.spec.context
    step, seconds, validating, rounds = 0, 0.0, 0.0, 0
    since = [0.0, 0.0, 0.0]  # loss x tokens, right, tokens of this round's steps
    lr, mask_id = config.lr, data.tokenizer.mask_id
    model.train()

    def end_round(round_start: float) -> None:
        nonlocal validating, rounds
        started = time.perf_counter()
        val_loss, val_accuracy = evaluate(model, data, config)
        text = sample(model, data, config.sample_length)
        validating += time.perf_counter() - started
        rounds += 1
        train_loss, train_accuracy = since[0] / max(since[2], 1), since[1] / max(since[2], 1)
        took = time.perf_counter() - round_start
        log.add(EpochRecord(rounds, train_loss, train_accuracy, val_loss, val_accuracy, took, lr))
        if text:
            log.add(NoteRecord(step, seconds, text))
        since[:] = [0.0, 0.0, 0.0]
        publish(model)

    def outcome(status: Status, message: str) -> Outcome:
        return Outcome(
            status, message, rounds, step, seconds, step * tokens / max(seconds, 1e-9), validating
        )

    round_start = time.perf_counter()
    while config.time_limit or step < config.steps:  # a time limit replaces the steps
        start = time.perf_counter()
        paused = controls.wait_while_paused()
        controls.check_limits()
        if controls.stopped:
            return outcome(Status.STOPPED, controls.stopped_message(step))
        if config.time_limit and seconds >= config.time_limit:
            break
        base = controls.lr or config.lr
        progress = (
            step if not config.time_limit else int(config.steps * seconds / config.time_limit)
        )
        lr = lr_at(config.schedule, progress, config.steps, base, warmup_steps=config.warmup_steps)
        transfer.set_lr(optimizer, lr)
        x, y = batch(data.train, config.batch_size, model.spec.context, generator)
        with fast.autocast_context(device):
            loss, right, counted = loss_of(model, x, y, config, generator, mask_id)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if config.grad_clip:
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        optimizer.step()
        value = loss.item()
        step += 1
        seconds += time.perf_counter() - start - paused
        if not math.isfinite(value):
            return outcome(Status.DIVERGED, divergence_advice(config, lr, step))
        n = counted.item()
        since[0] += value * n
        since[1] += right.item()
        since[2] += n
        log.add(
            StepRecord(
                step,
                rounds + 1,
                value,
                right.item() / max(n, 1),
                lr,
                step * tokens / max(seconds, 1e-9),
                seconds,
            )
        )
        if step % config.eval_every == 0:
            end_round(round_start)
            round_start = time.perf_counter()
    if since[2] or not rounds:
        end_round(round_start)
    if config.time_limit:
        done = Text("Finished after the time limit of {limit} s.", limit=f"{config.time_limit:g}")
    else:
        done = Text("Finished after {steps} steps.", steps=f"{step:,}")
    return outcome(Status.FINISHED, done)


def divergence_advice(config, lr: float, step: int) -> str:
    optimizer = OPTIMIZERS[config.optimizer]
    return Text(
        "The loss stopped being a finite number at step {step}: training "
        "diverged. The learning rate {lr:.3g} is too high for {label}; lower "
        "it (try {lower:.3g}), add a warm-up, or keep gradient clipping on.",
        step=step,
        lr=lr,
        label=optimizer.label,
        lower=config.lr / 10,
    )
