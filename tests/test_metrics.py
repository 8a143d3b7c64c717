"""Metrics logs stay bounded however long a job trains, and hand every record to the run file."""

import json
import random

import pytest

from playground.engine import metrics
from playground.engine.metrics import RECENT, SPANS, EpochRecord, MetricsLog, StepRecord

MILLION = 1_000_000


def step(i: int, loss: float) -> StepRecord:
    return StepRecord(i, 1 + i // 1000, loss, 0.5, 1e-3, 100.0, 0.01 * i)


@pytest.fixture(scope="module")
def million():
    random.seed(1)
    losses = [random.uniform(0, 3) for _ in range(MILLION)]
    log = MetricsLog()
    for i, loss in enumerate(losses, start=1):
        log.add(step(i, loss))
    return log, losses


def test_a_million_step_log_keeps_a_bounded_number_of_records(million):
    log, _ = million
    assert log.count == MILLION and log.last_step().step == MILLION
    kept = len(log.steps()) + len(log._spans)
    assert len(log.steps()) < 2 * RECENT and len(log._spans) <= SPANS
    assert kept < 2 * RECENT + SPANS  # the same as for a job of a few thousand steps


def test_folded_steps_keep_their_mean_min_and_max(million):
    log, losses = million
    points = log.points()
    assert len(points) <= metrics.CHART_POINTS
    assert [p.first for p in points[1:]] == [p.last + 1 for p in points[:-1]]  # no gaps
    assert points[0].first == 1 and points[-1].last == MILLION
    mean = sum(p.loss * p.count for p in points) / MILLION
    assert mean == pytest.approx(sum(losses) / MILLION, rel=1e-9)
    assert min(p.loss_min for p in points) == min(losses)
    assert max(p.loss_max for p in points) == max(losses)
    widths = {p.count for p in points[:-1]}
    assert len(widths) <= 2  # points of equal width (the newest one may be partial)


def test_a_short_log_keeps_every_step_exactly():
    log = MetricsLog()
    records = [step(i, 1.0 / i) for i in range(1, 3001)]
    for r in records:
        log.add(r)
    assert log.steps() == records and [p.loss for p in log.points(5000)] == [
        r.loss for r in records
    ]


def test_the_sink_gets_every_record_in_order_in_batches():
    batches = []
    log = MetricsLog(sink=batches.append)
    for i in range(1, 1001):
        log.add(step(i, 1.0))
    epoch = EpochRecord(1, 1.0, 0.5, None, None, 1.0, 1e-3)
    log.add(epoch)  # an epoch hands on what is pending at once
    assert [len(b) for b in batches] == [256, 256, 256, 233]
    log.add(step(1001, 1.0))
    log.flush()
    flat = [r for b in batches for r in b]
    assert [r.step for r in flat if isinstance(r, StepRecord)] == list(range(1, 1002))
    assert flat[-2] == epoch


@pytest.mark.parametrize(
    "line",
    [
        "null",
        "[]",
        '{"type": "step"}',
        '{"type": "step", "step": "1", "epoch": 1, "loss": 1, "accuracy": 1, "lr": 1, '
        '"samples_per_second": 1, "seconds": 1}',
        '{"type": "epoch", "epoch": true, "train_loss": 1, "train_accuracy": 1, "val_loss": null,'
        ' "val_accuracy": null, "seconds": 1, "lr": 1}',
        '{"type": "oops"}',
        '{"type": "epoch", "epoch": 1, "train_loss": 1, "train_accuracy": 1, "val_loss": null,'
        ' "val_accuracy": null, "seconds": 1, "lr": 1, "values": {"kl": "much"}}',
        '{"type": "epoch", "epoch": 1, "train_loss": 1, "train_accuracy": 1, "val_loss": null,'
        ' "val_accuracy": null, "seconds": 1, "lr": 1, "values": [1]}',
    ],
)
def test_a_line_that_is_not_a_record_is_refused(line):
    with pytest.raises(ValueError):
        metrics.from_dict(json.loads(line))


def test_records_round_trip_through_their_lines():
    for record in (
        step(3, 0.25),
        EpochRecord(2, 0.3, 0.9, None, None, 12.5, 1e-3),
        EpochRecord(1, 0.3, 0.0, 0.2, None, 1.0, 1e-3, {"kl": 0.5}),
    ):
        assert metrics.from_dict(json.loads(json.dumps(metrics.to_dict(record)))) == record
    old = {
        "type": "epoch",
        "epoch": 1,
        "train_loss": 1,
        "train_accuracy": 1,
        "val_loss": None,
        "val_accuracy": None,
        "seconds": 1,
        "lr": 1,
    }  # a run's line before named values
    assert metrics.from_dict(old).values == {}


def test_time_left_goes_by_the_pace_of_the_settled_steps():
    """Issue 34, item 13: the first estimate (at step 6) was 3.5 times the truth, the slow first
    steps counted in. The pace of the steps after the first few says it; until a few of those
    have trained, nothing is said."""
    from playground.engine.metrics import time_left

    def steps(n):  # five slow first steps of 2 s, then 0.1 s a step
        return [
            StepRecord(i, 1, 1.0, 0.5, 1e-3, 100.0, 2.0 * min(i, 5) + 0.1 * max(0, i - 5))
            for i in range(1, n + 1)
        ]

    assert time_left(steps(6), 400) is None  # too soon to say
    assert time_left(steps(20), 400) == pytest.approx(380 * 0.1)
    assert time_left(steps(400), 400) is None  # done
    assert time_left([], 400) is None
