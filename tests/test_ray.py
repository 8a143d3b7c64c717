"""Jobs on a Ray cluster: where they land, a worker that dies, a web server that restarts, and
the CLI. (tests/test_jobs.py runs the job contract against the cluster too.)"""

import json
import subprocess
import sys
import textwrap
import time

from playground.engine import owners
from playground.engine.metrics import Status
from playground.engine.settings import ServerSettings
from playground.exchange import run_files, runs
from playground.serving.manager import JobManager
from playground.tasks.image.recipe import TrainConfig
from tests.test_jobs import MLP, QUICK, wait_for

LONG = TrainConfig(**{**QUICK.to_dict(), "epochs": 200})
ADA = owners.browser_owner(owners.new_key())


def test_a_dead_worker_fails_its_job_keeps_its_run_and_spares_the_other(ray_cluster, tmp_path):
    import ray

    victim = ray_cluster(MLP, LONG, runs_dir=tmp_path, cpus=1)
    other = ray_cluster(MLP, TrainConfig(**{**QUICK.to_dict(), "epochs": 3}), cpus=1)
    victim.start()
    other.start()
    wait_for(lambda: victim.run_dir and (victim.run_dir / run_files.WEIGHTS).exists(), timeout=120)
    ray.kill(victim._actor)  # the worker's process dies
    assert victim.wait(60) and victim.status is Status.FAILED
    assert "The worker training this job went away" in victim.message
    assert "weights of its last finished epoch" in victim.message
    run = runs.load_run(victim.run_dir)
    assert run.summary["status"] == "failed" and run.has_weights and run.log().steps()
    assert other.wait(120) and other.status is Status.FINISHED, other.message
    assert other.summary["test_accuracy"] > 0.5 and other.node and "cpu" in other.device


def test_a_restarted_web_server_finds_its_running_job_with_owner_and_run(ray_cluster, tmp_path):
    settings = ServerSettings(ray_cpus_per_job=1)
    first = JobManager(settings, runs_dir=tmp_path, ray_address="local")
    job = first.new_job(MLP, LONG, runs_dir=tmp_path, owner=ADA, name="mine")
    first.submit(job)
    token = first.share(ADA, job.id)
    wait_for(lambda: len(job.log.epochs()) >= 1, timeout=120)
    job.detach()  # the web server goes away; the worker trains on
    job.wait(30)
    seen = job.log.count

    again = JobManager(settings, runs_dir=tmp_path, ray_address="local")
    (found,) = again.jobs_of(ADA)
    assert (found.id, found.name, found.share_token, found.run_dir) == (
        job.id,
        "mine",
        token,
        job.run_dir,
    )
    assert again.watched(token).id == job.id and again.restart_notes(ADA) == []
    wait_for(lambda: found.log.count > seen + 5, timeout=60)  # still training, mirrored here
    again.control(ADA, found.id).stop()
    assert found.wait(60) and found.status is Status.STOPPED
    steps = [s.step for s in runs.load_run(found.run_dir).log().steps()]
    assert steps == sorted(set(steps)) and steps[-1] >= seen  # one run, no step twice


def test_jobs_waiting_for_a_worker_say_so_with_their_place(ray_cluster, tmp_path):
    settings = ServerSettings(ray_cpus_per_job=2, jobs_at_once=3)  # the cluster has 2 CPUs
    manager = JobManager(settings, runs_dir=tmp_path, ray_address="local")
    first = manager.new_job(MLP, LONG, owner=ADA)
    second = manager.new_job(MLP, QUICK, owner=owners.browser_owner(owners.new_key()))
    manager.submit(first)
    wait_for(lambda: first.log.last_step() is not None, timeout=120)  # it trains
    manager.submit(second)
    wait_for(lambda: second.message == "Waiting for a worker.", timeout=60)
    assert second.status is Status.QUEUED and manager.spot(second).position == 1
    second.stop()  # Cancel, while no worker has room for it
    assert second.wait(30) and "Cancelled while waiting for a worker" in second.message
    first.stop()
    assert first.wait(60)


TWO_NODES = textwrap.dedent(
    """
    import json
    from ray.cluster_utils import Cluster
    from playground.serving import ray_jobs
    from playground.tasks.image.recipe import TrainConfig
    from playground.tasks.image.specs import ModelSpec

    head = {"num_cpus": 1, "resources": {"head": 1}}
    cluster = Cluster(initialize_head=True, head_node_args=head)
    cluster.add_node(num_cpus=1, resources={"second": 1})  # a second machine, simulated
    ray_jobs.connect(cluster.address)
    config = TrainConfig(dataset="mnist-sample", epochs=2, train_limit=1000, batch_size=64)
    jobs = [ray_jobs.RayJob(ModelSpec.from_preset("mlp"), config, cpus=1) for _ in range(2)]
    for job in jobs:
        job.start()
    for job in jobs:
        job.wait(300)
    print(json.dumps([[j.status.value, j.node] for j in jobs]))
    import ray

    ray.shutdown()
    cluster.shutdown()
    """
)


def test_jobs_land_on_both_nodes_of_a_two_node_cluster(tmp_path):
    out = subprocess.run([sys.executable, "-c", TWO_NODES], capture_output=True, text=True,
                         timeout=600, cwd=tmp_path, env=_env())  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    (a_status, a_node), (b_status, b_node) = json.loads(out.stdout.strip().splitlines()[-1])
    assert a_status == b_status == "finished" and a_node and b_node and a_node != b_node


def test_the_cli_trains_on_a_cluster(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "playground", "train", "--ray", "local", "--preset", "mlp",
         "--dataset", "mnist-sample", "--epochs", "2", "--train-limit", "1000",
         "--out", str(tmp_path), "--json"],
        capture_output=True, text=True, timeout=600, env=_env(),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    assert summary["status"] == "finished" and summary["test_accuracy"] > 0.3  # chance: 0.1
    assert summary["node"] and summary["device"].startswith("cpu")
    (run,) = runs.list_runs(tmp_path)
    assert run.summary["node"] == summary["node"] and run.log().epochs()


def _env() -> dict:
    import os
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    return {**os.environ, "PYTHONPATH": str(root)}


UNREACHABLE = textwrap.dedent(
    """
    from tests.test_app import open_page, shown

    app = open_page("app_pages/train.py")
    print(" ".join(shown(e) for e in app.error))
    """
)


def test_a_cluster_that_cannot_be_reached_is_a_message_on_the_page(tmp_path):
    # in a process of its own: this one is connected to the test session's cluster
    env = {**_env(), "PLAYGROUND_RAY_ADDRESS": "127.0.0.1:1", "PLAYGROUND_RUNS_DIR": str(tmp_path)}
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-c", UNREACHABLE], capture_output=True, text=True,
                         timeout=120, env=env, cwd=_env()["PYTHONPATH"])  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    assert "The Ray cluster at 127.0.0.1:1 cannot be reached" in out.stdout
    assert "unset PLAYGROUND_RAY_ADDRESS" in out.stdout
    assert time.monotonic() - started < 60
