"""A job's weight history: the moments it keeps (before training, early steps, each epoch),
bounded in memory, saved with the run and read back as it was; for a live job and a run."""

import itertools

import pytest
import torch

from playground.engine import history
from playground.engine.history import WeightHistory
from playground.exchange import runs
from playground.serving.jobs import TrainingJob
from playground.tasks.image.recipe import TrainConfig
from tests.test_jobs import MLP


def test_a_job_keeps_its_weights_before_training_early_on_and_at_each_epoch(tmp_path):
    config = TrainConfig(dataset="mnist-sample", epochs=2, batch_size=64, train_limit=2000)
    job = TrainingJob(MLP, config, runs_dir=tmp_path)
    job.start()
    assert job.wait(120) and job.status.value == "finished", job.message
    moments = [s.label for s in job.history.snapshots()]
    assert moments == ["before training", "step 1", "step 5", "step 20", "epoch 1", "epoch 2"]
    first, last = job.history.snapshots()[0], job.history.snapshots()[-1]
    assert not torch.equal(first.state["1.0.weight"], last.state["1.0.weight"])  # it learned
    assert torch.equal(last.state["1.0.weight"], job.latest_weights()[1]["1.0.weight"])

    saved = runs.load_run(job.run_dir).history()
    assert [(s.step, s.epoch, s.label) for s in saved] == [
        (s.step, s.epoch, s.label) for s in job.history.snapshots()
    ]
    for a, b in zip(saved, job.history.snapshots(), strict=True):
        assert all(torch.equal(a.state[k], b.state[k]) for k in b.state)


def test_the_history_is_bounded_and_stays_spread_over_the_run():
    h = WeightHistory()
    state = {"w": torch.zeros(1000)}
    for epoch in range(1, 201):
        h.add(epoch * 10, epoch, state, epoch_end=True)
    kept = h.snapshots()
    assert len(kept) <= history.MAX_SNAPSHOTS
    assert kept[0].epoch == 1 and kept[-1].epoch == 200
    gaps = [b.epoch - a.epoch for a, b in itertools.pairwise(kept)]
    assert max(gaps) <= 4 * min(gaps)


def test_big_models_keep_fewer_snapshots(monkeypatch):
    h = WeightHistory()
    big = {"w": torch.zeros(history.MAX_BYTES // 4 // 3)}  # a third of the budget each
    for epoch in range(10):
        h.add(epoch, epoch, big, epoch_end=True)
    assert len(h) <= 3


def test_a_damaged_history_file_is_no_history(tmp_path):
    (tmp_path / history.FILE).write_bytes(b"not safetensors")
    assert history.load(tmp_path) == []


@pytest.mark.parametrize("n", [0, 1])
def test_saving_nothing_or_one_moment(tmp_path, n):
    h = WeightHistory()
    if n:
        h.add(0, 0, {"w": torch.ones(3)}, epoch_end=False)
    history.save(h, tmp_path)
    assert [s.label for s in history.load(tmp_path)] == ["before training"] * n
