"""Training a Playground 2-D network in a background thread: play, pause, one step (one epoch)
and reset, with the loss of every epoch and the newest weights for the page to read.

The thread never touches Streamlit. The page reads `snapshot()` (plain data under a lock); the
thread owns the model and the optimizer. A thread runs only while there is training to do: it
ends when training pauses, and a trainer nobody has read for IDLE_SECONDS pauses itself, so a
page that is gone leaves no thread behind. At most MAX_RUNNING trainers train at once in a
server; `play()` and `step()` raise TrainersBusy beyond that. While the page draws (`held`),
training waits.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import nn

from playground.engine.i18n import Text
from playground.engine.optimizers import OPTIMIZERS
from playground.playground2d import net
from playground.playground2d.data import Points
from playground.playground2d.experiment import Experiment, ExperimentError

IDLE_SECONDS = 30.0
MAX_RUNNING = 16  # trainers training at once, over all the server's pages
_slots = threading.BoundedSemaphore(MAX_RUNNING)


class TrainersBusy(RuntimeError):
    """Every training slot of the server is taken; `str()` says so in words."""


# Settings that apply to the running network; any other change starts a fresh one.
LIVE_SETTINGS = {"lr", "batch_size", "regularization", "reg_rate", "stop_loss", "stop_epochs",
                 "discretize", "show_test", "hide"}  # fmt: skip
MAX_EPOCHS = 100_000


@dataclass(frozen=True)
class Snapshot:
    epoch: int
    playing: bool
    train_loss: list[float]  # one per epoch, epoch 0 being the untrained network
    test_loss: list[float]
    model: nn.Sequential  # a copy of the newest weights, in eval mode
    message: str = ""  # why training stopped (divergence), in words
    epochs_per_second: float = 0.0
    train_score: list[float] = dataclasses.field(default_factory=list)  # accuracy, or R²
    test_score: list[float] = dataclasses.field(default_factory=list)
    note: str = ""  # why it paused by itself (a stop condition met), in words
    pruned: int = 0  # weights L1 has dropped


class Trainer:
    def __init__(self, exp: Experiment, points: Points):
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._playing = False
        self._pending = 0  # epochs asked for by "one step"
        self._closed = False
        self._read = time.monotonic()
        self._thread: threading.Thread | None = None  # only while training
        self.reset(exp, points)

    # --- control (any thread) -------------------------------------------------------------

    def reset(self, exp: Experiment, points: Points) -> None:
        """A fresh network for this experiment and these points, paused at epoch 0."""
        model = net.build(exp, points.classes if points.kind == "classification" else 2)
        with self._lock:
            self.exp, self.points, self._model = exp, points, model
            self._optimizer = OPTIMIZERS[exp.optimizer].make(model.parameters(), exp.lr, 0.0)
            self._batches = torch.Generator().manual_seed(exp.seed)
            self._playing, self._pending, self._message, self._note = False, 0, "", ""
            self._epoch = 0
            self._rate = 0.0
            self._dead = [torch.zeros_like(m.weight, dtype=torch.bool) for m in net.linears(model)]
            self._any_dead = False
            self._train_loss, self._test_loss, self._train_score, self._test_score = [], [], [], []
            self._measure()
            self._published = _copy(model)

    def update(self, exp: Experiment, points: Points) -> bool:
        """Take new settings: learning rate, batch size, regularisation, the stop conditions and
        the view apply from the next batch on, and new points drawn by Regenerate keep the
        network; anything else (data, features, network, loss, optimizer) resets. Returns
        whether it reset."""
        with self._lock:
            before = self.exp.to_dict()
            changed = {k for k, v in exp.to_dict().items() if v != before[k]}
            redrawn = "data_seed" in changed  # Regenerate: new points, the same network
            live = (points is self.points or redrawn) and changed <= LIVE_SETTINGS | {"data_seed"}
            if live:
                self.exp = exp
                for group in self._optimizer.param_groups:
                    group["lr"] = exp.lr
                if redrawn:
                    self.points = points
                    for history in (
                        self._train_loss,
                        self._test_loss,
                        self._train_score,
                        self._test_score,
                    ):
                        history.pop()
                    self._measure()  # this epoch's numbers, on the new points
                return False
        self.reset(exp, points)
        return True

    def play(self) -> None:
        with self._lock:
            if self._message:  # diverged: reset first
                return
            self._note = ""
            self._start_thread()
            self._playing = True
        self._wake.set()

    def pause(self) -> None:
        with self._lock:
            self._playing = False

    def step(self) -> None:
        """One more epoch, while paused."""
        with self._lock:
            if self._message:
                return
            self._start_thread()
            self._pending += 1
        self._wake.set()

    @contextmanager
    def held(self):
        """Training waits (between epochs) while the page draws: the drawing then has the
        interpreter to itself instead of sharing it with the training loop, so frames come
        sooner for a small cost in epochs."""
        with self._lock:
            yield self.snapshot()

    def close(self) -> None:
        self._closed = True
        self._wake.set()

    @property
    def running(self) -> bool:
        """Whether a thread trains for this trainer now."""
        with self._lock:
            return self._thread is not None

    def _start_thread(self) -> None:
        """A thread to train in, if there is none (the lock is held)."""
        if self._thread is not None or self._closed:
            return
        slots = _slots
        if not slots.acquire(blocking=False):
            raise TrainersBusy(
                Text(
                    "The server is training {MAX_RUNNING} Playground 2-D networks for other "
                    "pages, the most it takes at once: try again in a minute (a network "
                    "nobody watches stops after {IDLE_SECONDS:.0f} s).",
                    MAX_RUNNING=MAX_RUNNING,
                    IDLE_SECONDS=IDLE_SECONDS,
                )
            )
        self._read = time.monotonic()
        self._thread = threading.Thread(
            target=self._loop, args=(slots,), name="playground2d-trainer", daemon=True
        )
        self._thread.start()

    def snapshot(self) -> Snapshot:
        with self._lock:
            self._read = time.monotonic()
            return Snapshot(
                self._epoch,
                self._playing,
                list(self._train_loss),
                list(self._test_loss),
                self._published,
                self._message,
                self._rate,
                list(self._train_score),
                list(self._test_score),
                self._note,
                int(sum(int(d.sum()) for d in self._dead)),
            )

    # --- the thread -----------------------------------------------------------------------

    def _loop(self, slots: threading.BoundedSemaphore) -> None:
        """Train while there is training to do; then end, giving the slot back."""
        started, count = time.monotonic(), 0
        try:
            while True:
                self._wake.wait(0.5)
                with self._lock:
                    if time.monotonic() - self._read > IDLE_SECONDS:
                        self._playing = False  # nobody is watching
                    go = (self._playing or self._pending > 0) and not self._message
                    if not go or self._closed:
                        self._thread = None
                        return
                    self._pending = max(0, self._pending - 1)
                    self._epoch_once()
                    count += 1
                    elapsed = time.monotonic() - started
                    if elapsed > 0.5:
                        self._rate, started, count = count / elapsed, time.monotonic(), 0
                    if self._epoch >= MAX_EPOCHS:
                        self._playing = False
                time.sleep(0)  # let the page take the GIL and the lock between epochs
        finally:
            slots.release()

    def _epoch_once(self) -> None:
        """One pass over the training points in shuffled batches (the lock is held)."""
        exp, model = self.exp, self._model
        x, y = self.points.split(train=True)
        kind = self.points.kind
        model.train()
        order = torch.randperm(len(x), generator=self._batches)
        for start in range(0, len(x), exp.batch_size):
            batch = order[start : start + exp.batch_size]
            self._optimizer.zero_grad()
            loss = net.loss(model, exp, x[batch], y[batch], kind)
            loss.backward()
            l1 = exp.regularization == "l1" and exp.reg_rate > 0
            before = [m.weight.detach().clone() for m in net.linears(model)] if l1 else None
            self._optimizer.step()
            if l1:
                net.prune_crossed(model, before, self._dead)
                self._any_dead = self._any_dead or any(bool(d.any()) for d in self._dead)
            elif self._any_dead:  # dropped links stay dropped
                with torch.no_grad():
                    for m, d in zip(net.linears(model), self._dead, strict=True):
                        m.weight[d] = 0.0
        self._epoch += 1
        train, test = self._measure()
        self._check_stop(test)
        if not (math.isfinite(train) and math.isfinite(test)):
            self._playing, self._pending = False, 0
            self._message = Text(
                "Training diverged at epoch {epoch}: the loss became infinite or not a "
                "number. The learning rate {lr:g} is too high for {optimizer}: lower "
                "it (try a tenth), then Reset.",
                epoch=self._epoch,
                lr=exp.lr,
                optimizer=exp.optimizer,
            )
            return  # the page keeps showing the last weights that were numbers
        self._published = _copy(model)

    def _check_stop(self, test: float) -> None:
        """Pause when the epochs set are done or the test loss first reaches the target (Play
        goes on from there)."""
        exp = self.exp
        if not self._playing:
            return
        if exp.stop_epochs and self._epoch == exp.stop_epochs:
            self._playing = False
            self._note = Text("Paused after {epoch} epochs, as set.", epoch=self._epoch)
        elif exp.stop_loss and test <= exp.stop_loss < self._test_loss[-2]:
            self._playing = False
            self._note = Text(
                "Paused at epoch {epoch}: the test loss {test:.4f} reached the target "
                "{stop_loss:g}.",
                epoch=self._epoch,
                test=test,
                stop_loss=exp.stop_loss,
            )

    @torch.no_grad()
    def _measure(self) -> tuple[float, float]:
        """Record the losses and scores (accuracy or R²) on the train and test points; return
        the two losses."""
        self._model.eval()
        losses = []
        for train, scores in ((True, self._train_score), (False, self._test_score)):
            x, y = self.points.split(train)
            value, score = net.measure(self._model, self.exp, x, y, self.points.kind)
            losses.append(value)
            scores.append(score)
        self._train_loss.append(losses[0])
        self._test_loss.append(losses[1])
        return losses[0], losses[1]

    def set_value(self, what: str, layer: int, j: int, k: int, value: float) -> None:
        """One number typed by the user: the weight from unit k to unit j of Linear `layer`
        ("link"), or unit j's bias ("bias"); training goes on from it. ExperimentError if it
        is not a finite number or not in this network."""
        if not math.isfinite(value) or abs(value) > 100:
            raise ExperimentError(Text("Type a number from -100 to 100."))
        with self._lock:
            weights = net.to_json(self._model)
            try:
                entry = weights["layers"][layer]
                if what == "link":
                    entry["weight"][j][k] = float(value)
                else:
                    entry["bias"][j] = float(value)
            except (IndexError, KeyError):
                raise ExperimentError(Text("That link is not in this network any more.")) from None
            self.set_weights(weights)

    def set_weights(self, data) -> None:
        """Weights and biases typed or loaded by the user (net.load_json's form); training
        goes on from them. ExperimentError, nothing changed, if they do not fit."""
        with self._lock:
            net.load_json(self._model, data)
            for d in self._dead:
                d.zero_()
            self._any_dead = False
            self._message = ""
            self._train_loss.pop()
            self._test_loss.pop()
            self._train_score.pop()
            self._test_score.pop()
            self._measure()
            self._published = _copy(self._model)


def _copy(model: nn.Sequential) -> nn.Sequential:
    return copy.deepcopy(model).eval()
