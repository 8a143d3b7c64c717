"""A hyperparameter search you can watch: one job of one person's, its trials ordinary runs. Optuna
proposes each trial's settings (random, TPE or a grid) within the dimensions the person chose
from the task's settings table; each trial trains as a member job (a thread here, an actor on
the cluster), up to `parallel` at once. At the end of every quarter of an epoch (a rung) the
mean training loss of that quarter goes back to Optuna, whose pruner (the median rule or
successive halving) may stop a weak trial there, before its next step; what the search minimises
is a trial's last validation loss. The search takes one place in the queue, its whole keeps the
job's time limit (and the plan's minutes), and every trial is checked against the memory budget
before it starts. Each trial's run folder gets a `search.json` beside its summary: the search it
belongs to, its number, its settings and whether it was pruned."""

from __future__ import annotations

import json
import math
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playground.engine import search_space
from playground.engine.i18n import N_, Text
from playground.engine.metrics import Status
from playground.engine.records import SpecError
from playground.engine.task import Task
from playground.exchange.run_files import write_atomic
from playground.serving.jobs import TrainingJob
from playground.serving.search_plan import SearchPlan
from playground.serving.sweeps import SweepJob, _lazy

FILE = "search.json"
POLL = 0.2  # seconds between looks at the trials (the state they report is what counts)
RUNGS = 4  # a trial is judged at the end of each quarter of an epoch


@dataclass
class Trial:
    """One trial as the page draws it: its settings, its curve, how it ended."""

    number: int
    params: dict
    state: str = "running"  # running, finished, pruned, failed, stopped
    curve: list[tuple[int, float]] = field(default_factory=list)  # (epoch, validation loss)
    value: float | None = None  # what the search minimises: its last validation loss
    pruned_at: float | None = None  # epochs trained where the pruner stopped it (0.25, 1.5)
    rungs: list[tuple[float, float]] = field(default_factory=list)  # (epochs, the mean
    # training loss of the quarter epoch ending there): what the pruner judged it by
    run_dir: str | None = None
    generation: int = 0  # population based training: its generation, the trial it started
    parent: int | None = None  # from (weights and settings), and how: "continued" or
    event: str = ""  # "copied" (exploit, then explore: its settings perturbed)
    offset: int = 0  # epochs its weights had trained before it (its curve starts after them)
    summary: dict = field(default_factory=dict)
    message: str = ""
    job: TrainingJob | None = field(default=None, repr=False)
    _asked: Any = field(default=None, repr=False)  # Optuna's trial
    _losses: list = field(default_factory=list, repr=False)  # (step, loss) of the rung under way
    _rung: int = field(default=0, repr=False)  # rungs passed

    def point(self) -> dict:
        return {"number": self.number, "params": self.params, "state": self.state,
                "value": self.value, "pruned_at": self.pruned_at, "run_dir": self.run_dir,
                "curve": list(self.curve), "rungs": list(self.rungs),
                "steps": self.summary.get("steps"), "flops": self.summary.get("flops"),
                "energy_wh": self.summary.get("energy_wh"), "co2_g": self.summary.get("co2_g"),
                "generation": self.generation,
                "parent": self.parent, "event": self.event, "offset": self.offset,
                "train_seconds": self.summary.get("train_seconds")}  # fmt: skip


class SearchJob(SweepJob):
    """The trials of a search, one job: the live view shows every trial."""

    kind, what = "search", N_("trials")
    changes_lr = False  # each trial has its own: the search chose it

    def __init__(self, spec, config, plan: SearchPlan, *, task: Task, name: str | None = None,
                 **kwargs) -> None:  # fmt: skip
        self.plan = plan.check(task)
        self.base = (spec, config)
        TrainingJob.__init__(self, spec, config, task=task, name=name, **kwargs)
        self.members: list[tuple] = []
        self._group(name or getattr(spec, "name", "model"), "search",
                    Text("{n} trials", n=plan.trials))  # fmt: skip
        self.name = f"{self.family} search"
        self.trials: list[Trial] = []
        self.importances: dict[str, float] = {}
        self.steps_planned = 0  # every trial's planned steps: what pruning saved is counted
        self._trials_lock = threading.Lock()

    # --- what readers see -----------------------------------------------------------------

    def snapshot(self) -> list[dict]:
        """Every trial so far, as plain records (the page draws them while it runs)."""
        with self._trials_lock:
            return [t.point() for t in self.trials]

    def best(self) -> dict | None:
        done = [t for t in self.snapshot() if t["state"] == "finished" and t["value"] is not None]
        return min(done, key=lambda t: t["value"]) if done else None

    def flops_spent(self) -> float:
        """FLOPs the ended trials trained (counted, as their summaries say)."""
        return sum(t["flops"] or 0 for t in self.snapshot() if t["state"] != "running")

    def latest_weights(self):
        running = [t.job for t in self.trials if t.job is not None and not t.job.status.ended]
        return running[-1].latest_weights() if running else None

    def set_limits(self, time_limit, pause_limit, memory_budget=None) -> None:
        TrainingJob.set_limits(self, time_limit, pause_limit, memory_budget)
        self.task.check(*self.base, memory_budget)

    # --- the trials -----------------------------------------------------------------------

    def apply(self, params: dict) -> tuple:
        """(spec, config) of a trial: the base with `params`, validated and within the budget."""
        spec, config = self.task.with_settings(*self.base, params)
        self.task.check(spec, config, getattr(self.controls, "memory_budget", None))
        return spec, config

    def space(self) -> dict:
        """The plan's dimensions as Optuna's distributions."""
        rows = self.task.search_rows()
        return {d.name: search_space.distribution(d, rows) for d in self.plan.dimensions}

    def _study(self):
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        plan = self.plan
        if plan.method == "grid":
            sampler = optuna.samplers.GridSampler(
                {d.name: list(d.values) for d in plan.dimensions}, seed=plan.seed
            )
        elif plan.method == "random":
            sampler = optuna.samplers.RandomSampler(seed=plan.seed)
        else:
            sampler = optuna.samplers.TPESampler(
                seed=plan.seed, n_startup_trials=max(2, min(10, plan.trials // 3))
            )
        pruner = {
            "median": lambda: optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=0),
            "halving": lambda: optuna.pruners.SuccessiveHalvingPruner(reduction_factor=3),
            "none": optuna.pruners.NopPruner,
        }[plan.prune]()  # fmt: skip
        return optuna.create_study(direction="minimize", sampler=sampler, pruner=pruner)

    def _train(self) -> None:
        if self.plan.method == "pbt":
            from playground.serving import pbt  # population based training: generations

            return pbt.train(self)
        started = time.time()
        study = self._study()
        space = self.space()
        total = self.plan.trials
        if self.plan.method == "grid":
            total = min(total, self.plan.grid_size())
        deadline = started + 60 * self.plan.minutes if self.plan.minutes else math.inf
        asked, running = 0, []
        while True:
            out_of_time = time.time() >= deadline or self.controls.seconds_left() == 0
            if self.plan.flops and self.flops_spent() >= self.plan.flops:
                total = min(total, asked)  # the budget is spent: no new trial
            if self.controls.stopped or out_of_time:
                for trial in running:
                    trial.job.stop()
            while (len(running) < self.plan.parallel and asked < total and not out_of_time
                   and not self.controls.stopped):  # fmt: skip
                running.append(self._ask(study, space, asked, total, deadline))
                asked += 1
            if not running:
                break
            for trial in list(running):
                self._watch(study, trial)
                if trial.job is None or trial.job.status.ended:
                    self._told(study, trial)
                    running.remove(trial)
                    self.importances = importances(self.snapshot(), space)  # so far
            self.controls.check_limits()
            if running:
                running[0].job.wait(POLL)
        self.finish(started)

    def _ask(self, study, space: dict, i: int, total: int, deadline: float) -> Trial:
        asked = study.ask(space)
        return self.launch(Trial(i + 1, dict(asked.params), _asked=asked), total, deadline)

    def launch(self, trial: Trial, total: int, deadline: float, weights=None) -> Trial:
        """Start a trial's member job (from `weights`, a state dict, if given), within what
        is left of the search's time; a trial the table or the budget refuses fails in words."""
        i = trial.number - 1
        with self._trials_lock:
            self.trials.append(trial)
        try:
            spec, config = self.apply(trial.params)
        except SpecError as e:
            trial.state, trial.message = "failed", str(e)
            return trial
        member = self.member_job(
            spec, config, name=f"{self.family} trial {i + 1} of {total}",
            data_dir=self.data_dir, runs_dir=self.runs_dir, mirrors=self.mirrors,
            owner=self.owner, address=self.address, task=self.task,
            **({"initial_weights": weights} if weights is not None else {}))  # fmt: skip
        left = self.controls.seconds_left()
        if deadline < math.inf:
            to_deadline = max(1.0, deadline - time.time())
            left = to_deadline if left is None else min(left, to_deadline)
        member.set_limits(left, self.controls.pause_limit,
                          getattr(self.controls, "memory_budget", None))  # fmt: skip
        self.steps_planned += self.task.planned_steps(config) or 0
        trial.job = member
        member.on_epoch(lambda _job, record: self._epoch(trial, record))
        member.log.on_step(lambda record: self._step(trial, record))
        self.current, self.log, self.spec, self.config = member, member.log, spec, config
        member.start()
        self._set(Status.RUNNING, Text("Trial {i} of {n} is training.", i=i + 1, n=total))
        return trial

    def _epoch(self, trial: Trial, record) -> None:
        """An epoch of a trial, as it is recorded: its validation loss joins the trial's curve
        (the last one is the trial's result)."""
        if record.val_loss is None:
            return
        with self._trials_lock:
            seen = any(epoch == record.epoch for epoch, _ in trial.curve)
            if not seen and trial.state == "running":
                trial.curve.append((record.epoch, record.val_loss))

    def _step(self, trial: Trial, record) -> None:
        """A step of a trial, as it is recorded (in the trial's thread, before its next step;
        for a member on the cluster, in the thread that mirrors it): at a rung's end that
        quarter epoch's mean training loss goes to Optuna, whose pruner may stop the trial
        there. (Population based training asks no pruner; its rungs are drawn all the same.)"""
        with self._trials_lock:
            if trial.state != "running":
                return
            trial._losses.append((record.step, record.loss))
            judged = _rungs(trial, trial.job.steps_per_epoch if trial.job else 0)
        for rung, value in judged:
            if trial._asked is None or not math.isfinite(value):
                continue
            trial._asked.report(value, rung)
            if trial._asked.should_prune():
                trial.state, trial.pruned_at = "pruned", rung / RUNGS
                trial.job.stop()
                return

    def _watch(self, study, trial: Trial) -> None:
        """The search's pause reaches a running trial; epochs its thread did not hand on (a
        member on the cluster) are read from its log."""
        member = trial.job
        if member is None:
            return
        if self.controls.paused != member.controls.paused:
            member.pause() if self.controls.paused else member.resume()
        for record in member.log.epochs():
            self._epoch(trial, record)

    def _told(self, study, trial: Trial) -> None:
        """A trial that ended: its result to Optuna, its run labelled."""
        import optuna

        self.record_end(trial)
        try:
            if trial.state == "finished" and trial.value is not None:
                study.tell(trial._asked, trial.value)
            elif trial.state == "pruned":
                study.tell(trial._asked, state=optuna.trial.TrialState.PRUNED)
            else:
                study.tell(trial._asked, state=optuna.trial.TrialState.FAIL)
        except RuntimeError:  # the grid's sampler asks the study to stop when the grid is
            pass  # done, which only an optimize loop can; the result is stored all the same

    def record_end(self, trial: Trial) -> None:
        """What an ended trial reached, from its member job; its run labelled."""
        member = trial.job
        if member is not None:
            for record in member.log.epochs():
                self._epoch(trial, record)
            trial.summary = dict(member.summary)
            trial.run_dir = str(member.run_dir) if member.run_dir else None
            trial.message = member.message
            if trial.state == "running":
                finished = member.status is Status.FINISHED
                trial.state = "finished" if finished else member.status.value
            if trial.curve:
                trial.value = trial.curve[-1][1]
        if trial.run_dir:
            self._label_trial(trial)

    def _label_trial(self, trial: Trial) -> None:
        about = {"id": self.sweep_id, "name": self.name, "family": self.family,
                 "task": self.task.name, "kind": self.kind, "index": trial.number - 1,
                 "count": self.plan.trials, "trial": trial.number, "params": trial.params,
                 "state": trial.state, "pruned_at": trial.pruned_at,
                 "generation": trial.generation, "parent": trial.parent, "event": trial.event,
                 "plan": self.plan.to_dict()}  # fmt: skip
        write_atomic(Path(trial.run_dir) / FILE, json.dumps(about, indent=2, default=str))

    def finish(self, started: float) -> None:
        self.current = None
        self.importances = importances(self.snapshot(), self.space())
        points = self.snapshot()
        finished = [p for p in points if p["state"] == "finished"]
        pruned = [p for p in points if p["state"] == "pruned"]
        if self.controls.stopped and not self.controls.reason:
            status = Status.STOPPED
            message = Text("Stopped after {done} of {count} trials: the rest were cancelled.",
                           done=len(finished) + len(pruned), count=self.plan.trials)  # fmt: skip
        else:
            status = Status.FINISHED
            message = Text("Finished: {done} trials trained to the end, {pruned} pruned.",
                           done=len(finished), pruned=len(pruned))  # fmt: skip
            if self.controls.reason:
                message = Text("{message} Stopped by the {reason}.", message=message,
                               reason=_lazy(self.controls.reason))  # fmt: skip
        steps = sum(p["steps"] or 0 for p in points)
        self.summary = {"name": self.name, "status": status.value, "message": message,
                        "search": self.sweep_id, "trials": points, "best": self.best(),
                        "importances": self.importances, "plan": self.plan.to_dict(),
                        "steps": steps, "steps_planned": self.steps_planned,
                        "flops": sum(p["flops"] or 0 for p in points),
                        "energy_wh": sum(p["energy_wh"] or 0 for p in points),
                        "co2_g": sum(p["co2_g"] or 0 for p in points),
                        "started": started, "ended": time.time(),
                        "train_seconds": sum(p["train_seconds"] or 0 for p in points)}  # fmt: skip
        self._set(status, message)


def _rungs(trial: Trial, steps_per_epoch: int) -> list[tuple[int, float]]:
    """The rungs a trial's steps so far have passed since the last call, as (rung, mean
    training loss of its steps): rung k ends at step floor(k / 4 x steps per epoch), so an
    epoch's end is always one (a quarter of no step, in an epoch of under four, is none). Each
    is kept in the trial's `rungs`."""
    judged = []
    while steps_per_epoch and trial._losses:
        k = trial._rung + 1
        end = k * steps_per_epoch // RUNGS
        if trial._losses[-1][0] < end:
            break
        stretch = [loss for step, loss in trial._losses if step <= end]
        trial._losses = [(step, loss) for step, loss in trial._losses if step > end]
        trial._rung = k
        if stretch:
            value = sum(stretch) / len(stretch)
            trial.rungs.append((k / RUNGS, value))
            judged.append((k, value))
    return judged


def importances(points: list[dict], space: dict) -> dict[str, float]:
    """Each setting's share of the result's variation (Optuna's fANOVA evaluator) over the
    trials that reached a result, where at least two did and a setting varied; {} otherwise."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    done = [p for p in points if p["state"] == "finished" and p["value"] is not None
            and math.isfinite(p["value"])]  # fmt: skip
    if len(done) < 2:
        return {}
    study = optuna.create_study(direction="minimize")
    for p in done:
        study.add_trial(optuna.trial.create_trial(
            params=p["params"], distributions=space, value=p["value"]))  # fmt: skip
    try:
        found = optuna.importance.get_param_importances(study)
    except (RuntimeError, ValueError):  # every trial the same, or one setting only
        return {}
    return {k: round(float(v), 4) for k, v in found.items()}
