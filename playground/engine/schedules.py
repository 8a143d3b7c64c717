"""Learning-rate schedules: the registry behind the Schedule picker, and the learning rate at
any step, as a function, so that a running job can change its base rate at any step."""

from __future__ import annotations

import math
from dataclasses import dataclass

from playground.engine.i18n import N_


@dataclass(frozen=True)
class Schedule:
    name: str
    label: str
    description: str


SCHEDULES: dict[str, Schedule] = {
    s.name: s
    for s in [
        Schedule("constant", N_("Constant"), N_("The same learning rate throughout.")),
        Schedule("step", N_("Step"), N_("Multiplied by gamma every few epochs.")),
        Schedule("cosine", N_("Cosine"), N_("Falls from lr to 0 along half a cosine.")),
        Schedule(
            "one_cycle",
            N_("One-cycle"),
            N_("Rises from lr/25 to lr over the first 30% of steps, then falls to almost 0."),
        ),
    ]
}


def lr_at(
    schedule: str,
    step: int,
    total_steps: int,
    lr: float,
    *,
    warmup_steps: int = 0,
    step_every: int = 1,
    gamma: float = 0.5,
) -> float:
    """Learning rate for optimizer step `step` (0-based) of `total_steps`.

    Matches torch.optim.lr_scheduler's StepLR(step_every, gamma), CosineAnnealingLR(total_steps)
    and OneCycleLR(lr, total_steps) defaults; a warm-up multiplies it by (step + 1) / warmup_steps
    until that reaches 1. Computed as a function so a running job can change lr at any step.
    """
    if schedule == "constant":
        value = lr
    elif schedule == "step":
        value = lr * gamma ** (step // max(1, step_every))
    elif schedule == "cosine":
        value = lr * 0.5 * (1 + math.cos(math.pi * min(step, total_steps) / max(1, total_steps)))
    elif schedule == "one_cycle":
        value = _one_cycle(step, total_steps, lr)
    else:
        raise ValueError(f"unknown schedule {schedule!r}")
    if warmup_steps > 0 and step < warmup_steps:
        value *= (step + 1) / warmup_steps
    return value


def _one_cycle(step: int, total_steps: int, max_lr: float) -> float:
    # torch's OneCycleLR: cos annealing, pct_start 0.3, div_factor 25, final_div_factor 1e4
    start, peak = max_lr / 25, max_lr
    end = start / 1e4
    rise_end = 0.3 * total_steps - 1
    if step <= rise_end:
        pct, a, b = step / rise_end, start, peak
    else:
        pct, a, b = (step - rise_end) / (total_steps - 1 - rise_end), peak, end
    return b + (a - b) / 2 * (math.cos(math.pi * min(pct, 1.0)) + 1)


def epochs_lr(
    config, step: int, seconds: float, base: float, total_steps: int, steps_per_epoch: int
) -> float:
    """The learning rate of a run of epochs (`config` has schedule and time_limit): its schedule
    at the step or, with a time limit, at whichever comes first, the steps or the time (a step
    schedule steps each epoch)."""
    progress = step
    if config.time_limit:
        progress = max(step, int(total_steps * seconds / config.time_limit))
    return lr_at(config.schedule, progress, total_steps, base, step_every=steps_per_epoch)
