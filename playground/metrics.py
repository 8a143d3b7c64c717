"""What a training run reports: plain records in a lock-guarded log that pages poll."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from enum import StrEnum


class Status(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"
    FINISHED = "finished"
    DIVERGED = "diverged"
    FAILED = "failed"

    @property
    def ended(self) -> bool:
        return self in (Status.STOPPED, Status.FINISHED, Status.DIVERGED, Status.FAILED)


@dataclass(frozen=True)
class StepRecord:
    step: int  # 1-based optimizer step
    epoch: int  # 1-based
    loss: float  # of this batch
    accuracy: float  # of this batch, 0-1
    lr: float
    samples_per_second: float  # training samples per second of training time so far
    seconds: float  # training time so far (pauses excluded)


@dataclass(frozen=True)
class EpochRecord:
    epoch: int
    train_loss: float  # mean over the epoch's batches
    train_accuracy: float
    val_loss: float | None  # None when there is no validation split
    val_accuracy: float | None
    seconds: float  # this epoch's training time, validation included
    lr: float  # at the epoch's last step


def to_dict(record: StepRecord | EpochRecord) -> dict:
    return {"type": "step" if isinstance(record, StepRecord) else "epoch", **asdict(record)}


def from_dict(data: dict) -> StepRecord | EpochRecord:
    kind = data.get("type")
    fields = {k: v for k, v in data.items() if k != "type"}
    return StepRecord(**fields) if kind == "step" else EpochRecord(**fields)


class MetricsLog:
    """Records appended by the training thread and read, as copies, by any other thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._steps: list[StepRecord] = []
        self._epochs: list[EpochRecord] = []

    def add(self, record: StepRecord | EpochRecord) -> None:
        with self._lock:
            (self._steps if isinstance(record, StepRecord) else self._epochs).append(record)

    def steps(self, start: int = 0) -> list[StepRecord]:
        """Step records from index `start` on (pass the count you have to get only new ones)."""
        with self._lock:
            return self._steps[start:]

    def epochs(self) -> list[EpochRecord]:
        with self._lock:
            return list(self._epochs)

    def last_step(self) -> StepRecord | None:
        with self._lock:
            return self._steps[-1] if self._steps else None
