"""The tests' own kind of model, plugged in by its folder alone: a linear regression on
generated points, with no accuracy. tests/conftest.py adds tests/plugin/tasks to where
playground.tasks are found (and tests/plugin/ui to playground.ui), so the app finds this task
and its page as it finds its own: nothing outside this folder and ui/line/ names it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch
from torch import nn

from playground.engine import i18n, task
from playground.engine.loop import Evaluation, Lesson, Tally
from playground.engine.metrics import Metric
from playground.engine.records import JsonRecord, SpecError
from playground.engine.task import Task

MAX_FEATURES = 64


@dataclass(frozen=True)
class LineSpec(JsonRecord):
    """y = x . w + b, for x of `features` numbers."""

    WHAT = "line spec"
    features: int = 3
    name: str = "line"

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data) -> LineSpec:
        if not isinstance(data, dict) or not isinstance(data.get("features"), int):
            raise SpecError("A line spec needs a whole number of features.")
        return cls(data["features"], str(data.get("name", "line")))


@dataclass(frozen=True)
class LineConfig(JsonRecord):
    WHAT = "line settings"
    epochs: int = 3
    lr: float = 0.1
    batch_size: int = 16
    points: int = 256
    seed: int = 0
    device: str = "cpu"

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data) -> LineConfig:
        try:
            return cls(**data)
        except TypeError as e:
            raise SpecError(f"Line settings that cannot be used: {e}.") from None


@dataclass(frozen=True)
class Points:
    x: torch.Tensor
    y: torch.Tensor
    note: str = ""

    def to(self, device) -> Points:
        return Points(self.x.to(device), self.y.to(device), self.note)


class LineLesson(Lesson):
    """Epochs of the points in order; mean squared error; the whole set as its evaluation. Its
    own loop it has not: the shared one keeps its limits."""

    def __init__(self, data: Points, config: LineConfig):
        self.data, self.config, self.total_steps = data, config, None

    def optimizer(self, model):
        return torch.optim.SGD(model.parameters(), lr=self.config.lr)

    def rounds(self):
        size = self.config.batch_size
        for _ in range(self.config.epochs):
            yield (
                (self.data.x[i : i + size], self.data.y[i : i + size])
                for i in range(0, len(self.data.y), size)
            )

    def step(self, model, batch):
        xb, yb = batch
        return Tally(nn.functional.mse_loss(model(xb)[:, 0], yb), samples=len(yb))

    def evaluate(self, model):
        with torch.no_grad():
            loss = nn.functional.mse_loss(model(self.data.x)[:, 0], self.data.y).item()
            off = (model.weight[0, : len(TRUE)] - TRUE).norm().item()
        return Evaluation(loss, values={"weight error": off})  # a number of its own, by name

    def diverged(self, lr, step, round_):
        return f"The loss stopped being finite at step {step}: lower the learning rate {lr:g}."

    def finished(self, steps, rounds):
        return f"Finished {rounds} epochs."


TRUE = torch.tensor([1.0, -2.0, 0.5])  # the line the points lie on (and 0.3 above it)
R2 = Metric("r2", "R²", lower_is_better=False)  # its own metric, not accuracy
MSE = Metric("mse", "Mean squared error")


class LineTask(Task):
    name, label, samples = "line", "Line fitting", "points"
    metrics, fit_metric = (R2, MSE), MSE
    spec_type, config_type = LineSpec, LineConfig

    def spec_from_dict(self, data):
        return LineSpec.from_dict(data)

    def config_from_dict(self, data):
        return LineConfig.from_dict(data)

    def check(self, spec, config, memory_budget=None):
        if not 1 <= spec.features <= MAX_FEATURES:
            raise SpecError(f"A line takes 1 to {MAX_FEATURES} features, not {spec.features}.")
        if memory_budget is not None and 4 * spec.features * config.points > memory_budget:
            raise SpecError("Its points are more than this server allows per job.")

    def planned_samples(self, config):
        return config.points

    def load_data(self, config, data_dir, mirrors, device, extra=None):
        g = torch.Generator().manual_seed(config.seed)
        x = torch.randn(config.points, 3, generator=g)
        return Points(x, x @ TRUE + 0.3)

    def steps_per_epoch(self, data, config):
        return -(-len(data.y) // config.batch_size)

    def build(self, spec):
        return nn.Linear(spec.features, 1)

    def lesson(self, spec, model, data, config, memory_budget):
        return LineLesson(data, config)

    def results(self, spec, model, data, config, memory_budget):
        with torch.no_grad():
            mse = nn.functional.mse_loss(model(data.x)[:, 0], data.y).item()
        return {"mse": mse, "r2": 1 - mse / data.y.var(unbiased=False).item()}


LINE = task.register(LineTask())

# its own words in Chinese: the app's catalog does not know this task
i18n.add_words("zh", {"Line fitting": "直线拟合", "points": "点", "Mean squared error": "均方误差"})
