"""A sweep: one model family at several sizes, each trained on the same data for the same
budget (optimizer steps, samples or FLOPs), as one job of one person's. It takes one place in
the queue and counts as that person's one job; its members train one after another in its
thread, each an ordinary run (listed, compared, exported like any) with a `sweep.json` beside
its summary that names the sweep, so that the scaling lab can find them together. Stopping
the sweep stops the member that trains and cancels the rest; the server's limits hold for each
member (the memory budget is checked for every size before the sweep is queued)."""

from __future__ import annotations

import json
import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from playground.engine import cost
from playground.engine.i18n import N_, Text
from playground.engine.metrics import Status
from playground.engine.records import SpecError
from playground.engine.task import Task
from playground.exchange.run_files import write_atomic
from playground.serving.jobs import TrainingJob

FILE = "sweep.json"
BUDGETS = {
    "steps": N_("optimizer steps"),
    "samples": N_("samples (images or tokens)"),
    "flops": "FLOPs",
}
HOWS = {"width": N_("wider"), "depth": N_("deeper"), "both": N_("wider and deeper")}
SMALLEST = 0.25  # the smallest member is this fraction of the preset's size (width: 1/16 params)


@dataclass(frozen=True)
class Plan:
    """What to sweep: `sizes` members from SMALLEST to `largest` x the model, scaled `how`,
    each trained for `amount` of the `budget`."""

    sizes: int = 5
    how: str = "width"
    budget: str = "steps"
    amount: float = 300
    largest: float = 1.0

    def check(self) -> Plan:
        if not (isinstance(self.sizes, int) and 4 <= self.sizes <= 8):
            raise SpecError(Text("A sweep has 4 to 8 sizes, not {sizes}.", sizes=self.sizes))
        if self.how not in HOWS:
            raise SpecError(Text("Scale {join}, not {how!r}.", join=", ".join(HOWS), how=self.how))
        if self.budget not in BUDGETS:
            raise SpecError(
                Text(
                    "The budget is counted in {join}, not {budget!r}.",
                    join=", ".join(BUDGETS),
                    budget=self.budget,
                )
            )
        if not (math.isfinite(self.amount) and self.amount >= 1):
            raise SpecError(
                Text("The budget must be a number of at least 1, not {amount}.", amount=self.amount)
            )
        if not (SMALLEST < self.largest <= 4):
            raise SpecError(
                Text("The largest size is {SMALLEST:g} to 4 x the model.", SMALLEST=SMALLEST)
            )
        return self

    def factors(self) -> list[float]:
        """Sizes, evenly spaced on a log scale."""
        n = self.sizes - 1
        return [SMALLEST * (self.largest / SMALLEST) ** (i / n) for i in range(self.sizes)]


def members(task: Task, spec, config, plan: Plan) -> list[tuple]:
    """(spec, config) of each size, smallest first, each with its share of the budget."""
    plan.check()
    found = []
    for factor in plan.factors():
        member = task.complete(task.scaled(spec, round(factor, 3), plan.how), config)
        per_step = task.samples_per_step(member, config)
        if plan.budget == "steps":
            steps = plan.amount
        elif plan.budget == "samples":
            steps = plan.amount / per_step
        else:
            flops = cost.count_flops(task, member, config) * per_step
            if not flops:
                raise SpecError(
                    Text("The FLOPs of this model cannot be counted: use a step budget.")
                )
            steps = plan.amount / flops
        if steps < 1:
            raise SpecError(
                Text(
                    "The budget is less than one step of the {name} model: raise it.",
                    name=member.name,
                )
            )
        found.append((member, task.with_steps(config, int(steps))))
    return found


class SweepJob(TrainingJob):
    """The members of a sweep, one job: the live view shows the member that trains."""

    def __init__(
        self, spec, config, plan: Plan, *, task: Task, name: str | None = None, **kwargs
    ) -> None:
        self.plan = plan.check()
        self.members = members(task, spec, config, plan)
        super().__init__(*self.members[-1], task=task, name=name, **kwargs)
        for member, member_config in self.members[:-1]:  # the largest was checked already
            task.check(member, member_config)
        self._group(name or spec.name, "sweep", Text("{n} sizes", n=plan.sizes))

    kind = "sweep"  # what sweep.json says the group is (the lab lists sweeps only)
    what = N_("sizes")
    # what runs a member: a thread here (TrainingJob); the manager makes it an actor on the
    # cluster (RayJob) when the server is pointed at one. The plan runs here either way.
    member_job: Callable[..., TrainingJob] = TrainingJob

    def _group(self, family: str, what: str, count: str) -> None:
        self.sweep_id = uuid.uuid4().hex[:10]
        self.family = family
        self.name = f"{family} {what}"
        self.current: TrainingJob | None = None
        self.done: list[dict] = []  # each finished member's point
        self._message = Text("Waiting for a free slot ({count}).", count=Text(count))

    def _member(self, i: int, spec, config) -> TrainingJob:
        return self.member_job(
            spec, config, name=f"{self.family} {i + 1} of {len(self.members)}",
            data_dir=self.data_dir, runs_dir=self.runs_dir, mirrors=self.mirrors,
            owner=self.owner, address=self.address, task=self.task,
        )  # fmt: skip

    @property
    def total_steps(self) -> int:
        current = self.current
        return current.total_steps if current is not None else 0

    def latest_weights(self):
        current = self.current
        return current.latest_weights() if current is not None else None

    def set_limits(self, time_limit, pause_limit, memory_budget=None) -> None:
        super().set_limits(time_limit, pause_limit, memory_budget)
        for member, member_config in self.members:  # every size within the budget
            self.task.check(member, member_config, memory_budget)

    def _train(self) -> None:
        started, count = time.time(), len(self.members)
        for i, (spec, config) in enumerate(self.members):
            if self.controls.stopped:
                break
            member = self._member(i, spec, config)
            member.controls = self.controls  # one pause, one stop, one set of limits
            member.history.max_bytes = self.history.max_bytes
            member.on_status(lambda m, i=i: self._follow(m, i))
            self.current, self.log, self.spec, self.config = member, member.log, spec, config
            member._run()
            self.device, self.data_note = member.device, member.data_note
            if member.run_dir is not None:
                self._label(member, i)
            if member.status is Status.FINISHED:
                self.done.append(point(member.task, member.summary, member.run_dir))
            elif member.status is Status.FAILED:
                failed = Text("{one} {i} of {n} failed: {why}", one=self._one(), i=i + 1, n=count,
                              why=_lazy(member.message))  # fmt: skip
                self._set(Status.FAILED, failed)
                break
        self._end(started, count)

    def _follow(self, member: TrainingJob, i: int) -> None:
        if member.status is Status.RUNNING:
            now = Text("{one} {i} of {n}: {message}", one=self._one(), i=i + 1,
                       n=len(self.members), message=_lazy(member.message))  # fmt: skip
            self._set(Status.RUNNING, now)

    def _one(self) -> Text:
        """ "Size" or "Run": what one member is called ("Size 2 of 5: Training.")."""
        return Text({"sizes": N_("Size"), "runs": N_("Run")}.get(self.what, self.what))

    def _label(self, member: TrainingJob, i: int) -> None:
        about = {
            "id": self.sweep_id,
            "name": self.name,
            "family": self.family,
            "task": self.task.name,
            "index": i,
            "count": len(self.members),
            "kind": self.kind,
        }
        if self.plan is not None:
            about.update(how=self.plan.how, budget=self.plan.budget, amount=self.plan.amount)
        write_atomic(Path(member.run_dir) / FILE, json.dumps(about, indent=2))

    def _end(self, started: float, count: int) -> None:
        if self.status is Status.FAILED:
            return
        done = len(self.done)
        if self.controls.stopped:
            status = Status.STOPPED
            message = Text(
                "Stopped after {done} of {count} {what}: the rest were cancelled.",
                done=done,
                count=count,
                what=Text(self.what),
            )
        else:
            status = Status.FINISHED
            message = Text(
                "Finished: {done} of {count} {what} trained.",
                done=done,
                count=count,
                what=Text(self.what),
            )
        seconds = sum(p["train_seconds"] or 0 for p in self.done)
        self.summary = {"name": self.name, "status": status.value, "message": message,
                        "sweep": self.sweep_id, "members": self.done, "started": started,
                        "ended": time.time(), "train_seconds": seconds}  # fmt: skip
        self._set(status, message)


def point(task: Task, summary: dict, run_dir) -> dict:
    """What the lab plots of a member: its size, compute and final loss (the loss its task
    declares for fits, kept under "val_loss")."""
    loss = task.fit_metric.of(summary)
    return {
        "parameters": summary.get("parameters"),
        "flops": summary.get("flops"),
        "energy_wh": summary.get("energy_wh"),
        "co2_g": summary.get("co2_g"),
        "val_loss": loss,
        "samples": summary.get("samples"),
        "train_seconds": summary.get("train_seconds"),
        "run_dir": str(run_dir) if run_dir else None,
    }


class CompareJob(SweepJob):
    """The same recipe twice, from a trained model and from random weights, as one job: what
    starting from it bought."""

    kind, what = "compare", N_("runs")

    def __init__(
        self, spec, config, start, *, task: Task, name: str | None = None, **kwargs
    ) -> None:
        self.plan, self.start_from = None, start  # (not .start: that starts the job)
        self.members = [(spec, config), (spec, config)]
        TrainingJob.__init__(self, spec, config, task=task, name=name, **kwargs)
        self._group(
            name or getattr(spec, "name", "model"),
            N_("from a trained model vs scratch"),
            Text("2 runs"),
        )

    def _member(self, i: int, spec, config) -> TrainingJob:
        label = f"from {self.start_from.source}" if i == 0 else "from scratch"  # in its name
        start = self.start_from if i == 0 else None
        return self.member_job(
            spec, config, name=f"{self.family} {label}", data_dir=self.data_dir,
            runs_dir=self.runs_dir, mirrors=self.mirrors, owner=self.owner,
            address=self.address, task=self.task, initial_weights=start,
            extra=self.extra,  # both read the same data (a start's tokenizer among it)
        )  # fmt: skip


def _lazy(message: str) -> Text:
    """A member's message as a Text, so that it is shown in the reader's language too."""
    return (
        message
        if isinstance(message, Text)
        else Text(message.replace("{", "{{").replace("}", "}}"))
    )
