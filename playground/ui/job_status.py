"""A job's state in a line, as the sidebar, the Train page and Draw's fine-tuning all show it:
a coloured badge, its progress, and its place in the queue."""

from __future__ import annotations

from playground.engine.controls import duration_text
from playground.engine.metrics import Status
from playground.serving.jobs import TrainingJob
from playground.serving.manager import QueueSpot

_BADGES = {
    Status.QUEUED: ("gray", "queued"),
    Status.RUNNING: ("blue", "training"),
    Status.PAUSED: ("orange", "paused"),
    Status.FINISHED: ("green", "finished"),
    Status.STOPPED: ("gray", "stopped"),
    Status.DIVERGED: ("red", "diverged"),
    Status.FAILED: ("red", "failed"),
}


def badge(job: TrainingJob) -> str:
    color, word = _BADGES[job.status]
    return f":{color}-badge[{word}]"


def progress_text(job: TrainingJob) -> str:
    """'epoch 2 / 3 · val accuracy 98.7%' from the job's records."""
    last, epochs = job.log.last_step(), job.log.epochs()
    parts = []
    if last is not None:
        parts.append(f"epoch {last.epoch} / {job.task.epochs(job.config)}")
    vals = [e.val_accuracy for e in epochs if e.val_accuracy is not None]
    if vals:
        parts.append(f"val accuracy {vals[-1]:.1%}")
    test = job.summary.get("test_accuracy")
    if test is not None:
        parts.append(f"test accuracy {test:.2%}")
    return " · ".join(parts)


def queue_text(spot: QueueSpot | None) -> str:
    """'Position 2 in the queue: it starts in about 4 min.'"""
    if spot is None:
        return "Starting."
    where = "Next in the queue" if spot.position == 1 else f"Position {spot.position} in the queue"
    if spot.seconds is None:
        return f"{where}: the start time is not known yet."
    if spot.seconds < 1:
        return f"{where}: it starts in a moment."
    words = "at the latest in" if spot.at_most else "in about"
    return f"{where}: it starts {words} {duration_text(spot.seconds)}."
