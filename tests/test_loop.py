"""The shared loop's contract (engine/loop.py), once for every task: image classification,
language modelling and the tests' own line fitting (tests/test_tasks.py), each through its own
lesson. Records and outcome, stop, pause and resume with a new learning rate, the time limit,
the pause limit, divergence and snapshots. Nothing here waits for a moment: a paused loop is
waited for by its state (`Controls.held`), a stop is asked for from inside the loop's own
publish call."""

from __future__ import annotations

import dataclasses
import math
import threading

import pytest
import torch

from playground.engine import loop, task
from playground.engine.controls import Controls
from playground.engine.history import EARLY_STEPS
from playground.engine.metrics import MetricsLog, Status
from tests.test_tasks import LINE, QUICK, LineSpec


def _image():
    image = task.named("image")
    spec, config = image.presets()["mlp"]()
    config = dataclasses.replace(config, dataset="mnist-sample", epochs=2, batch_size=64,
                                 train_limit=256, snapshot_every=3, device="cpu")  # fmt: skip
    return image, spec, config


def _language():
    language = task.named("language")
    spec, config = language.presets()["names-tiny"]()
    config = dataclasses.replace(
        config, steps=8, eval_every=3, eval_batches=2, sample_length=5, warmup_steps=0, device="cpu"
    )
    return language, spec, config


def _line():
    return LINE, LineSpec(), QUICK


TASKS = {"image": _image, "language": _language, "line": _line}


class Run:
    """One task's model and lesson, trained in a thread on the shared loop."""

    def __init__(self, which: str, controls: Controls | None = None, **changes):
        the_task, spec, config = TASKS[which]()
        config = dataclasses.replace(config, **changes)
        data = the_task.load_data(config, None, (), "cpu")
        spec = the_task.complete(spec, config)
        torch.manual_seed(0)
        self.model = the_task.prepare(the_task.build(spec), "cpu", config)
        self.lesson = the_task.lesson(spec, self.model, data, config, None)
        self.controls = controls or Controls()
        self.log = MetricsLog()
        self.published: list[int] = []  # the step of each publish
        self.outcome: loop.Outcome | None = None
        self.on_publish = lambda: None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _publish(self, model) -> None:
        last = self.log.last_step()
        self.published.append(last.step if last else 0)
        self.on_publish()

    def _run(self) -> None:
        self.outcome = loop.run(
            self.lesson, self.model, "cpu", self.log, self.controls, self._publish
        )

    def start(self) -> Run:
        self._thread.start()
        return self

    def ended(self) -> loop.Outcome:
        self._thread.join(300)
        assert self.outcome is not None, "the loop did not end"
        return self.outcome


def held(controls: Controls) -> None:
    """Wait until the loop waits in its pause (a state, not a moment)."""
    event = threading.Event()
    while not controls.held:
        event.wait(0.01)


@pytest.fixture(params=list(TASKS))
def which(request) -> str:
    return request.param


def test_a_run_ends_with_its_records_and_outcome(which):
    run = Run(which).start()
    outcome = run.ended()
    steps, epochs = run.log.steps(), run.log.epochs()
    assert outcome.status is Status.FINISHED and outcome.message
    assert outcome.steps == len(steps) == steps[-1].step and outcome.epochs == len(epochs)
    assert [s.step for s in steps] == list(range(1, len(steps) + 1))
    assert all(math.isfinite(s.loss) for s in steps) and epochs[-1].val_loss is not None
    assert outcome.samples > 0 and outcome.train_seconds >= outcome.validation_seconds >= 0
    assert run.published and run.published[-1] == outcome.steps  # the last weights were shown


def test_a_stop_ends_the_run_at_the_next_step_and_keeps_what_trained(which):
    run = Run(which)
    run.on_publish = lambda: run.controls.stop()  # at the first weights the loop publishes
    outcome = run.start().ended()
    first = run.published[0]
    assert outcome.status is Status.STOPPED and f"at step {first}" in outcome.message
    assert outcome.steps == first == len(run.log.steps())


def test_pause_holds_the_loop_and_a_new_learning_rate_counts_from_the_next_step(which):
    controls = Controls()
    controls.pause()
    run = Run(which, controls).start()
    held(controls)
    assert not run.log.steps()  # nothing trains while it is held
    controls.set_lr(0.0123)
    controls.resume()
    outcome = run.ended()
    assert outcome.status is Status.FINISHED
    assert run.log.steps()[0].lr == pytest.approx(run.lesson.lr(0, 0.0, 0.0123))


def test_the_servers_time_limit_stops_every_task(which):
    controls = Controls(time_limit=0.0)
    controls.start_clock()
    outcome = Run(which, controls).start().ended()
    assert outcome.status is Status.STOPPED and "time limit" in outcome.message
    assert outcome.steps == 0


def test_a_pause_held_past_the_pause_limit_gives_the_slot_up(which):
    controls = Controls(pause_limit=0.01)
    controls.pause()
    outcome = Run(which, controls).start().ended()
    assert outcome.status is Status.STOPPED and "paused for" in outcome.message


def test_a_loss_that_stops_being_finite_ends_the_run_with_the_tasks_advice(which):
    run = Run(which)
    lesson, step = run.lesson, run.lesson.step
    taken = []

    def poisoned(model, batch):  # the third step's loss is not a number
        tally = step(model, batch)
        taken.append(1)
        return dataclasses.replace(tally, loss=tally.loss * math.nan) if len(taken) == 3 else tally

    lesson.step = poisoned
    outcome = run.start().ended()
    assert outcome.status is Status.DIVERGED
    lr = lesson.lr(2, 0.0, lesson.config.lr)  # the third step's (0-based 2), by steps
    assert outcome.message == lesson.diverged(lr, 3, 1)
    assert outcome.steps == 3 and len(run.log.steps()) == 2  # nothing after it is logged


def test_snapshots_are_published_at_early_steps_and_each_round_for_replay(which):
    run = Run(which).start()
    outcome = run.ended()
    ends = [e.epoch for e in run.log.epochs()]
    assert len(ends) == outcome.epochs
    if run.lesson.snapshots:
        every = run.lesson.snapshot_every
        expected = {
            s for s in range(1, outcome.steps + 1) if s in EARLY_STEPS or (every and s % every == 0)
        }
        assert expected <= set(run.published)
    else:  # a language model's weights are shown at each round's end only
        assert len(run.published) == outcome.epochs
