"""The shared server: owners, one fair queue, the limits, watch links, and run folders' owners."""

import os
import time

import pytest
import torch

from playground.engine import owners
from playground.engine.metrics import Status
from playground.engine.owners import NotAllowed
from playground.engine.records import SpecError
from playground.engine.settings import ServerSettings
from playground.exchange import quota, run_files, runs
from playground.serving.jobs import TrainingJob
from playground.serving.manager import JobManager, Refused, WatchedJob
from playground.tasks.image import models
from playground.tasks.image.recipe import TrainConfig
from tests.test_fit import GROWING
from tests.test_jobs import MLP, QUICK, wait_for

LONG = TrainConfig(**{**QUICK.to_dict(), "epochs": 200})
ADA, BOB, CY = (owners.browser_owner(owners.new_key()) for _ in range(3))


@pytest.fixture
def server(tmp_path):
    """A manager with one slot, whose jobs are all stopped at the end of the test."""
    made = []

    def make(**settings) -> JobManager:
        manager = JobManager(ServerSettings(jobs_at_once=1, **settings), runs_dir=tmp_path)
        made.append(manager)
        return manager

    yield make
    for manager in made:
        for job in manager.jobs():
            job.stop()
            job.wait(30)


def job_of(owner, config=LONG, spec=MLP, runs_dir=None) -> TrainingJob:
    return TrainingJob(spec, config, owner=owner, runs_dir=runs_dir)


def test_one_job_per_owner_and_a_first_come_queue_across_owners(server):
    manager = server()
    ada = job_of(ADA)
    manager.submit(ada)
    wait_for(lambda: ada.log.last_step() is not None)
    with pytest.raises(Refused, match="You already have a job training"):
        manager.submit(job_of(ADA))
    assert "already have a job training" in manager.busy_reason(ADA)
    bob, cy = job_of(BOB), job_of(CY)
    manager.submit(bob)
    manager.submit(cy)
    assert bob.status is Status.QUEUED and manager.busy_reason(BOB).startswith(
        "You already have a job waiting"
    )
    assert [manager.spot(j).position for j in (bob, cy)] == [1, 2]
    assert manager.spot(ada) is None
    # the estimate: the running job's time left, then bob's whole run, for cy
    spot_bob, spot_cy = manager.spot(bob), manager.spot(cy)
    assert 0 < spot_bob.seconds < spot_cy.seconds
    manager.control(BOB, bob.id).stop()  # Cancel
    assert bob.status is Status.STOPPED and bob.message == "Cancelled before it started."
    assert manager.spot(cy).position == 1 and manager.busy_reason(BOB) is None
    manager.control(ADA, ada.id).stop()
    wait_for(lambda: cy.status is Status.RUNNING)


def test_nobody_but_the_owner_controls_a_job(server):
    manager = server()
    ada = job_of(ADA)
    manager.submit(ada)
    wait_for(lambda: ada.log.last_step() is not None)
    assert manager.owned(BOB, ada.id) is None and manager.jobs_of(BOB) == []
    for who in (BOB, None):
        with pytest.raises(NotAllowed, match="belongs to someone else"):
            manager.control(who, ada.id)
        with pytest.raises(NotAllowed):
            manager.share(who, ada.id)
    assert ada.status is Status.RUNNING
    assert manager.control(ADA, ada.id) is ada


def test_a_watch_link_reads_a_job_and_cannot_steer_it(server, tmp_path):
    manager = server()
    ada = job_of(ADA, runs_dir=tmp_path)
    manager.submit(ada)
    token = manager.share(ADA, ada.id)
    assert owners.is_token(token) and manager.share(ADA, ada.id) == token  # made once
    watched = manager.watched(token)
    assert isinstance(watched, WatchedJob) and watched.id == ada.id
    wait_for(lambda: watched.log.last_step() is not None)
    for forbidden in ("stop", "pause", "set_lr", "controls", "share"):
        with pytest.raises(AttributeError, match="watchers cannot control"):
            getattr(watched, forbidden)
    with pytest.raises(AttributeError):
        watched.name = "mine now"
    assert manager.watched("no-such-token-at-all") is None
    # the run folder keeps the token: the link still works after the job has gone
    wait_for(lambda: ada.run_dir is not None)
    manager.control(ADA, ada.id).stop()
    ada.wait(30)
    shared = runs.find_shared(token, tmp_path)
    assert shared.path == ada.run_dir and shared.owner == ADA


def test_the_queue_has_a_cap(server):
    manager = server(queue_cap=1)
    manager.submit(job_of(ADA))
    manager.submit(job_of(BOB))
    with pytest.raises(Refused, match=r"The queue is full \(1 jobs are waiting"):
        manager.submit(job_of(CY))


def test_a_job_stops_at_the_time_limit_and_keeps_its_run(server, tmp_path):
    manager = server(job_minutes=1.5 / 60)
    job = job_of(ADA, runs_dir=tmp_path)
    manager.submit(job)
    assert job.wait(60) and job.status is Status.STOPPED
    assert job.message.startswith("Stopped: time limit (this server allows 2 s a job)")
    assert "run and weights are kept" in job.message
    run = runs.load_run(job.run_dir)
    assert run.has_weights and run.summary["status"] == "stopped" and run.owner == ADA
    assert 1.0 < job.summary["train_seconds"] < 10


def test_a_paused_job_stops_after_the_pause_limit_and_frees_its_slot(server):
    manager = server(pause_minutes=1 / 60)
    ada, bob = job_of(ADA), job_of(BOB)
    manager.submit(ada)
    manager.submit(bob)
    wait_for(lambda: ada.log.last_step() is not None)
    manager.control(ADA, ada.id).pause()
    assert ada.status is Status.PAUSED
    assert ada.wait(30) and ada.status is Status.STOPPED
    assert "paused for 1 s, so its slot went to the next job" in ada.message
    wait_for(lambda: bob.status is Status.RUNNING)


def test_the_memory_budget_refuses_a_job_before_it_queues(server):
    manager = server()
    with pytest.raises(SpecError, match="Layer 100"):
        manager.submit(job_of(ADA, TrainConfig(dataset="mnist-sample"), GROWING))
    assert manager.jobs() == []


def test_a_full_disk_quota_refuses_a_new_job_and_deletes_nothing(server, tmp_path):
    manager = server(disk_quota_mb=0.01)  # about 10 KB
    old = run_files.RunWriter(tmp_path, "old", MLP, QUICK, owner=ADA)
    old.save_weights(models.build(MLP).state_dict())
    with pytest.raises(Refused, match=r"Your runs take .* of the 10 KB each person may keep"):
        manager.submit(job_of(ADA, runs_dir=tmp_path))
    assert old.path.exists()
    manager.submit(job_of(BOB, runs_dir=tmp_path))  # the quota is per person


def test_jobs_at_once_follow_the_gpu_memory_and_the_cap():
    gb = 2**30
    assert ServerSettings().running_limit(None) == 1
    assert ServerSettings(memory_budget_mb=2048).running_limit(10 * gb) == 4  # 8 GB / 2 GB
    assert ServerSettings(memory_budget_mb=2048).running_limit(141 * gb) == 4  # the cap
    assert ServerSettings(memory_budget_mb=2048, gpu_jobs_cap=16).running_limit(141 * gb) == 16
    assert ServerSettings(memory_budget_mb=4096).running_limit(4 * gb) == 1
    assert ServerSettings(jobs_at_once=3).running_limit(None) == 3


# --- run folders: owners, examples, sharing, copies, retention --------------------------------


def finished_run(root, owner, name="r"):
    writer = run_files.RunWriter(root, name, MLP, QUICK, owner=owner)
    writer.save_weights(models.build(MLP).state_dict())
    writer.finish({"status": "finished"})
    return runs.load_run(writer.path)


def test_people_see_their_own_runs_and_the_examples(tmp_path):
    mine, theirs = finished_run(tmp_path, ADA, "a"), finished_run(tmp_path, BOB, "b")
    example = finished_run(tmp_path, None, "cli")
    assert {r.path for r in runs.visible_runs(ADA, tmp_path)} == {mine.path, example.path}
    assert {r.path for r in runs.visible_runs(None, tmp_path)} == {example.path}
    with pytest.raises(NotAllowed, match="belongs to someone else"):
        runs.delete_run(theirs, ADA)
    with pytest.raises(NotAllowed, match="an example that everyone shares"):
        runs.delete_run(example, ADA)
    with pytest.raises(NotAllowed):
        runs.share_run(theirs, ADA)
    runs.delete_run(mine, ADA)
    assert not mine.path.exists() and theirs.path.exists() and example.path.exists()


def test_a_run_made_before_owners_is_an_example(tmp_path):
    run = finished_run(tmp_path, ADA)
    (run.path / run_files.ACCESS).unlink()
    assert runs.load_run(run.path).owner is None


def test_a_shared_run_is_found_by_its_token_and_copied_into_the_watchers_runs(tmp_path):
    run = finished_run(tmp_path, ADA)
    token = runs.share_run(run, ADA)
    assert runs.share_run(runs.load_run(run.path), ADA) == token
    found = runs.find_shared(token, tmp_path)
    assert found.path == run.path and runs.find_shared("../../etc", tmp_path) is None
    copy = quota.copy_run(found, BOB, tmp_path)
    assert copy.owner == BOB and copy.share is None and copy.path != run.path
    for name, tensor in run.weights().items():
        torch.testing.assert_close(copy.weights()[name], tensor)
    assert runs.load_run(run.path).owner == ADA  # the original is untouched


def test_disk_usage_counts_only_the_owners_runs(tmp_path):
    a = finished_run(tmp_path, ADA)
    finished_run(tmp_path, BOB)
    assert quota.disk_usage(ADA, tmp_path) == quota.folder_size(a.path) > 0


def test_retention_deletes_old_runs_of_people_and_keeps_examples(tmp_path):
    old, example = finished_run(tmp_path, ADA, "old"), finished_run(tmp_path, None, "ex")
    new = finished_run(tmp_path, BOB, "new")
    long_ago = time.time() - 10 * 86400
    for run in (old, example):
        os.utime(run.path / "config.json", (long_ago, long_ago))
    assert runs.expire_runs(7, tmp_path) == [old.name]
    assert example.path.exists() and new.path.exists()


def test_a_restart_says_what_happened_to_waiting_and_training_jobs(server, tmp_path):
    manager = server()
    ada, bob = job_of(ADA, runs_dir=tmp_path), job_of(BOB, runs_dir=tmp_path)
    manager.submit(ada)
    manager.submit(bob)
    wait_for(lambda: len(ada.log.epochs()) >= 1 and (ada.run_dir / run_files.WEIGHTS).exists())
    # the server stops here; the next one starts with the same runs folder
    again = JobManager(ServerSettings(), runs_dir=tmp_path)
    (training,) = again.restart_notes(ADA)
    assert "while your job mlp was training" in training and "last finished epoch" in training
    (waiting,) = again.restart_notes(BOB)
    assert "was waiting in the queue, and the queue was lost: start it again" in waiting
    assert again.restart_notes(ADA) == [] and again.restart_notes(CY) == []  # said once
    run = runs.load_run(ada.run_dir)
    assert run.summary["status"] == "interrupted" and run.has_weights
    assert JobManager(ServerSettings(), runs_dir=tmp_path).restart_notes(ADA) == []
