"""Training jobs: results, controls, failures, repeatability, the manager.

The contract tests (those taking `executor`) run twice: against jobs in threads of this process
and against jobs on a Ray cluster (a local one, started once per test session). Pages and the
CLI cannot tell the two apart, and these tests are what they rely on."""

import threading
import time

import pytest
import torch

from playground.engine.metrics import EpochRecord, MetricsLog, Status, StepRecord
from playground.engine.records import SpecError
from playground.exchange.runs import list_runs, load_run
from playground.serving.jobs import TrainingJob
from playground.serving.manager import JobManager
from playground.tasks.image import models
from playground.tasks.image.recipe import TrainConfig
from playground.tasks.image.specs import ModelSpec
from tests.conftest import OFFLINE_MIRROR

MLP = ModelSpec.from_preset("mlp")
QUICK = TrainConfig(dataset="mnist-sample", epochs=1, batch_size=64, train_limit=2000,
                    schedule="constant", lr=1e-3, snapshot_every=5)  # fmt: skip
# A job under a control test (pause, stop, a new learning rate) cannot end before the control
# reaches it, however fast the machine or late the view (on Ray the app sees a job a poll
# late): a thousand epochs of the whole sample take minutes; the test stops it.
ENDLESS = TrainConfig(**{**QUICK.to_dict(), "epochs": 1000, "train_limit": 0})


JOB = [TrainingJob]  # the executor of the test running now (the `executor` fixture sets it)


@pytest.fixture(params=["thread", "ray"])
def executor(request):
    if request.param == "ray":
        JOB[0] = request.getfixturevalue("ray_cluster")
    yield request.param
    JOB[0] = TrainingJob


def job_of(config=QUICK, spec=MLP, **kwargs) -> TrainingJob:
    return JOB[0](spec, config, **kwargs)


def run(job: TrainingJob, timeout=120) -> TrainingJob:
    job.start()
    assert job.wait(timeout), "the job did not end in time"
    return job


def wait_for(condition, timeout=60):
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.01)


def test_a_job_trains_reports_and_saves_a_run(tmp_path, executor):
    job = run(job_of(TrainConfig(**{**QUICK.to_dict(), "epochs": 2}), runs_dir=tmp_path))
    assert job.status is Status.FINISHED, job.message
    steps, epochs = job.log.steps(), job.log.epochs()
    assert [s.step for s in steps] == list(range(1, 2 * 32 + 1))  # 2000 images / 64 = 32 steps
    assert [e.epoch for e in epochs] == [1, 2]
    assert epochs[1].val_accuracy > 0.8 and epochs[1].train_loss < epochs[0].train_loss
    assert job.summary["test_accuracy"] > 0.8 and job.summary["steps"] == 64
    # the run on disk holds the same records and weights
    saved = load_run(job.run_dir)
    assert saved.summary["test_accuracy"] == job.summary["test_accuracy"]
    assert saved.log().steps() == steps and saved.log().epochs() == epochs
    _version, weights = job.latest_weights()
    for name, tensor in saved.weights().items():
        torch.testing.assert_close(tensor, weights[name])
    assert [r.path for r in list_runs(tmp_path)] == [job.run_dir]


def test_the_inference_copy_is_separate_from_the_snapshot(executor):
    job = run(job_of())
    model = job.inference_model()
    assert not model.training
    _, weights = job.latest_weights()
    with torch.no_grad():
        model[1][0].weight.zero_()
    assert weights["1.0.weight"].abs().sum() > 0


def test_pause_holds_the_steps_and_resume_continues(executor):
    job = job_of(ENDLESS)
    job.start()
    wait_for(lambda: len(job.log.steps()) >= 3)
    job.pause()
    assert job.status is Status.PAUSED
    wait_for(lambda: job.held)  # the step under way has ended, and its record has arrived
    held = len(job.log.steps())
    time.sleep(0.5)
    assert len(job.log.steps()) == held
    job.resume()
    wait_for(lambda: len(job.log.steps()) > held + 3)
    assert job.status is Status.RUNNING
    job.stop()
    assert job.wait(30) and job.status is Status.STOPPED


def test_stop_takes_effect_within_one_batch(executor):
    job = job_of(ENDLESS)
    job.start()
    wait_for(lambda: len(job.log.steps()) >= 5)
    at_stop = len(job.log.steps())
    job.stop()
    assert job.wait(30)
    assert job.status is Status.STOPPED
    assert len(job.log.steps()) <= at_stop + 1 + steps_behind(job, executor)


def lag_seconds(executor) -> float:
    """How long the app's view of a job may lag what trains: two polls on a cluster, nothing
    in a thread."""
    if executor == "thread":
        return 0.0
    from playground.serving.ray_jobs import POLL_SECONDS

    return 2 * POLL_SECONDS


def steps_behind(job, executor) -> int:
    """The steps a job trains in `lag_seconds`."""
    last = job.log.last_step()
    return int(lag_seconds(executor) * last.step / last.seconds) + 1 if lag_seconds(executor) else 0


def test_a_paused_job_can_be_stopped(executor):
    job = job_of(ENDLESS)
    job.start()
    wait_for(lambda: len(job.log.steps()) >= 2)
    job.pause()
    job.stop()
    assert job.wait(30) and job.status is Status.STOPPED


def test_a_diverging_loss_stops_the_job_with_advice(executor):
    config = TrainConfig(**{**QUICK.to_dict(), "optimizer": "sgd", "lr": 100.0, "epochs": 3})
    job = run(job_of(config))
    assert job.status is Status.DIVERGED
    assert "diverged" in job.message and "lower it" in job.message and "100" in job.message


def test_a_failure_inside_the_thread_is_reported_as_failed(tmp_path, executor):
    config = TrainConfig(**{**QUICK.to_dict(), "dataset": "fashion-mnist"})
    job = run(job_of(config, data_dir=tmp_path, mirrors=[OFFLINE_MIRROR]))
    assert job.status is Status.FAILED
    assert "Fashion-MNIST is not in" in job.message and "could not be downloaded" in job.message


def test_a_model_that_learns_nothing_gets_advice_and_one_that_learns_does_not():
    from playground.tasks.image.training import stall_advice

    chance = [EpochRecord(1, 2.30, 0.10, 2.30, 0.10, 1.0, 10.0)]
    config = TrainConfig(optimizer="sgd", lr=10.0)
    assert "too high for SGD" in stall_advice(config, chance, 10)
    assert "too low" in stall_advice(TrainConfig(optimizer="sgd", lr=1e-4), chance, 10)
    learned = [EpochRecord(1, 0.3, 0.91, 0.2, 0.94, 1.0, 10.0)]
    assert stall_advice(config, learned, 10) is None and stall_advice(config, [], 10) is None


def test_a_bad_spec_fails_before_any_thread_starts(executor):
    spec = ModelSpec.from_preset("seed-cnn")
    with pytest.raises(SpecError, match="Cross-entropy needs one output per class"):
        job_of(TrainConfig(dataset="mnist-sample"), spec=ModelSpec(spec.layers[:-1]))


def test_the_same_seed_repeats_a_cpu_run_and_another_seed_does_not(executor):
    def losses(seed):
        config = TrainConfig(**{**QUICK.to_dict(), "seed": seed, "augment": True,
                                "augment_thicken": 0.5, "train_limit": 640})  # fmt: skip
        return [
            s.loss for s in run(job_of(config, spec=ModelSpec.from_preset("bn-cnn"))).log.steps()
        ]

    first = losses(3)
    assert losses(3) == first
    assert losses(4) != first


def test_a_new_learning_rate_applies_from_the_next_step(executor):
    job = job_of(ENDLESS)
    job.start()
    wait_for(lambda: len(job.log.steps()) >= 2)
    job.set_lr(0.0123)
    wait_for(lambda: job.log.last_step().lr == pytest.approx(0.0123))
    with pytest.raises(SpecError):
        job.set_lr(-1)
    job.stop()
    job.wait(30)


def test_weight_snapshots_are_published_while_training(executor):
    job = run(job_of())
    version, weights = job.latest_weights()
    assert version >= 32 // 5 and all(t.device.type == "cpu" for t in weights.values())


def test_the_manager_queues_beyond_its_limit_and_cleans_up():
    manager = JobManager(keep_ended=2)
    long = ENDLESS
    first, second, third = job_of(long), job_of(), job_of()
    for job in (first, second, third):
        manager.submit(job)
    wait_for(lambda: len(first.log.steps()) >= 1)
    assert second.status is Status.QUEUED and manager.queued() == [second, third]
    third.stop()
    assert third.status is Status.STOPPED
    first.stop()
    wait_for(lambda: second.status is Status.FINISHED)
    assert {j.id for j in manager.jobs()} <= {first.id, second.id, third.id}
    extra = job_of()
    manager.submit(extra)
    wait_for(lambda: extra.status.ended)
    wait_for(lambda: len(manager.jobs()) == 2)
    assert manager.get(extra.id) is extra and manager.get(first.id) is None


def test_the_metrics_log_is_safe_to_read_while_written():
    log = MetricsLog()

    def write():
        for i in range(5000):
            log.add(StepRecord(i + 1, 1, 0.1, 0.5, 0.01, 1.0, 1.0))

    writer = threading.Thread(target=write)
    writer.start()
    seen = 0
    while writer.is_alive():
        new = [s.step for s in log.steps_after(seen)]
        # in order, none twice (a reader that falls behind by RECENT steps misses the ones
        # folded meanwhile: the run file, fed by the sink, never does)
        assert new == list(range(new[0], new[0] + len(new))) if new else True
        assert not new or new[0] > seen
        seen = new[-1] if new else seen
    writer.join()
    assert log.count == 5000 and log.steps()[-1].step == 5000


def test_a_job_that_fails_after_its_run_folder_exists_says_so_on_disk(tmp_path, monkeypatch):
    def broken_loop(*args, **kwargs):
        raise RuntimeError("the loop broke")

    monkeypatch.setattr("playground.engine.loop.run", broken_loop)  # our own loop, not torch
    job = run(job_of(runs_dir=tmp_path))
    assert job.status is Status.FAILED and "the loop broke" in job.message
    (saved,) = list_runs(tmp_path)
    assert saved.summary["status"] == "failed" and "the loop broke" in saved.summary["message"]


def test_fine_tuning_starts_from_given_weights_and_trains_on_extra_examples(executor):
    torch.manual_seed(5)
    start = {k: v.clone() for k, v in models.build(MLP).state_dict().items()}
    config = TrainConfig(**{**QUICK.to_dict(), "lr": 1e-6, "train_limit": 256})
    extra = (torch.full((10, 1, 28, 28), 255, dtype=torch.uint8), torch.full((10,), 3), 4)
    job = run(job_of(config, initial_weights=start, extra=extra))
    assert job.status is Status.FINISHED
    assert job.steps_per_epoch == -(-(256 + 40) // config.batch_size)  # 40 extra images
    weights = job.latest_weights()[1]
    for name, value in start.items():  # a learning rate of ~0 leaves the given weights
        torch.testing.assert_close(weights[name], value)


def test_starting_weights_that_do_not_fit_fail_in_words(executor):
    wrong = models.build(ModelSpec.from_preset("seed-cnn")).state_dict()
    job = run(job_of(initial_weights=wrong))
    assert job.status is Status.FAILED and "starting weights do not fit" in job.message


def test_a_run_stopped_in_its_first_epoch_says_the_same_on_its_card_and_its_row(tmp_path):
    from playground.serving import live_view

    config = TrainConfig(**{**ENDLESS.to_dict(), "epochs": 2})
    job = job_of(config, runs_dir=tmp_path)
    job.start()
    wait_for(lambda: len(job.log.steps()) >= 3)
    running = live_view.build(job, ("a", 1)).numbers[0]
    assert (running.label, running.value) == ("Epoch", "1 / 2")  # the epoch it trains
    job.stop()
    assert job.wait(30) and job.status is Status.STOPPED and not job.log.epochs()
    card = live_view.build(job, ("a", 2)).numbers[0]
    row = job.task.table_row(load_run(job.run_dir))
    assert card.value == row["epochs"] == "0 / 2"
    assert card.help == "Stopped during epoch 1: 0 complete."
