"""Population based training (Jaderberg et al., 2017), in generations: a population of members
trains, each for the recipe's epochs, its settings first drawn at random from the search's
space; then the worst quarter (at least one) copy the weights and settings of one of the best
quarter (exploit) and nudge the settings (explore: a number times 0.8 or 1.2 within its range, a
listed value's neighbour), while the others carry on from their own weights. Each member of each
generation is one trial, an ordinary run that starts from its parent's weights; who copied whom
is kept with it (`parent`, `event`) for the page's family tree."""

from __future__ import annotations

import math
import random
import time

import torch

from playground.engine.i18n import Text
from playground.engine.metrics import Status
from playground.engine.search_space import Dimension
from playground.serving.search import POLL, SearchJob, Trial

NUDGE = (0.8, 1.2)


def draw(dim: Dimension, rng: random.Random, row_kind: type):
    """A first value of a dimension, at random (log-uniform on a log scale)."""
    if dim.values:
        return rng.choice(list(dim.values))
    low, high = float(dim.low), float(dim.high)
    value = (
        math.exp(rng.uniform(math.log(low), math.log(high))) if dim.log else rng.uniform(low, high)
    )
    return round(value) if row_kind is int else value


def nudge(dim: Dimension, value, rng: random.Random, row_kind: type):
    """Explore: a number times 0.8 or 1.2 (kept in range), or a listed value's neighbour."""
    if dim.values:
        at = list(dim.values).index(value) if value in dim.values else 0
        near = [i for i in (at - 1, at + 1) if 0 <= i < len(dim.values)]
        return dim.values[rng.choice(near)] if near else value
    moved = min(float(dim.high), max(float(dim.low), value * rng.choice(NUDGE)))
    return round(moved) if row_kind is int else moved


def train(job: SearchJob) -> None:
    """The search's thread, for method "pbt"."""
    started = time.time()
    plan = job.plan
    rng = random.Random(plan.seed)
    kinds = {r.name: r.kind for r in job.task.search_rows()}
    deadline = started + 60 * plan.minutes if plan.minutes else math.inf
    size, generations = plan.population, plan.generations()
    total = size * generations
    members = [({d.name: draw(d, rng, kinds[d.name]) for d in plan.dimensions}, None, None, "")
               for _ in range(size)]  # fmt: skip
    epochs = 0
    for generation in range(generations):
        trials = [Trial(generation * size + i + 1, params, generation=generation, parent=parent,
                        event=event, offset=epochs)
                  for i, (params, _weights, parent, event) in enumerate(members)]  # fmt: skip
        ended = _run(job, trials, [m[1] for m in members], total, deadline)
        if not ended or job.controls.stopped:
            break
        epochs += max((len(t.curve) for t in trials), default=0)
        members = _next(job, trials, rng, kinds)
        if plan.flops and job.flops_spent() >= plan.flops:
            break
    job.finish(started)


def _run(job: SearchJob, trials: list[Trial], weights: list, total: int, deadline: float) -> bool:
    """A generation's members, `parallel` at once; True if every one ended by itself."""
    waiting = list(zip(trials, weights, strict=True))
    running: list[Trial] = []
    while waiting or running:
        out_of_time = time.time() >= deadline or job.controls.seconds_left() == 0
        if job.controls.stopped or out_of_time:
            for trial in running:
                trial.job.stop()
            for trial, _weights in waiting:
                trial.state = "stopped"
            waiting = []
        while waiting and len(running) < job.plan.parallel:
            trial, start = waiting.pop(0)
            running.append(job.launch(trial, total, deadline, start))
        for trial in list(running):
            job._watch(None, trial)
            if trial.job is None or trial.job.status.ended:
                job.record_end(trial)
                running.remove(trial)
        job.controls.check_limits()
        if running:
            running[0].job.wait(POLL)
    return not job.controls.stopped and all(t.state == "finished" for t in trials)


def _next(job: SearchJob, trials: list[Trial], rng: random.Random, kinds: dict) -> list[tuple]:
    """Exploit and explore: (settings, starting weights, parent trial, event) of each member of
    the next generation."""
    ranked = sorted(trials, key=lambda t: t.value if t.value is not None else math.inf)
    cut = max(1, len(ranked) // 4)
    best, worst = ranked[:cut], {t.number for t in ranked[-cut:]}
    found = []
    for trial in trials:
        if trial.number in worst:
            source = rng.choice(best)
            params = {d.name: nudge(d, source.params[d.name], rng, kinds[d.name])
                      for d in job.plan.dimensions}  # fmt: skip
            found.append((params, _weights(source), source.number, "copied"))
        else:
            found.append((dict(trial.params), _weights(trial), trial.number, "continued"))
    job._set(Status.RUNNING, Text("Generation done: {n} members copied the best.", n=cut))
    return found


def _weights(trial: Trial) -> dict[str, torch.Tensor] | None:
    latest = trial.job.latest_weights() if trial.job is not None else None
    return {k: v.clone() for k, v in latest[1].items()} if latest is not None else None
