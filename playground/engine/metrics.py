"""What a training run reports: plain records in a lock-guarded log that pages poll."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from playground.engine.i18n import N_


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
class Score:
    """What a task's records' score is (StepRecord.accuracy, EpochRecord's train_accuracy and
    val_accuracy, kept under those names so that every run file still reads): a classifier's
    accuracy, a language model's token accuracy. A task without one (a regression, a
    generator) declares none, and no chart or line shows a score for it."""

    label: str  # in words, lower case, a catalog id: "accuracy", "token accuracy"
    percent: bool = True  # a share, shown as 98.7%
    epoch_title: str = N_("Loss and score per epoch")  # the live chart's title
    val_title: str = N_("Validation score")  # compare's right-hand chart

    def format(self, value: float) -> str:
        return f"{value:.1%}" if self.percent else f"{value:.4g}"


ACCURACY = Score(N_("accuracy"), True, N_("Loss and accuracy per epoch"), N_("Validation accuracy"))


@dataclass(frozen=True)
class Metric:
    """One number a finished run of a task reaches, which the task declares (Task.metrics): the
    summary key it is kept under, its label and unit (catalog ids), which way is better, and
    how it reads. The runs table, watch links, compare, sweeps, the scaling lab's fits and the
    CLI show a task's numbers from these, never from fixed names."""

    key: str  # in the run's summary: "test_accuracy", "val_loss", ...
    label: str  # "Test accuracy", "Val loss"
    unit: str = ""  # "nats per token", "bits per character"; "" for a share or a plain number
    lower_is_better: bool = True
    percent: bool = False  # a share, shown as 98.70%

    def of(self, summary: dict) -> float | None:
        """Its value in a run's summary, if the run reached one."""
        value = summary.get(self.key)
        return float(value) if isinstance(value, (int, float)) and value == value else None

    def format(self, value: float) -> str:
        return f"{value:.2%}" if self.percent else f"{value:.4g}"


TEST_ACCURACY = Metric("test_accuracy", N_("Test accuracy"), lower_is_better=False, percent=True)
TEST_LOSS = Metric("test_loss", N_("Test loss"))
LAST_VAL_LOSS = Metric("last_val_loss", N_("Val loss"))  # any task's: the loop's last validation


@dataclass(frozen=True)
class StepRecord:
    step: int  # 1-based optimizer step
    epoch: int  # 1-based
    loss: float  # of this batch
    accuracy: float  # the task's score (Score) of this batch, e.g. accuracy 0-1; 0 if none
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
    values: dict[str, float] = field(default_factory=dict, hash=False)  # a task's own, named


@dataclass(frozen=True)
class NoteRecord:
    """A moment of training in words: what a language model writes at this step (a sample)."""

    step: int
    seconds: float  # training time so far
    text: str
    kind: str = "sample"


MAX_NOTE = 20_000  # characters of one note
MAX_NOTES = 400  # notes a log keeps; beyond, every other old one goes (the timeline stays spread)
MAX_VALUES = 16  # named values an epoch record carries
_TYPES = {"step": StepRecord, "epoch": EpochRecord, "note": NoteRecord}


def to_dict(record: StepRecord | EpochRecord | NoteRecord) -> dict:
    kind = next(name for name, cls in _TYPES.items() if isinstance(record, cls))
    return {"type": kind, **asdict(record)}


def from_dict(data: object) -> StepRecord | EpochRecord | NoteRecord:
    """The record a line of metrics.jsonl holds; ValueError if it is not exactly one."""
    if not isinstance(data, dict):
        raise ValueError("not a record")
    if data.get("type") == "note":
        return _note(data)
    kind = StepRecord if data.get("type") == "step" else EpochRecord
    if data.get("type") not in ("step", "epoch"):
        raise ValueError("not a step or epoch record")
    fields = {k: v for k, v in data.items() if k != "type"}
    values = fields.pop("values", {}) if kind is EpochRecord else {}  # runs before it: none
    if set(fields) != set(kind.__dataclass_fields__) - {"values"}:
        raise ValueError("not the fields of a record")
    if not isinstance(values, dict) or len(values) > MAX_VALUES or not all(
        isinstance(k, str) and len(k) <= 40 and isinstance(v, (int, float))
        and not isinstance(v, bool) for k, v in values.items()
    ):  # fmt: skip
        raise ValueError("not a record's named values")
    for name, value in fields.items():
        optional = name in ("val_loss", "val_accuracy") and value is None
        whole = name in ("step", "epoch")
        if not optional and (
            isinstance(value, bool)
            or not isinstance(value, int if whole else (int, float))
            or (whole and not 0 <= value < 2**62)
        ):
            raise ValueError(f"{name} is not a number")
    if kind is EpochRecord:
        return EpochRecord(**fields, values={k: float(v) for k, v in values.items()})
    return kind(**fields)


def _note(data: dict) -> NoteRecord:
    step, seconds, text, kind = (data.get(k) for k in ("step", "seconds", "text", "kind"))
    if set(data) != {"type", "step", "seconds", "text", "kind"}:
        raise ValueError("not the fields of a note")
    if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step < 2**62:
        raise ValueError("step is not a number")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise ValueError("seconds is not a number")
    if not isinstance(text, str) or len(text) > MAX_NOTE or not isinstance(kind, str):
        raise ValueError("not a note's text")
    return NoteRecord(step, float(seconds), text, kind[:40])


CHART_POINTS = 500  # a chart is ~700 px wide: more points are slower to send, not clearer
RECENT = 2048  # the newest step records, kept exactly
SPANS = 1024  # older steps, folded into at most this many spans
FLUSH_EVERY = 256  # step records handed to the sink (the run's file) at a time


@dataclass(frozen=True, slots=True)
class Span:
    """Consecutive steps folded into one point: their mean loss and its range, and the
    learning rate at the last of them. A chart of a long run draws these."""

    first: int  # first step
    last: int
    loss: float  # mean over the steps
    loss_min: float
    loss_max: float
    lr: float  # at the last step
    epoch: int  # of the last step

    @property
    def count(self) -> int:
        return self.last - self.first + 1

    @classmethod
    def of(cls, step: StepRecord) -> Span:
        return cls(step.step, step.step, step.loss, step.loss, step.loss, step.lr, step.epoch)

    @classmethod
    def merged(cls, spans: Sequence[Span]) -> Span:
        total = sum(s.count for s in spans)
        mean = sum(s.loss * s.count for s in spans) / total
        low, high = min(s.loss_min for s in spans), max(s.loss_max for s in spans)
        return cls(spans[0].first, spans[-1].last, mean, low, high, spans[-1].lr, spans[-1].epoch)


def bucketed(spans: Sequence[Span], width: int) -> list[Span]:
    """Spans merged wherever they fall in the same run of `width` steps (1-`width`,
    `width`+1-2`width`, ...); spans wider than that stay as they are."""
    out: list[Span] = []
    group: list[Span] = []
    for span in spans:
        if group and (span.first - 1) // width != (group[0].first - 1) // width:
            out.append(Span.merged(group))
            group = []
        group.append(span)
    if group:
        out.append(Span.merged(group))
    return out


class MetricsLog:
    """Records appended by the training thread and read, as copies, by any other thread.

    Memory stays bounded however long a job trains: the newest RECENT steps are kept exactly,
    older ones folded into at most SPANS spans of equal width (mean, min and max of their loss;
    the width doubles when they would be more), and epochs
    (at most a thousand) are all kept. With a `sink`, every step and epoch record is also handed
    on, exactly and in order, FLUSH_EVERY steps at a time and at each `flush()`.
    """

    def __init__(self, sink: Callable[[list], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._recent: list[StepRecord] = []
        self._spans: list[Span] = []
        self._width = 1  # steps per span
        self._epochs: list[EpochRecord] = []
        self._notes: list[NoteRecord] = []
        self._pending: list = []
        self._sink = sink
        self._listeners: list[Callable[[StepRecord], None]] = []
        self._count = 0
        self.skipped = 0  # lines that were not records, when read from a file (runs.read_log)
        self.version = 0  # changes with every record: a key for what is drawn from the log

    def add(self, record: StepRecord | EpochRecord | NoteRecord) -> None:
        with self._lock:
            if isinstance(record, StepRecord):
                self._recent.append(record)
                self._count += 1
                if len(self._recent) >= 2 * RECENT:
                    self._fold()
            elif isinstance(record, NoteRecord):
                self._notes.append(record)
                if len(self._notes) > MAX_NOTES:  # keep the first, every other old one, the new
                    half = len(self._notes) // 2
                    self._notes = self._notes[:half:2] + self._notes[half:]
            else:
                self._epochs.append(record)
            self.version += 1
            if self._sink is not None:
                self._pending.append(record)
                due = len(self._pending) >= FLUSH_EVERY or not isinstance(record, StepRecord)
        if self._sink is not None and due:
            self.flush()
        if self._listeners and isinstance(record, StepRecord):
            for listener in list(self._listeners):
                listener(record)

    def on_step(self, listener: Callable[[StepRecord], None]) -> None:
        """Call `listener(record)` with each step record as it is added, in the thread that
        adds it (a job's training thread: before its next step)."""
        self._listeners.append(listener)

    def flush(self) -> None:
        """Hand the records not yet handed on to the sink."""
        with self._lock:
            pending, self._pending = self._pending, []
        if pending and self._sink is not None:
            self._sink(pending)

    def _fold(self) -> None:
        old, self._recent = self._recent[:RECENT], self._recent[RECENT:]
        self._spans = bucketed(self._spans + [Span.of(s) for s in old], self._width)
        while len(self._spans) > SPANS:
            self._width *= 2
            self._spans = bucketed(self._spans, self._width)

    @property
    def count(self) -> int:
        """Step records added so far."""
        with self._lock:
            return self._count

    def steps(self) -> list[StepRecord]:
        """The newest step records, exactly (every step of a run of up to RECENT steps)."""
        with self._lock:
            return list(self._recent)

    def steps_after(self, step: int) -> list[StepRecord]:
        """The kept step records after step number `step`."""
        with self._lock:
            return [s for s in self._recent if s.step > step]

    def epochs(self) -> list[EpochRecord]:
        with self._lock:
            return list(self._epochs)

    def notes(self) -> list[NoteRecord]:
        """The notes kept (all of a short run; a spread of a long one), oldest first."""
        with self._lock:
            return list(self._notes)

    def last_step(self) -> StepRecord | None:
        with self._lock:
            return self._recent[-1] if self._recent else None

    def points(self, limit: int = CHART_POINTS) -> list[Span]:
        """The whole run as about `limit` points of equal width (or the spans already kept,
        where those are wider), oldest first, for a chart."""
        with self._lock:
            spans, recent, kept = list(self._spans), list(self._recent), self._width
        everything = spans + [Span.of(s) for s in recent]
        if len(everything) <= limit:
            return everything
        width = -(-everything[-1].last // limit)
        return bucketed(everything, -(-width // kept) * kept)  # whole spans in each point


SETTLED = 5  # the first steps (the data's first pass, the allocator warming up) are slower
PACE_STEPS = 200  # the pace of the newest this many steps says how long the rest takes


def time_left(steps: list, total: int) -> float | None:
    """Seconds until step `total` at the pace of the newest steps after the first SETTLED
    ones (at step 6 the slow start made the estimate 3.5 times the truth); None until a few
    settled steps say it."""
    if not steps or not total or steps[-1].step >= total:
        return None
    last = steps[-1]
    settled = [s for s in steps[-PACE_STEPS:] if s.step > SETTLED]
    if len(settled) < SETTLED or last.step == settled[0].step:
        return None
    pace = (last.seconds - settled[0].seconds) / (last.step - settled[0].step)
    return (total - last.step) * pace


def smooth(values: Sequence[float], weight: float = 0.9, counts: Sequence[int] = ()) -> list:
    """Exponential moving average with bias correction (TensorBoard's smoothing); a value that
    stands for `counts[i]` steps (a folded span) is weighted as that many steps."""
    out, avg, kept = [], 0.0, 1.0
    for i, v in enumerate(values):
        w = weight ** (counts[i] if counts else 1)
        avg = w * avg + (1 - w) * v
        kept *= w
        out.append(avg / (1 - kept))
    return out
