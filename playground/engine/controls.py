"""Controls that steer a running job from any thread: stop, pause, a new learning rate, and the
server's limits (a wall-clock limit and how long a pause may hold the job). The training loop
(training.py) reads them between batches."""

from __future__ import annotations

import math
import threading
import time

from playground.engine.i18n import Text
from playground.engine.records import SpecError


class Controls:
    """Flags set from any thread and read by the loop between batches, and the server's limits:
    a wall-clock limit from `start_clock()` on, and how long a pause may hold the job."""

    def __init__(self, time_limit: float | None = None, pause_limit: float | None = None) -> None:
        self._stop = threading.Event()
        self._running = threading.Event()  # cleared while paused
        self._running.set()
        self._held = threading.Event()  # set while the loop waits in a pause
        self._lr: float | None = None
        self._reason = ""
        self.time_limit, self.pause_limit = time_limit, pause_limit  # seconds; None: no limit
        self.memory_budget: int | None = None  # bytes a pass may take; None: the default's
        self._deadline: float | None = None

    def start_clock(self) -> None:
        if self.time_limit is not None:
            self._deadline = time.monotonic() + self.time_limit

    def stop(self, reason: str = "") -> None:
        """Stop; `reason` says why when it was not the user's choice."""
        if not self._stop.is_set():
            self._reason = reason
        self._stop.set()
        self._running.set()  # wake a paused loop so it can see the stop

    def pause(self) -> None:
        if not self._stop.is_set():
            self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def set_lr(self, lr: float) -> None:
        """A new base learning rate, used from the next step on."""
        if not (lr > 0 and math.isfinite(lr)):
            raise SpecError(Text("The learning rate must be a number above 0."), field="lr")
        self._lr = float(lr)

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    @property
    def reason(self) -> str:
        return self._reason

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def held(self) -> bool:
        """True while the loop waits in a pause: no step is under way, and none follows until
        resume (a pause pressed during a step takes effect when that step ends)."""
        return self._held.is_set()

    @property
    def lr(self) -> float | None:
        return self._lr

    def seconds_left(self) -> float | None:
        """Until the time limit stops the job; None without a limit or before it started."""
        return None if self._deadline is None else max(0.0, self._deadline - time.monotonic())

    def check_limits(self) -> None:
        """Stop if the wall-clock limit has passed."""
        if self._deadline is not None and time.monotonic() >= self._deadline:
            self.stop(
                Text(
                    "time limit (this server allows {duration} a job)",
                    duration=duration_text(self.time_limit),
                )
            )

    def wait_while_paused(self) -> float:
        """Block while paused, but not past the pause limit or the time limit; return the
        seconds spent waiting."""
        if self._running.is_set():
            return 0.0
        start = time.monotonic()
        give_up = start + self.pause_limit if self.pause_limit is not None else math.inf
        self._held.set()
        try:
            while True:
                end = min(give_up, self._deadline or math.inf)
                wait = None if end == math.inf else max(0.0, end - time.monotonic())
                if self._running.wait(wait):
                    break
                self.check_limits()
                if time.monotonic() >= give_up:
                    self.stop(
                        Text(
                            "paused for {duration}, so its slot went to the next job",
                            duration=duration_text(self.pause_limit),
                        )
                    )
        finally:
            self._held.clear()
        return time.monotonic() - start

    def stopped_message(self, step: int) -> str:
        if self._reason:
            return Text(
                "Stopped: {reason}, at step {step}. Its run and weights are kept.",
                reason=self._reason,
                step=f"{step:,}",
            )
        return Text("Stopped at step {step}.", step=step)


def duration_text(seconds: float) -> str:
    """'45 s', '3 min 20 s', '2 h 5 min'."""
    seconds = round(seconds)  # a Text: English where stored, in the reader's words where shown
    if seconds < 60:
        return Text("{s} s", s=seconds)
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        if not seconds:
            return Text("{m} min", m=minutes)
        return Text("{m} min {s} s", m=minutes, s=seconds)
    return Text("{h} h {m} min", h=minutes // 60, m=minutes % 60)
