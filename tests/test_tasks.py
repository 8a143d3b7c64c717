"""The task seam: a kind of model of the tests' own (a linear regression on generated points,
tests/plugin/tasks/line/, plugged in by its folder alone) trains through the serving and
exchange code as image classification does, with no change to either: two owners and the
queue, a limit that refuses it in words, a thread and a Ray worker, a run folder the runs table
lists, a watch link, a bundle that comes back, its page in the navigation and on Home."""

from __future__ import annotations

import json
import math
import re
import sys

import pytest
import torch
from streamlit.testing.v1 import AppTest
from torch import nn

from playground.engine import owners, task
from playground.engine.metrics import EpochRecord, Status, StepRecord
from playground.engine.records import SpecError
from playground.engine.settings import ServerSettings
from playground.exchange import bundle_import, bundles, run_table, runs
from playground.serving.manager import JobManager, Refused
from playground.tasks.line.task import LINE, LineConfig, LineSpec  # tests/plugin (conftest)
from tests.test_app import APP, wait_until

ADA, BOB = (owners.browser_owner(owners.new_key()) for _ in range(2))
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
    (result,) = table[table["name"] == "example"]["result"]  # its own metric, not accuracy
    assert result == f"R² {example.summary['r2']:.4g}" and example.summary["r2"] > 0.99


def test_a_task_declares_its_metrics_and_its_records_carry_its_own_numbers(tmp_path):
    """Issue 35, item 2: what a run reaches is the task's declaration (R² and the squared error
    for the line, never accuracy), and each epoch's record carries the task's own numbers by
    name, in the run's file too."""
    job = finished(JobManager(runs_dir=tmp_path).new_job(LineSpec(), QUICK, runs_dir=tmp_path))
    epochs = job.log.epochs()
    errors = [e.values["weight error"] for e in epochs]
    assert errors[-1] < errors[0] and set(epochs[0].values) == {"weight error"}
    assert runs.load_run(job.run_dir).log().epochs() == epochs  # the file keeps them
    numbers = LINE.result_numbers(job.summary)
    assert [n.label for n in numbers] == ["R²", "Mean squared error"]
    assert numbers[0].value == f"{job.summary['r2']:.4g}" and not numbers[0].lower_is_better
    assert LINE.result_text(job.summary) == f": r² {job.summary['r2']:.4g}"
    language = task.named("language")
    reached = {"val_loss": 2.0, "val_bits_per_char": 1.4, "perplexity": math.exp(2.0)}
    shown = {n.label: (n.value, n.help) for n in language.result_numbers(reached)}
    assert shown == {
        "Val loss": ("2", "nats per token"),
        "Bits per character": ("1.4", "bits per character"),
        "Perplexity": ("7.389", ""),
        "Token accuracy": ("-", ""),
    }
    assert language.fit_metric.key == "val_loss" and task.named("image").fit_metric.key == (
        "test_loss"
    )


def test_it_trains_on_a_ray_worker_the_same_way(ray_cluster, tmp_path):
    import ray.cloudpickle

    ray.cloudpickle.register_pickle_by_value(sys.modules[LINE.__module__])  # workers lack tests/
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
    epochs = [
        EpochRecord(1, 2.0, 0.2, 2.0, 0.90, 1.0, 1e-3),
        EpochRecord(2, 1.5, 0.3, 1.5, 0.95, 1.0, 1e-3),
    ]
    steps = [StepRecord(1, 2, 1.5, 0.3, 1e-3, 100.0, 2.0)]
    names = language.presets()["names-tiny"]()[1]
    (loss,) = [n for n in language.live_numbers(steps, epochs, names) if n.label == "Val loss"]
    assert loss.delta.startswith("-") and loss.delta_color == "inverse"  # down, and good
    (accuracy,) = [
        n
        for n in image.live_numbers(steps, epochs, image.presets()["mlp"]()[1])
        if n.label == "Val accuracy"
    ]
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


def test_its_page_plugs_into_the_navigation_and_home_and_trains_there(app_server, tmp_path):
    """Issue 35: a kind of model plugs in by its folders alone. The line task's page (from
    tests/plugin/ui/line) is in the navigation, in a section of its own, and on Home; it
    trains a line there with the shared live view, in Chinese too."""
    from playground.ui import pages

    titles = [p.title for p in pages.all_pages()]
    assert titles.index("Language") < titles.index("Line fitting") < titles.index("Scaling lab")
    assert "Regression" in pages.sections(pages.all_pages())
    app = AppTest.from_file(str(APP), default_timeout=60)
    app.query_params["lang"] = "zh"
    app.run()
    assert not app.exception, app.exception
    home = [e.proto.label for e in app.get("page_link")]
    assert "直线拟合" in home  # its card on Home, in its own words
    app.switch_page("tests/plugin/ui/line/page.py").run()
    assert [t.value for t in app.title] == ["直线拟合"]
    app.button(key="line-train").click().run()
    wait_until(app, lambda a: any(m.value == "4 / 4" for m in a.metric) and not [
        b for b in a.button if b.key in ("job-pause", "job-stop", "job-cancel")])  # fmt: skip
    assert not app.exception, app.exception
    (run,) = [r for r in runs.list_runs(tmp_path) if r.task is LINE]
    assert run.summary["status"] == "finished"


def test_a_comparison_runs_its_members_on_ray(ray_cluster, tmp_path):
    """Issue 35: sweeps and compare ran in the web server's threads even with a cluster. With
    one, each member is an actor on it: the same runs, the same limits."""
    import ray.cloudpickle

    from playground.engine.transfer import Start
    from playground.serving.sweeps import CompareJob

    ray.cloudpickle.register_pickle_by_value(sys.modules[LINE.__module__])  # workers lack tests/
    manager = JobManager(ServerSettings(jobs_at_once=1), runs_dir=tmp_path, ray_address="local")
    true_line = {"weight": torch.tensor([[1.0, -2.0, 0.5]]), "bias": torch.tensor([0.3])}
    job = CompareJob(LineSpec(), QUICK, Start(true_line, source="the true line"), task=LINE,
                     owner=ADA, runs_dir=tmp_path, name="compared")  # fmt: skip
    manager.submit(job)
    assert job.wait(300), "the comparison did not end"
    assert job.status is Status.FINISHED, job.message
    assert isinstance(job.current, ray_cluster)  # its members were actors on the cluster
    found = {r.summary["name"]: r for r in runs.list_runs(tmp_path)}
    assert len(found) == 2 and all(r.summary.get("node") for r in found.values())
    start, scratch = found["compared from the true line"], found["compared from scratch"]
    assert start.summary["last_val_loss"] < scratch.summary["last_val_loss"]
