"""The task seam: a kind of model of this file's own (a linear regression on generated points)
trains through the serving and exchange code as image classification does, with no change to
either: two owners and the queue, a limit that refuses it in words, a thread and a Ray worker,
a run folder the runs table lists, a watch link, a bundle that comes back."""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from dataclasses import dataclass

import pytest
import torch
from streamlit.testing.v1 import AppTest
from torch import nn

from playground.engine import owners, task
from playground.engine.loop import Evaluation, Lesson, Tally
from playground.engine.metrics import EpochRecord, Status, StepRecord
from playground.engine.records import JsonRecord, SpecError
from playground.engine.settings import ServerSettings
from playground.engine.task import Task
from playground.exchange import bundle_import, bundles, run_table, runs
from playground.serving.manager import JobManager, Refused
from tests.test_app import APP, wait_until

ADA, BOB = (owners.browser_owner(owners.new_key()) for _ in range(2))
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
            yield ((self.data.x[i : i + size], self.data.y[i : i + size])
                   for i in range(0, len(self.data.y), size))  # fmt: skip

    def step(self, model, batch):
        xb, yb = batch
        return Tally(nn.functional.mse_loss(model(xb)[:, 0], yb), samples=len(yb))

    def evaluate(self, model):
        with torch.no_grad():
            return Evaluation(nn.functional.mse_loss(model(self.data.x)[:, 0], self.data.y).item())

    def diverged(self, lr, step, round_):
        return f"The loss stopped being finite at step {step}: lower the learning rate {lr:g}."

    def finished(self, steps, rounds):
        return f"Finished {rounds} epochs."


class LineTask(Task):
    name, label, samples = "line", "Line fitting", "points"
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
        return Points(x, x @ torch.tensor([1.0, -2.0, 0.5]) + 0.3)

    def steps_per_epoch(self, data, config):
        return -(-len(data.y) // config.batch_size)

    def build(self, spec):
        return nn.Linear(spec.features, 1)

    def lesson(self, spec, model, data, config, memory_budget):
        return LineLesson(data, config)

    def results(self, spec, model, data, config, memory_budget):
        with torch.no_grad():
            return {"mse": nn.functional.mse_loss(model(data.x)[:, 0], data.y).item()}


LINE = task.register(LineTask())
QUICK = LineConfig(epochs=4)


def finished(job, timeout: float = 120.0):
    """`job`, once it has finished (started here if nobody has started it)."""
    job.start()
    assert job.wait(timeout), "the job did not end in time"
    assert job.status is Status.FINISHED, job.message
    return job


def test_two_owners_share_the_queue_and_each_run_is_an_ordinary_run(tmp_path):
    manager = JobManager(ServerSettings(jobs_at_once=1), runs_dir=tmp_path)
    ada = manager.new_job(LineSpec(), QUICK, owner=ADA, runs_dir=tmp_path, name="ada-line")
    bob = manager.new_job(LineSpec(), QUICK, owner=BOB, runs_dir=tmp_path, name="bob-line")
    manager.submit(ada)
    manager.submit(bob)
    assert manager.spot(bob) is not None and manager.spot(bob).position == 1
    with pytest.raises(Refused, match="one job per person"):
        manager.submit(manager.new_job(LineSpec(), QUICK, owner=ADA, runs_dir=tmp_path))
    for job in (ada, bob):
        finished(job)
        assert job.summary["mse"] < 0.05  # it learned the line
    found = {r.summary["name"]: r for r in runs.list_runs(tmp_path)}
    assert set(found) == {"ada-line", "bob-line"} and found["ada-line"].owner == ADA
    run = found["ada-line"]
    assert run.task is LINE and isinstance(run.spec, LineSpec) and run.config == QUICK
    assert (run.path / "task.json").exists() and len(run.log().epochs()) == 4
    row = run_table.table_row(run)
    assert row["task"] == "Line fitting" and row["epochs"] == "4 / 4"
    assert run_table.differences([run, found["bob-line"]]) == {}
    model = run.model()
    assert isinstance(model, nn.Linear) and not model.training


def test_the_servers_limits_hold_for_a_task_of_its_own(tmp_path):
    manager = JobManager(ServerSettings(memory_budget_mb=0.001), runs_dir=tmp_path)
    with pytest.raises(SpecError, match="more than this server allows per job"):
        manager.submit(manager.new_job(LineSpec(), QUICK, owner=ADA, runs_dir=tmp_path))
    with pytest.raises(SpecError, match="A line takes 1 to 64 features"):
        manager.new_job(LineSpec(features=1000), QUICK, owner=ADA)


def test_a_bundle_of_it_comes_back_as_a_run_of_the_same_task(tmp_path):
    job = finished(JobManager(runs_dir=tmp_path).new_job(LineSpec(), QUICK, runs_dir=tmp_path))
    run = runs.load_run(job.run_dir)
    raw = bundles.make_bundle(run)
    back = bundle_import.import_bundle(raw, tmp_path / "in", ADA, "line.zip")
    assert back.task is LINE and back.spec == run.spec and back.owner == ADA
    x = torch.randn(5, 3)
    with torch.no_grad():
        assert torch.equal(back.model()(x), run.model()(x))


@pytest.fixture
def app_server(monkeypatch, tmp_path):
    """The app's process-wide manager, its runs in this test's folder."""
    from playground.ui import state

    monkeypatch.setenv("PLAYGROUND_RUNS_DIR", str(tmp_path))
    state.manager.clear()
    yield state.manager()
    for job in state.manager().jobs():
        job.stop()
        job.wait(30)
    state.manager.clear()


def test_the_runs_table_lists_it_and_a_watch_link_shows_it(app_server, tmp_path):
    job = app_server.new_job(LineSpec(), QUICK, owner=ADA, runs_dir=tmp_path, name="shared")
    app_server.submit(job)
    token = app_server.share(ADA, job.id)
    watcher = AppTest.from_file(str(APP), default_timeout=60)
    watcher.query_params["watch"] = token
    watcher.run()
    watcher.switch_page("app_pages/train.py").run()
    assert not watcher.exception, watcher.exception
    wait_until(watcher, lambda a: job.status.ended and a.metric)
    assert {m.label for m in watcher.metric} >= {"Epoch", "Train loss", "Val loss", "Points/s"}
    assert [m.value for m in watcher.metric if m.label == "Epoch"] == ["4 / 4"]
    assert not {b.label for b in watcher.button} & {"Pause", "Stop", "Share"}
    assert job.status is Status.FINISHED, job.message
    # an example (a run with no owner) is in everyone's runs table
    example = finished(
        JobManager(runs_dir=tmp_path).new_job(LineSpec(), QUICK, runs_dir=tmp_path, name="example")
    )
    assert example.owner is None
    reader = AppTest.from_file(str(APP), default_timeout=60)
    reader.run()
    reader.switch_page("app_pages/train.py").run()
    table = reader.dataframe[0].value
    assert "example" in list(table["name"]) and "Line fitting" in list(table["task"])


def test_it_trains_on_a_ray_worker_the_same_way(ray_cluster, tmp_path):
    import ray.cloudpickle

    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers lack tests/
    manager = JobManager(ServerSettings(jobs_at_once=1), runs_dir=tmp_path, ray_address="local")
    job = manager.new_job(LineSpec(), QUICK, owner=ADA, runs_dir=tmp_path, name="on-ray")
    assert isinstance(job, ray_cluster)
    manager.submit(job)
    finished(job, 300)
    assert job.summary["mse"] < 0.05 and job.node
    (run,) = runs.list_runs(tmp_path)
    assert run.task is LINE and len(run.log().epochs()) == 4
    assert json.loads((run.path / "task.json").read_text()) == {"task": "line"}


def test_a_run_of_an_unknown_task_is_listed_as_damaged_in_words(tmp_path):
    job = finished(JobManager(runs_dir=tmp_path).new_job(LineSpec(), QUICK, runs_dir=tmp_path))
    (job.run_dir / "task.json").write_text(json.dumps({"task": "telepathy"}))
    assert not runs.list_runs(tmp_path)
    (damaged,) = runs.damaged_runs(tmp_path)
    assert re.search(r"There is no task 'telepathy'", damaged.why)


def test_a_change_is_coloured_by_which_way_is_better():
    """Issue 34, item 15: a falling validation loss was shown red, as if it were worse."""
    language, image = task.named("language"), task.named("image")
    epochs = [EpochRecord(1, 2.0, 0.2, 2.0, 0.90, 1.0, 1e-3),
              EpochRecord(2, 1.5, 0.3, 1.5, 0.95, 1.0, 1e-3)]  # fmt: skip
    steps = [StepRecord(1, 2, 1.5, 0.3, 1e-3, 100.0, 2.0)]
    names = language.presets()["names-tiny"]()[1]
    (loss,) = [n for n in language.live_numbers(steps, epochs, names) if n.label == "Val loss"]
    assert loss.delta.startswith("-") and loss.delta_color == "inverse"  # down, and good
    (accuracy,) = [n for n in image.live_numbers(steps, epochs, image.presets()["mlp"]()[1])
                   if n.label == "Val accuracy"]  # fmt: skip
    assert accuracy.delta.startswith("+") and accuracy.delta_color == "normal"  # up, and good


def test_a_task_without_a_score_shows_its_losses_and_no_accuracy(tmp_path):
    """Issue 35: records were shaped for a classifier, so a model without accuracy showed a
    flat 0%. The line task declares no score: no chart, line or summary shows one."""
    from playground.exchange.png_chart import curves_png
    from playground.serving import curves
    from playground.ui import job_status

    job = finished(JobManager(runs_dir=tmp_path).new_job(LineSpec(), QUICK, runs_dir=tmp_path))
    assert LINE.score is None and "best_val_accuracy" not in job.summary
    figure = curves.epoch_figure(job.log.epochs(), LINE.score)
    assert {trace.yaxis for trace in figure.data} == {"y"}  # the losses alone
    assert "accuracy" not in figure.layout.title.text
    assert "accuracy" not in job_status.progress_text(job)
    run = runs.load_run(job.run_dir)
    compared = curves.compare_figure({"a": ([], run.log().epochs())}, score=None)
    assert compared.data[0].y == tuple(e.val_loss for e in run.log().epochs())
    assert curves_png(run.log(), None).startswith(b"\x89PNG")
    image = task.named("image")
    assert curves.common_score([image, image]) is image.score
    assert curves.common_score([image, LINE]) is None
