"""What a hyperparameter search is asked to do, checked: the settings it varies (rows of the
task's settings table), how many trials, how many at once, how they are proposed (TPE, random,
a grid, or population based training) and pruned, and its budgets of minutes and FLOPs."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from playground.engine import search_space
from playground.engine.i18n import N_, Text
from playground.engine.records import SpecError
from playground.engine.search_space import Dimension
from playground.engine.task import Task

METHODS = {
    "tpe": N_("TPE (Optuna's default: learns where good trials lie)"),
    "random": N_("Random"),
    "grid": N_("Grid (every combination of the listed values)"),
    "pbt": N_("Population based training (the worst copy the best's weights, settings nudged)"),
}
PRUNERS = {
    "median": N_(
        "Median: stop a trial worse than the median of the others at the same quarter epoch"
    ),
    "halving": N_(
        "Asynchronous successive halving (ASHA): keep the best third at each rung "
        "(1, 3, 9... quarter epochs)"
    ),
    "none": N_("None: every trial trains to the end"),
}
MAX_TRIALS, MAX_PARALLEL, MAX_POPULATION = 200, 8, 16


@dataclass(frozen=True)
class SearchPlan:
    """What to search: the dimensions (settings of the task's table), how many trials, how
    many at once, how they are proposed and pruned, and the minutes the whole may take (0: the
    server's job limit alone)."""

    dimensions: tuple[Dimension, ...]
    trials: int = 8
    method: str = "tpe"
    prune: str = "median"
    minutes: float = 0.0
    parallel: int = 1
    seed: int = 0
    flops: float = 0.0  # stop proposing trials once the finished ones trained this many (0: no)
    population: int = 4  # population based training: members of each generation

    def to_dict(self) -> dict:
        return {**dataclasses.asdict(self), "dimensions": [d.to_dict() for d in self.dimensions]}

    @classmethod
    def from_dict(cls, data: Any) -> SearchPlan:
        if not isinstance(data, dict):
            raise SpecError(Text("A search plan must be a JSON object."))
        dims = tuple(Dimension.from_dict(d) for d in data.get("dimensions") or ())
        known = {f.name for f in dataclasses.fields(cls)} - {"dimensions"}
        return cls(dims, **{k: v for k, v in data.items() if k in known})

    def check(self, task: Task) -> SearchPlan:
        """Self, or SpecError in words: every dimension a row of the task's table, within it."""
        rows = task.search_rows()
        if not self.dimensions:
            raise SpecError(Text("Choose at least one setting to search."))
        names = [d.name for d in self.dimensions]
        if len(set(names)) != len(names):
            raise SpecError(Text("Each setting is searched once; {names} repeats one.",
                                 names=", ".join(names)))  # fmt: skip
        for dim in self.dimensions:
            search_space.check(dim, rows, task.search_registries())
        if not (isinstance(self.trials, int) and 1 <= self.trials <= MAX_TRIALS):
            raise SpecError(Text("A search has 1 to {most} trials, not {trials}.",
                                 most=MAX_TRIALS, trials=self.trials))  # fmt: skip
        if not (isinstance(self.parallel, int) and 1 <= self.parallel <= MAX_PARALLEL):
            raise SpecError(Text("Run 1 to {most} trials at once, not {n}.", most=MAX_PARALLEL,
                                 n=self.parallel))  # fmt: skip
        if self.method not in METHODS:
            raise SpecError(Text("There is no method {method!r}; choose one of {names}.",
                                 method=self.method, names=", ".join(METHODS)))  # fmt: skip
        if self.prune not in PRUNERS:
            raise SpecError(Text("There is no pruner {prune!r}; choose one of {names}.",
                                 prune=self.prune, names=", ".join(PRUNERS)))  # fmt: skip
        if self.method == "grid" and any(not d.values for d in self.dimensions):
            raise SpecError(Text("A grid needs a list of values for every setting (such as "
                                 "batch_size=32,64,128), not a range."))  # fmt: skip
        if not (math.isfinite(self.minutes) and 0 <= self.minutes <= 24 * 60):
            raise SpecError(Text("The search's minutes must be 0 (no limit of its own) to a "
                                 "day, not {minutes}.", minutes=self.minutes))  # fmt: skip
        if not (math.isfinite(self.flops) and self.flops >= 0):
            raise SpecError(Text("The search's FLOPs budget must be 0 (none) or more, not "
                                 "{flops}.", flops=self.flops))  # fmt: skip
        if self.method == "pbt":
            self._check_population(task)
        return self

    def _check_population(self, task: Task) -> None:
        if not (isinstance(self.population, int) and 2 <= self.population <= MAX_POPULATION):
            raise SpecError(Text("A population has 2 to {most} members, not {n}.",
                                 most=MAX_POPULATION, n=self.population))  # fmt: skip
        if self.trials < 2 * self.population:
            raise SpecError(Text("Population based training needs at least two generations: "
                                 "{least} trials for a population of {n}.",
                                 least=2 * self.population, n=self.population))  # fmt: skip
        table = {r.name for r in task.settings_table()}
        for name in (d.name for d in self.dimensions if d.name not in table):
            raise SpecError(Text("Population based training changes settings while the weights "
                                 "carry on, so it cannot change the model: search {name} with "
                                 "TPE, random or a grid.", name=name))  # fmt: skip

    def generations(self) -> int:
        return max(2, self.trials // self.population)

    def grid_size(self) -> int:
        return math.prod(len(d.values) for d in self.dimensions)
