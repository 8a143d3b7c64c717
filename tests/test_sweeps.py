"""Sweeps and the scaling fit: members are ordinary runs of one job, a stop cancels the rest,
the limits hold for every size; the fit recovers a known exponent and says when it cannot."""

import math

import numpy as np
import pytest

from playground.engine.metrics import Status
from playground.engine.records import SpecError
from playground.engine.settings import ServerSettings
from playground.engine.task import named
from playground.exchange import run_table, runs
from playground.explain import scaling
from playground.serving.manager import JobManager, Refused
from playground.serving.sweeps import Plan, SweepJob, members
from playground.tasks.language.recipe import LanguageConfig
from playground.tasks.language.specs import GPTSpec

LANGUAGE = named("language")
SMALL = GPTSpec(layers=2, heads=2, width=32, context=16, name="small")
QUICK = LanguageConfig(corpus="copy", batch_size=8, eval_every=10, eval_batches=1, sample_length=0)
ADA = "owner-ada"


def test_members_grow_and_share_one_budget():
    plan = Plan(sizes=4, budget="steps", amount=30)
    found = members(LANGUAGE, SMALL, QUICK, plan)
    widths = [spec.width for spec, _ in found]
    assert widths == sorted(widths) and len(set(widths)) == 4 and widths[-1] == 32
    assert all(config.steps == 30 for _, config in found)
    by_flops = members(LANGUAGE, SMALL, QUICK, Plan(sizes=4, budget="flops", amount=2e10))
    steps = [config.steps for _, config in by_flops]
    assert steps == sorted(steps, reverse=True)  # the same compute: fewer steps for the big
    for spec, config in by_flops:
        per_step = LANGUAGE.flops_per_sample(spec, config) * config.batch_size * spec.context
        assert config.steps * per_step == pytest.approx(2e10, rel=0.05)
    with pytest.raises(SpecError, match="4 to 8 sizes"):
        Plan(sizes=3).check()
    with pytest.raises(SpecError, match="less than one step"):
        members(LANGUAGE, SMALL, QUICK, Plan(budget="samples", amount=10))


def test_a_sweep_is_one_job_whose_members_are_ordinary_runs(tmp_path):
    manager = JobManager(ServerSettings(jobs_at_once=1), runs_dir=tmp_path)
    sweep = SweepJob(SMALL, QUICK, Plan(sizes=4, amount=20), task=LANGUAGE, owner=ADA,
                     runs_dir=tmp_path, name="copy")  # fmt: skip
    manager.submit(sweep)
    with pytest.raises(Refused, match="one job per person"):
        manager.submit(manager.new_job(SMALL, QUICK, owner=ADA, runs_dir=tmp_path))
    assert sweep.wait(300), "the sweep did not end"
    assert sweep.status is Status.FINISHED, sweep.message
    found = [r for r in runs.list_runs(tmp_path) if r.summary.get("status") == "finished"]
    assert len(found) == 4 and all(r.owner == ADA for r in found)
    (only,) = scaling.sweeps(found)
    assert only.count == 4 and [r.summary["parameters"] for r in only.runs] == sorted(
        r.summary["parameters"] for r in found
    )
    assert len(only.points()) == 4 and all(p["flops"] > 0 for p in only.points())
    assert "model width" in run_table.differences(found)  # they compare as any runs do
    assert run_table.table_row(found[0])["FLOPs"] > 0


def test_stopping_a_sweep_cancels_the_sizes_left(tmp_path):
    sweep = SweepJob(SMALL, QUICK, Plan(sizes=4, amount=100_000), task=LANGUAGE, runs_dir=tmp_path)
    sweep.start()
    deadline = 0
    while sweep.current is None or sweep.current.log.last_step() is None:  # a state: it trains
        deadline += 1
        assert deadline < 6000 and not sweep.status.ended, sweep.message
        sweep.wait(0.05)
    sweep.stop()
    assert sweep.wait(120)
    assert sweep.status is Status.STOPPED and "the rest were cancelled" in sweep.message
    folders = runs.list_runs(tmp_path)
    assert len(folders) == 1 and folders[0].summary["status"] == "stopped"


def test_the_memory_budget_holds_for_every_size(tmp_path):
    manager = JobManager(ServerSettings(memory_budget_mb=2), runs_dir=tmp_path)
    big = GPTSpec(layers=2, heads=2, width=128, context=64, name="big")
    sweep = SweepJob(
        big, QUICK, Plan(sizes=4, largest=4.0), task=LANGUAGE, owner=ADA, runs_dir=tmp_path
    )
    with pytest.raises(SpecError, match=r"more than the 2\.0 MB this server allows"):
        manager.submit(sweep)
    assert manager.jobs() == []


def test_the_fit_recovers_a_known_exponent():
    rng = np.random.default_rng(3)
    n = np.geomspace(1e4, 1e7, 7)
    for alpha in (0.1, 0.3, 0.6):
        a = 2 * 1e4**alpha  # the power part is 2 at the smallest size, above a floor of 1.2
        loss = (a * n**-alpha + 1.2) * (1 + 0.003 * rng.standard_normal(len(n)))
        fit = scaling.fit_power_law(n, loss)
        assert fit.problem is None
        assert fit.alpha_low <= alpha <= fit.alpha_high, (alpha, fit)
        assert fit.predict(1e8) == pytest.approx(a * 1e8**-alpha + 1.2, rel=0.05)


def test_the_fit_says_when_it_cannot():
    assert "at least 4 sizes" in scaling.fit_power_law([1e3, 1e4, 1e5], [3, 2, 1]).problem
    rising = scaling.fit_power_law([1e3, 1e4, 1e5, 1e6], [1.0, 1.2, 1.5, 2.0])
    assert "does not fall" in rising.problem and math.isnan(rising.alpha)
    assert "at least 4" in scaling.fit_power_law([1e3, None, 1e5, 1e6], [3, 2, None, 1]).problem


def test_the_frontier_is_the_lowest_loss_at_each_compute():
    a = (np.array([1.0, 10.0, 100.0]), np.array([3.0, 2.0, 1.5]))
    b = (np.array([5.0, 50.0, 500.0]), np.array([2.5, 1.0, 0.8]))
    grid, best, who = scaling.frontier([a, b], points=20)
    for g, low, i in zip(grid, best, who, strict=True):
        options = [min(loss[compute <= g], default=np.inf) for compute, loss in (a, b)]
        assert low == min(options) and options[i] == low


def test_a_budget_of_steps_is_kept_to_the_step(tmp_path):
    """Issue 34, item 6: 150 steps a size at batch 64 on the sample's 9,000 training images
    (141 steps an epoch) trained two whole epochs, 282 steps. A budget is kept to the step, and
    the plan's FLOPs are the ones the run reports."""
    from playground.serving.jobs import TrainingJob
    from playground.tasks.image.recipe import TrainConfig
    from playground.tasks.image.specs import ModelSpec

    image = named("image")
    spec = ModelSpec.from_preset("mlp")
    config = TrainConfig(dataset="mnist-sample", batch_size=64, epochs=3)
    member, planned = members(image, spec, config, Plan(sizes=4, amount=150))[-1]  # the model
    assert image.planned_steps(planned) == 150
    job = TrainingJob(member, planned, runs_dir=tmp_path)
    job.start()
    assert job.wait(300) and job.status is Status.FINISHED, job.message
    assert job.summary["steps"] == 150 and job.total_steps == 150
    assert [e.epoch for e in job.log.epochs()] == [1, 2]  # the second one ended at the budget
    assert job.log.last_step().step == 150
    per_sample = image.flops_per_sample(member, planned)
    assert job.summary["flops"] == pytest.approx(per_sample * job.summary["samples"])
    assert job.summary["samples"] == pytest.approx(150 * 64, rel=0.01)  # one short last batch


def test_a_sweeps_members_train_on_the_cluster(ray_cluster, tmp_path):
    """Issue 35: with a cluster, a sweep's members are actors on it (the plan runs here)."""
    manager = JobManager(ServerSettings(jobs_at_once=1), runs_dir=tmp_path, ray_address="local")
    sweep = SweepJob(SMALL, QUICK, Plan(sizes=4, amount=10), task=LANGUAGE, owner=ADA,
                     runs_dir=tmp_path, name="copy")  # fmt: skip
    manager.submit(sweep)
    assert sweep.wait(600), "the sweep did not end"
    assert sweep.status is Status.FINISHED, sweep.message
    assert isinstance(sweep.current, ray_cluster)
    found = [r for r in runs.list_runs(tmp_path) if r.summary.get("status") == "finished"]
    assert len(found) == 4 and all(r.summary.get("node") for r in found)
    (only,) = scaling.sweeps(found)
    assert only.count == 4 and all(p["flops"] > 0 for p in only.points())
