"""What a job's live view shows, built once per job per new data and shared by all who watch.

Thirty people watching one job must cost the server what one does: the figures and numbers of
a job's view are built by the first page that asks after new records arrived (at most every
REFRESH_SECONDS), and every other page, its owner's and its watchers', places the same objects.
Building plotly figures once per watcher per poll took 75% of the server's GIL time with five
watchers and slowed training to 0.13x (issue 13).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import plotly.graph_objects as go

from playground.engine import cost, i18n
from playground.engine.controls import duration_text
from playground.engine.i18n import _
from playground.engine.metrics import time_left
from playground.engine.numbers import Number
from playground.serving import curves

REFRESH_SECONDS = 0.5  # newer records wait this long at most before the view shows them
KEEP = 64  # views of this many jobs are kept


@dataclass(frozen=True)
class JobView:
    key: tuple  # (log version, status, steps in the run): what it was built from
    built: float  # time.monotonic() when built
    numbers: tuple[Number, ...]  # the task's: "Epoch 2 / 15", "Train loss", ...
    progress: tuple[float, str] | None  # (fraction done, "Step 300 of 1,200 · ..."); None: ended
    step_figure: go.Figure | None
    epoch_figure: go.Figure | None


class ViewCache:
    """The newest JobView of each job; `builds` counts how many were built (for tests)."""

    def __init__(self, refresh: float = REFRESH_SECONDS) -> None:
        self.refresh = refresh
        self.builds = 0
        self._lock = threading.Lock()
        self._views: OrderedDict[str, JobView] = OrderedDict()
        self._building: dict[str, threading.Lock] = {}

    def view(self, job) -> JobView:
        """The job's view: the cached one unless the job has changed since it was built and it
        is older than `refresh` (or the job has ended); then one caller builds, others wait."""
        # a pause shows once its last step is in: held is part of the status for the cache
        key = (job.log.version, (job.status, bool(getattr(job, "held", False))), job.total_steps)
        view_id = f"{job.id}:{i18n.current()}"  # its words are in the watcher's language
        with self._lock:
            cached = self._views.get(view_id)
            building = self._building.setdefault(view_id, threading.Lock())
        if cached is not None and self._fresh(cached, key):
            return cached
        with building:
            with self._lock:
                cached = self._views.get(view_id)
            if cached is not None and self._fresh(cached, key):
                return cached  # built by another page while this one waited
            view = build(job, key)
            with self._lock:
                self.builds += 1
                self._views[view_id] = view
                self._views.move_to_end(view_id)
                while len(self._views) > KEEP:
                    gone = self._views.popitem(last=False)[0]
                    self._building.pop(gone, None)
        return view

    def _fresh(self, view: JobView, key: tuple) -> bool:
        """Built from these records, or from older ones of the same status not long ago (a new
        status, such as the end, shows at once)."""
        if view.key == key:
            return True
        return key[1] == view.key[1] and time.monotonic() - view.built < self.refresh


def build(job, key: tuple) -> JobView:
    """The numbers and figures a page shows for `job` now."""
    steps, epochs = job.log.steps(), job.log.epochs()
    last = steps[-1] if steps else None
    progress = None
    limit = getattr(job.config, "time_limit", 0.0)  # a time limit replaces the steps
    if not job.status.ended and limit:
        seconds = last.seconds if last else 0.0
        progress = (
            min(1.0, seconds / limit),
            _("{seconds} s of {limit} s of training").format(
                seconds=f"{seconds:.0f}", limit=f"{limit:g}"
            ),
        )
    elif not job.status.ended:
        total, done = job.total_steps, last.step if last else 0
        text = (
            _("Step {done} of {total}").format(done=f"{done:,}", total=f"{total:,}")
            if total
            else _("Loading the data")
        )
        left = time_left(steps, total)
        if left is not None:
            text += " · " + _("about {time} left").format(time=duration_text(left))
        progress = (min(1.0, done / total) if total else 0.0, text)
    return JobView(
        key=key,
        built=time.monotonic(),
        numbers=(
            *job.task.live_numbers(steps, epochs, job.config, job.status.ended),
            _compute(job, last),
        ),
        progress=progress,
        step_figure=curves.step_loss_figure(job.log.points()) if steps else None,
        epoch_figure=curves.epoch_figure(epochs, job.task.score) if epochs else None,
    )


_FLOPS: dict[str, float] = {}  # job id -> FLOPs per sample (a Ray job counts them here too)


def _compute(job, last) -> Number:
    """The operations so far, with the energy and CO2 they took (estimates) in the help."""
    per = getattr(job, "flops_per_sample", 0.0)
    if not per:
        if job.id not in _FLOPS:
            if len(_FLOPS) > 1000:
                _FLOPS.clear()
            _FLOPS[job.id] = cost.count_flops(job.task, job.spec, job.config)
        per = _FLOPS[job.id]
    seconds = last.seconds if last else 0.0
    samples = last.samples_per_second * seconds if last else 0.0
    assumptions = getattr(job, "assumptions", None) or cost.Assumptions()
    used = getattr(job, "cpu_seconds", None)  # the thread's CPU time (a job in this process)
    wh = cost.cpu_or_rated_wh(job.device, seconds, assumptions, used)
    spent = cost.costs(per, samples, wh, assumptions)
    return Number(
        _("Compute"),
        cost.flops_text(spent["flops"]),
        help=_("Operations so far (counted), about {wh} Wh and {co2} g CO2 ({why}).").format(
            wh=f"{spent['energy_wh']:.3g}", co2=f"{spent['co2_g']:.3g}", why=assumptions.text()
        ),
    )


VIEWS = ViewCache()  # one per process, like the job manager


def view_of(job) -> JobView:
    return VIEWS.view(job)
