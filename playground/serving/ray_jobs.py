"""Training jobs on a Ray cluster: the same job, trained by an actor on a worker.

`RayJob` is a `TrainingJob` whose thread, in the app, drives a `Trainer` actor instead of
training: pages read its status, message, log and newest weights and steer it exactly as they
steer a job in a thread. The actor holds an ordinary TrainingJob (its own training thread, no
run folder), so control and polling calls answer while it trains. The app's thread asks for the
records added since its last poll about twice a second and writes them to the run folder here:
the cluster needs no shared file system. It fetches weights at each epoch's end (so the run keeps
them if a worker dies) and whenever a page asks for a newer version than it has.

Data: the app loads the dataset (data.load, on the CPU) once per split and puts it in Ray's
object store; workers read it from there. They then need no data folder and no network, and every
job trains on the split that the app itself shows.

Actors are named and detached: a web server that restarts finds its jobs again (`reattach`),
with their owners and run folders. Ray is imported only when a cluster is asked for.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
import threading
import time
from pathlib import Path
from typing import Any

import torch

from playground import PACKAGE
from playground.engine import history
from playground.engine.i18n import N_, Text
from playground.engine.metrics import Status
from playground.engine.task import DEFAULT as DEFAULT_TASK
from playground.engine.task import Task
from playground.engine.task import named as task_named
from playground.exchange.run_files import RunWriter
from playground.exchange.runs import load_run
from playground.serving.jobs import JobFailed, TrainingJob
from playground.serving.ray_worker import Trainer

NAMESPACE = "playground"
POLL_SECONDS = 0.5
CALL_SECONDS = 30.0  # a worker that does not answer a call in this long has gone
logger = logging.getLogger(__name__)
_ray: Any = None  # the ray module, once connected
_data_refs: dict[tuple, Any] = {}  # (dataset, val_fraction, train_limit) -> object ref
_data_lock = threading.Lock()

WAITING, CANCELLED = N_("Waiting for a worker."), N_("Cancelled while waiting for a worker.")


class ClusterUnavailable(RuntimeError):
    """The cluster cannot be reached; `str()` says so in words."""


def connect(address: str) -> None:
    """Join the Ray cluster at `address`: 'auto' (one started with `ray start` on this machine),
    'ray://host:10001' (a remote one), or 'local' (start one here, as big as this machine)."""
    global _ray
    try:
        import ray
    except ImportError:
        raise ClusterUnavailable(
            Text("Ray is not installed: pip install -r requirements.txt.")
        ) from None
    if ray.is_initialized():
        _ray = ray
        return
    options = dict(
        namespace=NAMESPACE,
        runtime_env={"py_modules": [str(PACKAGE)]},  # the workers import this very playground
        logging_level=logging.WARNING,
        log_to_driver=False,
        configure_logging=False,
    )
    try:
        if address == "local":
            ray.init(num_cpus=os.cpu_count(), include_dashboard=False, **options)
        else:
            _answers(address)  # Ray itself would wait minutes for a cluster that is not there
            ray.init(address=address, **options)
    except Exception as e:  # Ray raises ConnectionError, RuntimeError and its own types
        raise ClusterUnavailable(
            Text(
                "The Ray cluster at {address} cannot be reached ({name__}: {value}). "
                "Start it (README: Many users: a Ray cluster), or unset "
                "PLAYGROUND_RAY_ADDRESS to train in this server.",
                address=address,
                name__=type(e).__name__,
                value=str(e).splitlines()[0] if str(e) else "no answer",
            )
        ) from None
    _ray = ray


def _answers(address: str, seconds: float = 5.0) -> None:
    """Raise ConnectionError unless something listens at the cluster's address."""
    if address == "auto":
        from ray._private.services import canonicalize_bootstrap_address

        address = canonicalize_bootstrap_address("auto") or ""
        if not address:
            raise ConnectionError("no cluster was started on this machine with `ray start`")
    host, _, port = address.removeprefix("ray://").rpartition(":")
    try:
        socket.create_connection((host or "127.0.0.1", int(port)), timeout=seconds).close()
    except (OSError, ValueError) as e:
        raise ConnectionError(f"nothing answers at {address}") from e


def capacity(cpus_per_job: float, gpus_per_job: float) -> int:
    """How many jobs the cluster can train at once with these resources each."""
    total = _ray.cluster_resources()
    if gpus_per_job:
        return max(1, int(total.get("GPU", 0) / gpus_per_job))
    return max(1, int(total.get("CPU", 1) / max(cpus_per_job, 0.01)))


_actor_classes: list = []


def _actor_class():
    """Trainer as a Ray actor class (made once): threaded, so that polls and controls answer
    while another call is served."""
    if not _actor_classes:
        _actor_classes.append(_ray.remote(Trainer))
    return _actor_classes[0]


class RayJob(TrainingJob):
    """A job trained on the cluster; in the app, everything a TrainingJob is."""

    def __init__(self, *args, cpus: float = 2.0, gpus: float = 0.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.cpus, self.gpus = cpus, gpus
        self.node: str = ""
        self._actor = None
        self._remote_version = 0
        self._fetched = 0
        self._attached: dict | None = None  # the description of an actor found after a restart
        self._detached = threading.Event()
        self._message = WAITING
        self._held = False  # the worker's loop waits in a pause (its last poll said so)

    @property
    def held(self) -> bool:
        return self._held and self.controls.paused

    def detach(self) -> None:
        """Stop mirroring (the web server goes away) and leave the job training on the cluster,
        where the next server finds it."""
        self._detached.set()

    # --- controls reach the worker at once, and again with every poll ----------------------

    def pause(self) -> None:
        super().pause()
        self._tell()

    def resume(self) -> None:
        super().resume()
        self._tell()

    def stop(self) -> None:
        super().stop()
        self._tell()

    def set_lr(self, lr: float) -> None:
        super().set_lr(lr)
        self._tell()

    def share(self) -> str:
        token = super().share()
        if self._actor is not None and not self.status.ended:
            with contextlib.suppress(Exception):
                self._actor.share.remote(token)
        return token

    def _wanted(self) -> dict:
        c = self.controls
        return {"paused": c.paused, "stopped": c.stopped, "lr": c.lr}

    def _tell(self) -> None:
        if self._actor is not None and not self.status.ended:
            with contextlib.suppress(Exception):  # a worker that is gone: the poll says so
                self._actor.poll.remote(1 << 62, 1 << 30, self._wanted())

    def latest_weights(self) -> tuple[int, dict[str, torch.Tensor]] | None:
        """The newest snapshot, fetched from the worker only when it has a newer one."""
        if self._actor is not None and self._remote_version > self._fetched:
            self._fetch_weights()
        return super().latest_weights()

    def _fetch_weights(self) -> dict | None:
        try:
            found = _ray.get(self._actor.weights.remote(), timeout=CALL_SECONDS)
        except Exception:  # the worker went away: the poll says so
            return None
        if found is not None:
            with self._lock:
                self._weights_version, self._weights = found
                self._fetched = found[0]
        return found[1] if found else None

    # --- the app's thread: start the actor, then mirror it ---------------------------------

    def _train(self) -> None:
        try:
            about = self._about()
            if self._attached is None:
                writer = self._open_run()
                about["run"] = writer.path.name if writer else None  # for a server that restarts
                self._actor = self._create(about)
            else:
                writer = self._writer
            self._mirror(writer)
        except JobFailed:
            raise
        except Exception as e:
            if not type(e).__module__.startswith("ray"):
                raise
            raise JobFailed(
                Text(
                    "The Ray cluster could not be reached ({name__}): this job stopped. Its "
                    "run keeps what it had trained; try again when the cluster is back.",
                    name__=type(e).__name__,
                )
            ) from None

    def _about(self) -> dict:
        return self._attached or {
            "id": self.id, "name": self.name, "owner": self.owner, "spec": self.spec.to_dict(),
            "config": self.config.to_dict(), "share": self.share_token, "created": self.created,
            "task": self.task.name,
        }  # fmt: skip

    def _create(self, about: dict):
        if self.extra is not None:  # a person's own data travels with this job only
            dataset = _ray.put(self.task.load_data(self.config, self.data_dir, self.mirrors,
                                                   "cpu", self.extra))  # fmt: skip
        else:
            dataset = _dataset_ref(self.task, self.config, self.data_dir, self.mirrors)
        actor = _actor_class().options(
            name=f"job-{self.id}", namespace=NAMESPACE, lifetime="detached",
            num_cpus=self.cpus, num_gpus=self.gpus, max_restarts=0,
        )  # fmt: skip
        c = self.controls  # a group's member gets what is left of the group's time
        left = c.seconds_left()
        limits = (left if left is not None else c.time_limit, c.pause_limit, c.memory_budget)
        created = actor.remote(about, self.task, dataset, self.initial_weights, limits,
                               int(self.cpus) or 1)  # fmt: skip
        self._set(Status.QUEUED, WAITING)
        return created

    def _mirror(self, writer: RunWriter | None) -> None:
        """Poll until the worker's job ends; copy what it reports here."""
        last_step = self.log.last_step().step if self.log.last_step() else 0
        saved_epochs = len(self.log.epochs())
        while not self._detached.is_set():
            try:
                notes = self.log.notes()
                seen = notes[-1].step if notes else -1
                asked = self._actor.poll.remote(
                    last_step, len(self.log.epochs()), self._wanted(), seen
                )
                state = _ray.get(
                    asked, timeout=CALL_SECONDS if self.status is not Status.QUEUED else 5.0
                )
            except _ray.exceptions.GetTimeoutError:
                if self.status is not Status.QUEUED:
                    raise JobFailed(_lost(N_("stopped answering"))) from None
                if self.controls.stopped:  # cancelled while no worker had room for it
                    _ray.kill(self._actor)
                    self._finish_run({"status": "stopped", "message": CANCELLED}, None)
                    return
                continue  # no worker has room yet: still waiting
            except _ray.exceptions.RayActorError:
                raise JobFailed(_lost(N_("went away (its process or machine stopped)"))) from None
            except _ray.exceptions.RaySystemError as e:
                raise JobFailed(Text("The Ray cluster went away ({e}).", e=e)) from None
            status = Status(state["status"])
            if not status.ended and (status, state["message"]) != (self._status, self._message):
                self._set(status, state["message"])  # before the records: readers see both
            self.steps_per_epoch = state["steps_per_epoch"]  # before the steps that need it
            self.device, self.node = state["device"], state["node"]
            for record in state["steps"] + state["epochs"] + state.get("notes", []):
                self.log.add(record)
            self._held = state.get("held", False)  # after its records: a reader sees both
            if state["steps"]:
                last_step = state["steps"][-1].step
            self._remote_version = state["weights_version"]
            epochs = len(self.log.epochs())
            if epochs > saved_epochs:  # each epoch's weights survive a lost worker
                weights = self._fetch_weights()
                if weights is not None:
                    self.history.add(last_step, epochs, weights, epoch_end=True)
                    if writer:
                        writer.save_weights(weights)
                        history.save(self.history, writer.path)
                    saved_epochs = epochs
            if status.ended:
                self._finish_remote(state)
                return
            time.sleep(POLL_SECONDS)

    def _finish_remote(self, state: dict) -> None:
        weights = self._fetch_weights() if self._remote_version > self._fetched else None
        if weights is None:
            latest = super().latest_weights()
            weights = latest[1] if latest else None
        summary = {**state["summary"], "node": self.node, "device": self.device}
        summary.setdefault("status", state["status"])
        summary.setdefault("message", state["message"])
        try:
            self._finish_run(summary, weights)
        finally:
            _ray.kill(self._actor)  # a detached actor would hold its worker forever
            self._actor = None

    def _record_failure(self) -> None:
        super()._record_failure()
        if self._actor is not None and self.status is Status.FAILED:
            with contextlib.suppress(Exception):  # already gone
                _ray.kill(self._actor)
            self._actor = None


def _lost(what: str) -> str:
    return Text(
        "The worker training this job {what}. The run keeps its records and "
        "the weights of its last finished epoch; start it again to train "
        "further.",
        what=what,
    )


def _dataset_ref(task: Task, config, data_dir, mirrors):
    """The job's data in the object store, put there once per split of a dataset."""
    key = (task.name, task.data_key(config), str(data_dir))
    with _data_lock:
        if key not in _data_refs:
            _data_refs[key] = _ray.put(task.load_data(config, data_dir, mirrors, "cpu"))
        return _data_refs[key]


def reattach(runs_dir: str | Path, **resources) -> list[RayJob]:
    """The jobs whose actors are still on the cluster (after the web server restarted), each
    with its owner, watch token and run folder, mirrored again."""
    found = []
    for entry in _ray.util.list_named_actors(all_namespaces=True):
        if entry.get("namespace") != NAMESPACE or not entry["name"].startswith("job-"):
            continue
        try:
            actor = _ray.get_actor(entry["name"], namespace=NAMESPACE)
            about = _ray.get(actor.describe.remote(), timeout=CALL_SECONDS)
            job = _reattached(about, actor, Path(runs_dir), resources)
        except Exception:
            logger.warning("could not reattach %s", entry["name"], exc_info=True)
            continue
        found.append(job)
    return found


def _run_folder(runs_dir: Path, name: object) -> Path | None:
    """The run folder an actor names, taken by its name only and only inside the runs folder
    (an actor's description comes from the cluster, not from this server)."""
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,80}", name):
        return None
    folder = runs_dir / name
    if folder.resolve().parent != runs_dir.resolve() or not folder.is_dir():
        return None
    return folder


def _reattached(about: dict, actor, runs_dir: Path, resources: dict) -> RayJob:
    task = task_named(about.get("task", DEFAULT_TASK))
    job = RayJob(
        task.spec_from_dict(about["spec"]), task.config_from_dict(about["config"]),
        name=about["name"], owner=about["owner"], runs_dir=runs_dir, task=task, **resources,
    )  # fmt: skip
    job.id, job.created, job.share_token = about["id"], about["created"], about.get("share")
    job._actor, job._attached = actor, about
    folder = _run_folder(runs_dir, about.get("run"))
    if folder is not None:
        run = load_run(folder)
        for record in run.log().steps() + run.log().epochs() + run.log().notes():
            job.log.add(record)
        job.log.flush()  # no writer yet: these are in the file already
        job._writer, job.run_dir = RunWriter.reopen(run.path), run.path
    state = _ray.get(actor.poll.remote(0, 0, None), timeout=CALL_SECONDS)  # as it is, untouched
    if Status(state["status"]) is Status.PAUSED:
        job.controls.pause()
    if state["summary"].get("status") is None and state.get("lr") is not None:
        job.controls.set_lr(state["lr"])
    return job
