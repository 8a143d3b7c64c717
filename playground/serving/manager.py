"""All the jobs of one server: who owns each, one fair queue, the limits, and watch links.

Jobs wait in one first-come queue across owners and start as slots free up
(`ServerSettings.running_limit`). Before a job joins the queue it must fit the memory budget,
its owner must have no other job waiting or training and room left on disk, and the queue must
have room. The time and pause limits travel with the job (controls.Controls). Controls go
through `control(owner, job_id)`, which refuses anyone but the owner; a watch link's holder gets
a `WatchedJob`, which can be read but not steered.
"""

from __future__ import annotations

import heapq
import logging
import math
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from playground.engine import owners
from playground.engine.i18n import N_, Text
from playground.engine.memory import size_text
from playground.engine.metrics import Status, time_left
from playground.engine.owners import NotAllowed, not_yours
from playground.engine.records import SpecError
from playground.engine.settings import ServerSettings
from playground.exchange import own_texts, quota, runs
from playground.serving import journal
from playground.serving.jobs import TrainingJob

RETENTION_CHECK_SECONDS = 3600.0
logger = logging.getLogger(__name__)


class Refused(SpecError):
    """A job that cannot join the queue now; `str()` says why and what to do."""


@dataclass(frozen=True)
class QueueSpot:
    position: int  # 1 = next to start
    seconds: float | None  # until it starts, estimated; None: not known yet
    at_most: bool = False  # True: `seconds` is the worst case (the jobs ahead use their limit)


class WatchedJob:
    """A job as a watch link shows it: everything a page reads, and no control."""

    _READ = frozenset(
        {"id", "name", "spec", "config", "status", "message", "active", "log", "summary",
         "data_note", "device", "total_steps", "run_dir", "created", "latest_weights",
         "inference_model", "lr", "task", "held", "kind", "plan", "snapshot", "best",
         "importances", "steps_planned"}
    )  # fmt: skip

    def __init__(self, job: TrainingJob):
        object.__setattr__(self, "_job", job)

    def __getattr__(self, name: str):
        if name in WatchedJob._READ:
            return getattr(object.__getattribute__(self, "_job"), name)
        raise AttributeError(f"a watched job has no {name!r}: watchers cannot control it")

    def __setattr__(self, name: str, value) -> None:
        raise AttributeError("a watched job cannot be changed")


class JobManager:
    """All jobs of the process: owners, the queue, at most `max_running` training at once."""

    def __init__(
        self,
        settings: ServerSettings | None = None,
        *,
        gpu_memory: int | None = None,
        runs_dir: str | Path | None = None,
        keep_ended: int = 20,
        ray_address: str | None = None,
    ):
        """`ray_address` (PLAYGROUND_RAY_ADDRESS) trains on a Ray cluster instead of in this
        process's threads; ray_jobs.ClusterUnavailable says so if it cannot be reached."""
        self.settings = settings or ServerSettings()
        self.max_running = self.settings.running_limit(gpu_memory)
        self.ray_address = ray_address
        self.runs_dir = runs_dir
        self.keep_ended = keep_ended
        self._lock = threading.Lock()
        self._jobs: dict[str, TrainingJob] = {}
        self._queue: list[TrainingJob] = []
        self._speed: dict[str, float] = {}  # task -> samples/s of its last job that trained here
        self._retention_checked = -math.inf
        self._journal_lock = threading.Lock()
        if ray_address:
            self._join_cluster(ray_address)  # jobs still on the cluster are found again
        alive = {j.id for j in self.jobs()}
        self._notes = journal.recover(self._runs_root, alive)  # the last restart, per owner
        self._save_journal()
        self._expire_old_runs()

    def _join_cluster(self, address: str) -> None:
        from playground.serving import ray_jobs  # Ray only when a cluster is asked for

        ray_jobs.connect(address)
        resources = self._resources()
        self.max_running = self.settings.jobs_at_once or ray_jobs.capacity(*resources.values())
        for job in ray_jobs.reattach(self._runs_root, **resources):  # after a restart
            self._watch(job)
            with self._lock:
                self._jobs[job.id] = job
            job.start()

    def _resources(self) -> dict:
        return {"cpus": self.settings.ray_cpus_per_job, "gpus": self.settings.ray_gpus_per_job}

    def _ray_member(self, spec, config, **kwargs) -> TrainingJob:
        from playground.serving.ray_jobs import RayJob

        return RayJob(spec, config, **kwargs, **self._resources())

    def new_job(self, spec, config, **kwargs) -> TrainingJob:
        """A job for this server's executor: a thread here, or an actor on the cluster."""
        if self.ray_address:
            from playground.serving.ray_jobs import RayJob

            return RayJob(spec, config, **kwargs, **self._resources())
        return TrainingJob(spec, config, **kwargs)

    def _watch(self, job: TrainingJob) -> None:
        job.on_end(self._job_ended)
        job.on_status(self._save_journal)

    @property
    def _runs_root(self) -> Path:
        return Path(self.runs_dir or runs.default_runs_dir())

    def restart_notes(self, owner: str | None) -> list[str]:
        """What the last restart did to `owner`'s jobs, said once."""
        with self._lock:
            return self._notes.pop(owner, []) if owner else []

    def _save_journal(self, _job: TrainingJob | None = None) -> None:
        with self._journal_lock:
            try:
                journal.write(self._runs_root, self.jobs())
            except OSError:  # it only helps to explain a restart: training goes on without it
                logger.warning("could not write the jobs journal", exc_info=True)

    # --- joining the queue ------------------------------------------------------------------

    def submit(self, job: TrainingJob) -> str:
        """Queue `job`; Refused (a sentence) if it cannot join now."""
        job.task.check(job.spec, job.config, self.settings.memory_budget_bytes)
        self._check_disk(job)
        if self.ray_address and hasattr(job, "member_job"):  # a group's members on the cluster
            job.member_job = self._ray_member
        job.set_limits(
            self.settings.job_seconds,
            self.settings.pause_seconds,
            self.settings.memory_budget_bytes,
        )
        self._watch(job)
        with self._lock:
            busy = self._busy(job.owner)
            if busy is not None:
                raise Refused(_busy_message(busy))
            cap = self.settings.queued_per_address
            from_there = [
                j
                for j in self._jobs.values()
                if job.address and j.address == job.address and not j.status.ended
            ]
            if cap and len(from_there) >= cap:
                raise Refused(
                    Text(
                        "{count} jobs from your network address are queued or training already, "
                        "the most this server takes from one address: try again when one of them "
                        "has ended.",
                        count=len(from_there),
                    )
                )
            waiting = [j for j in self._queue if j.status is Status.QUEUED]
            if len(waiting) >= self.settings.queue_cap:
                raise Refused(
                    Text(
                        "The queue is full ({count} jobs are waiting, the most this server "
                        "takes): try again when some of them have started.",
                        count=len(waiting),
                    )
                )
            self._jobs[job.id] = job
            self._queue.append(job)
        self._save_journal()
        self._pump()
        return job.id

    def _check_disk(self, job: TrainingJob) -> None:
        allowed = self.settings.disk_quota_bytes
        if job.owner is None or job.runs_dir is None:
            return
        used = quota.disk_usage(job.owner, job.runs_dir) if allowed is not None else 0
        if allowed is not None and used >= allowed:
            raise Refused(
                Text(
                    "Your runs take {used} of the {allowed} each person may keep on this "
                    "server: delete some runs (in the runs table on Train) to train again. "
                    "Nothing is deleted for you.",
                    used=size_text(used),
                    allowed=size_text(allowed),
                )
            )
        try:
            quota.check_room(
                job.owner, 0, self.settings, job.runs_dir, N_("The job was not queued")
            )
        except quota.OverQuota as e:
            raise Refused(e.message) from None

    def busy_reason(self, owner: str | None) -> str | None:
        """Why `owner` cannot start a job now (one is queued or training), or None."""
        with self._lock:
            busy = self._busy(owner)
        return None if busy is None else _busy_message(busy)

    def _busy(self, owner: str | None) -> TrainingJob | None:
        if owner is None:  # the CLI's and the tests' own jobs are not limited per owner
            return None
        return next(
            (j for j in self._jobs.values() if j.owner == owner and not j.status.ended), None
        )

    # --- who sees what ----------------------------------------------------------------------

    def get(self, job_id: str | None) -> TrainingJob | None:
        """Any job by id: for the server's own bookkeeping, never for a page's controls."""
        with self._lock:
            return self._jobs.get(job_id) if job_id else None

    def jobs(self) -> list[TrainingJob]:
        """All known jobs, newest first."""
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: j.created, reverse=True)

    def jobs_of(self, owner: str | None) -> list[TrainingJob]:
        """`owner`'s jobs, newest first."""
        return [j for j in self.jobs() if owner is not None and j.owner == owner]

    def owned(self, owner: str | None, job_id: str | None) -> TrainingJob | None:
        """The job if it is `owner`'s, else None (whether or not it exists)."""
        job = self.get(job_id)
        return job if job is not None and owner is not None and job.owner == owner else None

    def control(self, owner: str | None, job_id: str | None) -> TrainingJob:
        """The job, to pause, resume, stop, cancel or change; NotAllowed unless it is yours."""
        job = self.owned(owner, job_id)
        if job is None:
            raise not_yours(N_("job")) if self.get(job_id) else NotAllowed(N_("That job is gone."))
        return job

    def share(self, owner: str | None, job_id: str) -> str:
        return self.control(owner, job_id).share()

    def watched(self, token: str | None) -> WatchedJob | None:
        """The job whose watch link has `token`, read-only; None if no job here has it."""
        if not token:
            return None
        job = next((j for j in self.jobs() if owners.same_token(j.share_token, token)), None)
        return WatchedJob(job) if job is not None else None

    # --- the queue --------------------------------------------------------------------------

    def queued(self) -> list[TrainingJob]:
        with self._lock:
            return [j for j in self._queue if j.status is Status.QUEUED]

    def spot(self, job: TrainingJob | WatchedJob) -> QueueSpot | None:
        """Where a queued job stands and about when it starts; None if it is not queued. On a
        cluster, jobs that have started but wait for a worker come first, start unknown."""
        started = [j for j in self.jobs() if j.active]
        for_worker = sorted(
            (j for j in started if j.status is Status.QUEUED), key=lambda j: j.created
        )
        if job.id in (ids := [j.id for j in for_worker]):
            return QueueSpot(ids.index(job.id) + 1, None)
        queue = self.queued()
        ids = [j.id for j in queue]
        if job.id not in ids:
            return None
        if for_worker:
            return QueueSpot(len(for_worker) + ids.index(job.id) + 1, None)
        running = started
        free = [self._remaining(j) for j in running]
        free += [(0.0, False)] * max(0, self.max_running - len(running))
        heap = [(seconds, at_most) for seconds, at_most in free if seconds is not None]
        if len(heap) < len(free):  # a slot whose end nobody can guess
            return QueueSpot(ids.index(job.id) + 1, None)
        heapq.heapify(heap)
        for position, ahead in enumerate(queue, start=1):
            start, at_most = heapq.heappop(heap)
            if ahead.id == job.id:
                return QueueSpot(position, start, at_most)
            duration, guessed = self._duration(ahead)
            if duration is None:
                return QueueSpot(ids.index(job.id) + 1, None)
            heapq.heappush(heap, (start + duration, at_most or guessed))
        return None  # not reached: the job is in the queue

    def _remaining(self, job: TrainingJob) -> tuple[float | None, bool]:
        """(seconds until a running job ends, whether that is only its limit)."""
        left = time_left(job.log.steps(), job.total_steps)
        if left is not None:
            limit = job.seconds_left()
            return (min(left, limit), False) if limit is not None else (left, False)
        return self._duration(job)

    def _duration(self, job: TrainingJob) -> tuple[float | None, bool]:
        """(seconds a job will train, whether that is only its time limit)."""
        samples = job.task.planned_samples(job.config)
        speed = self._speed.get(job.task.name) or next(
            (
                s.samples_per_second
                for j in self.jobs()
                if j.task.name == job.task.name and (s := j.log.last_step())
            ),
            None,
        )
        limit = self.settings.job_seconds
        if speed and samples:
            guess = job.task.epochs(job.config) * samples / speed
            return (min(guess, limit), guess > limit) if limit else (guess, False)
        return (limit, True) if limit else (None, False)

    def _pump(self) -> None:
        with self._lock:
            self._queue = [j for j in self._queue if j.status is Status.QUEUED]
            busy = sum(1 for j in self._jobs.values() if j.active)
            starting = []
            while self._queue and busy < self.max_running:
                starting.append(self._queue.pop(0))
                busy += 1
        for job in starting:
            job.start()

    def _job_ended(self, job: TrainingJob) -> None:
        speed = job.summary.get("samples_per_second")
        if isinstance(speed, (int, float)) and speed > 0:
            self._speed[job.task.name] = float(speed)
        self._cleanup()
        self._pump()
        self._save_journal()
        self._expire_old_runs()

    def _cleanup(self) -> None:
        with self._lock:
            ended = sorted(
                (j for j in self._jobs.values() if j.status.ended), key=lambda j: j.created
            )
            for job in ended[: max(0, len(ended) - self.keep_ended)]:
                del self._jobs[job.id]

    def _expire_old_runs(self) -> None:
        """Delete people's runs past the retention period (at most once an hour)."""
        days = self.settings.retention_days
        if not days or time.monotonic() - self._retention_checked < RETENTION_CHECK_SECONDS:
            return
        self._retention_checked = time.monotonic()
        keep = {j.run_dir for j in self.jobs() if not j.status.ended and j.run_dir}
        runs.expire_runs(days, self.runs_dir, keep)
        own_texts.expire(days, self.runs_dir)  # people's uploaded texts go the same way


def _busy_message(job: TrainingJob) -> str:
    if job.status is Status.QUEUED:
        return Text(
            "You already have a job waiting in the queue ({name}): one job per "
            "person at a time keeps the queue fair. Cancel it to start another.",
            name=job.name,
        )
    return Text(
        "You already have a job training ({name}): one job per person at a "
        "time keeps the queue fair. Stop it, or wait for it to end, to start "
        "another.",
        name=job.name,
    )
