"""Training in the background: one TrainingJob per daemon thread (manager.py runs them), for
any task (engine/task.py): the task loads the data, builds the model and runs its loop; the job
seeds, places, publishes weights, keeps the run folder and ends every way as a status.

The thread never touches Streamlit. Pages and the CLI read `job.log` (a MetricsLog), `job.status`
and `job.latest_weights()`, and steer through `pause()`, `resume()`, `stop()` and `set_lr()`.
Every way a job can end is a status with a message: the thread never dies silently.
"""

from __future__ import annotations

import logging
import platform
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

import torch
from torch import nn

from playground.engine import cost, history, loop, owners, settings, transfer
from playground.engine.controls import Controls
from playground.engine.devices import device_name, pick_device, weights_copy
from playground.engine.history import EARLY_STEPS, WeightHistory
from playground.engine.i18n import N_, Text
from playground.engine.memory import history_bytes
from playground.engine.metrics import EpochRecord, MetricsLog, Status
from playground.engine.records import DataError, JobFailed, SpecError
from playground.engine.task import Task
from playground.engine.task import of as task_of
from playground.exchange.run_files import RunWriter, write_access

logger = logging.getLogger(__name__)


_seed_lock = threading.Lock()  # the global RNG is shared: seed and build one model at a time


class TrainingJob:
    """A model, a recipe and a thread that trains one with the other."""

    changes_lr = True  # a person may change its learning rate while it trains

    def __init__(
        self,
        spec,
        config,
        *,
        name: str | None = None,
        data_dir: str | Path | None = None,
        runs_dir: str | Path | None = None,
        mirrors: Sequence[str] | None = None,
        initial_weights: dict[str, torch.Tensor] | transfer.Start | None = None,
        extra: tuple[torch.Tensor, torch.Tensor, int] | None = None,
        owner: str | None = None,
        dataset=None,
        address: str | None = None,
        task: Task | None = None,
    ):
        """`initial_weights` (a state dict of `spec`, or an engine.transfer.Start: the layers
        that match, some frozen) starts from a trained model instead of fresh weights.
        `extra` = (images uint8 (N, C, H, W), labels (N,), repeat) adds the user's own
        examples to the training split (language: a text of one's own). `owner` (owners.py)
        is who may control it; None for the CLI's own jobs. `dataset`, already loaded, is used
        instead of loading the config's (a Ray worker gets it from the app). `address` is the
        network address it was started from (the server caps jobs per address). `task` is the
        kind of model (default: the one whose settings `config` is)."""
        self.task = task or task_of(config)
        spec = self.task.complete(spec, config, extra)
        self.task.check(spec, config)  # a bad spec fails here, before any thread exists
        self.id = uuid.uuid4().hex[:10]
        self.spec, self.config = spec, config
        self.name = name or spec.name
        self.data_dir, self.runs_dir, self.mirrors = data_dir, runs_dir, mirrors
        self.initial_weights, self.extra = initial_weights, extra
        self.dataset = dataset
        self.owner, self.address = owner, address
        self.share_token: str | None = None  # set by share()
        self.log = MetricsLog(sink=self._write_records)
        self.history = WeightHistory()  # weights at a few moments, to replay its learning
        self.controls = Controls()
        self.created = time.time()
        self.device: str = ""
        self.data_note: str = ""  # e.g. "MNIST could not be downloaded; using the sample"
        self.steps_per_epoch: int = 0
        self.summary: dict = {}
        self.flops_per_sample = 0.0  # counted when it starts (engine/cost.py)
        self.cpu_seconds: float | None = None  # CPU time its thread used, at its last snapshot
        self.assumptions = settings.server_assumptions()  # of its energy and CO2 estimates
        self.run_dir: Path | None = None
        self._writer: RunWriter | None = None
        self._lock = threading.Lock()
        self._status = Status.QUEUED
        self._message = N_("Waiting for a free slot.")
        self._weights: dict[str, torch.Tensor] | None = None
        self._weights_version = 0
        self._thread: threading.Thread | None = None
        self._on_end: list[Callable[[TrainingJob], None]] = []
        self._on_status: list[Callable[[TrainingJob], None]] = []
        self._on_epoch: list[Callable] = []

    # --- what readers see -------------------------------------------------------------------

    @property
    def status(self) -> Status:
        with self._lock:
            status = self._status
        if status is Status.RUNNING and self.controls.paused:
            return Status.PAUSED
        return status

    @property
    def message(self) -> str:
        with self._lock:
            return self._message

    @property
    def active(self) -> bool:
        """Started and not yet ended."""
        return self._thread is not None and not self.status.ended

    @property
    def held(self) -> bool:
        """Paused, and its loop waits: no step is under way and every record has arrived."""
        return self.controls.held

    @property
    def total_steps(self) -> int:
        """Optimizer steps in the whole run (0 until the data is loaded)."""
        return self.task.total_steps(self.steps_per_epoch, self.config)

    def latest_weights(self) -> tuple[int, dict[str, torch.Tensor]] | None:
        """(version, CPU state dict) of the newest snapshot, or None before the first."""
        with self._lock:
            if self._weights is None:
                return None
            return self._weights_version, self._weights

    def inference_model(self) -> nn.Module | None:
        """A CPU model in eval mode with the newest snapshot; training is not disturbed."""
        latest = self.latest_weights()
        if latest is None:
            return None
        model = self.task.build(self.spec)
        model.load_state_dict(latest[1])
        return model.eval()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end; True if it has."""
        if self._thread is None:
            return self.status.ended
        self._thread.join(timeout)
        return not self._thread.is_alive()

    # --- control ----------------------------------------------------------------------------

    def start(self) -> None:
        with self._lock:
            if self._thread is not None or self._status.ended:
                return
            self._thread = threading.Thread(target=self._run, name=f"train-{self.id}", daemon=True)
        self._thread.start()

    def pause(self) -> None:
        self.controls.pause()

    def resume(self) -> None:
        self.controls.resume()

    def stop(self) -> None:
        """Stop within one batch; a job still queued ends at once."""
        self.controls.stop()
        with self._lock:
            queued = self._status is Status.QUEUED and self._thread is None
            if queued:
                self._status, self._message = Status.STOPPED, N_("Cancelled before it started.")
        if queued:
            self._ended()

    def set_lr(self, lr: float) -> None:
        self.controls.set_lr(lr)

    @property
    def lr(self) -> float:
        """The base learning rate it trains with now (the schedule follows it)."""
        return self.controls.lr or self.config.lr

    def set_limits(
        self,
        time_limit: float | None,
        pause_limit: float | None,
        memory_budget: int | None = None,
    ) -> None:
        """The server's limits, in seconds (None: none), and the bytes one step or pass may
        take (None: the default server's): set before the job starts."""
        self.controls.time_limit, self.controls.pause_limit = time_limit, pause_limit
        self.controls.memory_budget = memory_budget
        if memory_budget is not None:  # the history is memory the job holds too
            self.history.max_bytes = min(history.MAX_BYTES, history_bytes(memory_budget))

    def seconds_left(self) -> float | None:
        """Until the time limit stops it; None without a limit or before it started."""
        return self.controls.seconds_left()

    def on_end(self, callback: Callable[[TrainingJob], None]) -> None:
        self._on_end.append(callback)

    def on_epoch(self, callback: Callable[[TrainingJob, EpochRecord], None]) -> None:
        """Call `callback(job, record)` as each epoch's record is made, in the training thread."""
        self._on_epoch.append(callback)

    def on_status(self, callback: Callable[[TrainingJob], None]) -> None:
        """Call `callback(job)` after each change of status or message, from the job's thread."""
        self._on_status.append(callback)

    def share(self) -> str:
        """The token of this job's watch link (made once), also kept in its run folder so that
        the link shows the run once the job has ended."""
        with self._lock:
            if self.share_token is None:
                self.share_token = owners.new_token()
                if self.run_dir is not None:
                    write_access(self.run_dir, self.owner, self.share_token)
            return self.share_token

    # --- the thread -------------------------------------------------------------------------

    def _set(self, status: Status, message: str) -> None:
        with self._lock:
            self._status, self._message = status, message
        self._call(self._on_status)

    def _call(self, callbacks: list[Callable], *args) -> None:
        """Each callback with the job (and `args`); one that fails is logged, nothing more."""
        for callback in callbacks:
            try:
                callback(self, *args)
            except Exception:
                logger.exception("a callback of job %s failed", self.id)

    def _run(self) -> None:
        try:
            self.controls.start_clock()
            self._set(Status.RUNNING, N_("Loading the data."))
            self._train()
        except (SpecError, DataError, JobFailed) as e:
            self._set(Status.FAILED, str(e))
        except torch.OutOfMemoryError:
            self._set(Status.FAILED, Text(
                "The {device} ran out of memory: lower the batch size or use a smaller model.",
                device=self.device or "device"))  # fmt: skip
        except Exception as e:  # anything else still ends as a status, with the details logged
            logger.error("training job %s failed:\n%s", self.id, traceback.format_exc())
            self._set(Status.FAILED, Text("Training failed with an internal error: {kind}: {e}",
                                          kind=type(e).__name__, e=e))  # fmt: skip
        finally:
            self._record_failure()
            self._ended()

    def _record_failure(self) -> None:
        """A run folder whose job failed still says so, and why, in its summary."""
        if self._writer is None or self.summary or self.status is not Status.FAILED:
            return
        try:
            self.log.flush()  # the records up to the failure
        except OSError:
            logger.exception("could not write the last records of failed job %s", self.id)
        self.summary = {
            "name": self.name,
            "model": getattr(self.spec, "name", self.name),
            **self.task.describe(self.spec, self.config, None),
            "status": Status.FAILED.value,
            "message": self.message,
            "device": self.device,
            "ended": time.time(),
        }
        try:
            self._writer.finish(self.summary)
        except OSError:
            logger.exception("could not write the summary of failed job %s", self.id)

    def _load(self, device: torch.device | str):
        """The job's data (the dataset it was given, or loaded as its config says), with the
        user's own examples added."""
        config = self.config
        data = self.dataset or self.task.load_data(config, self.data_dir, self.mirrors, device,
                                                   self.extra)  # fmt: skip
        self.data_note = data.note
        self.steps_per_epoch = self.task.steps_per_epoch(data, config)
        return data.to(device)

    def _open_run(self) -> RunWriter | None:
        """The job's run folder, from here on filled by the log's records."""
        if not self.runs_dir:
            return None
        with self._lock:  # share() writes through to the folder from here on
            self._writer = RunWriter(
                self.runs_dir, self.name, self.spec, self.config, self.owner, self.share_token,
                self.task.name, self.task.run_files(self.spec, self.config, self.extra),
            )  # fmt: skip
            self.run_dir = self._writer.path
        return self._writer

    def _finish_run(self, summary: dict, weights: dict[str, torch.Tensor] | None) -> None:
        """Save the last weights and the summary; then the job has ended as it says."""
        last = next((e.val_loss for e in reversed(self.log.epochs()) if e.val_loss is not None),
                    None)  # fmt: skip
        if last is not None:  # every task's (a task's own val_loss or test_loss may differ)
            summary["last_val_loss"] = last
        if self.task.score is not None:  # the best validation score, in its records' name
            summary["best_val_accuracy"] = max(
                (e.val_accuracy for e in self.log.epochs() if e.val_accuracy is not None),
                default=None,
            )
        summary["ended"] = time.time()
        self.log.flush()
        if self._writer:
            if weights is not None:
                self._writer.save_weights(weights)
            self._writer.finish(summary)
        self.summary = summary
        self._set(Status(summary["status"]), summary["message"])

    def _train(self) -> None:
        config, task, budget = self.config, self.task, self.controls.memory_budget
        device = pick_device(task.device(config))
        self.device = device_name(device)
        data = self._load(device)
        with _seed_lock:
            torch.manual_seed(task.seed(config))  # weights, then dropout, follow the seed
            model = task.build(self.spec)
        started_from = transfer.load(model, self.initial_weights)  # the summary's keys
        model = task.prepare(model, device, config)
        runner = torch.compile(model) if task.compiles(config) else model
        writer = self._open_run()
        saved_epochs = [0]
        self.history.add(0, 0, weights_copy(model), epoch_end=False)

        def publish(_: nn.Module) -> None:
            self.cpu_seconds = meter.cpu_seconds()  # for the live energy estimate
            state = weights_copy(model)
            with self._lock:
                self._weights, self._weights_version = state, self._weights_version + 1
            self.log.flush()
            epochs = len(self.log.epochs())
            last = self.log.last_step()
            step = last.step if last else 0
            if epochs > saved_epochs[0]:
                self.history.add(step, epochs, state, epoch_end=True)
            elif step in EARLY_STEPS:
                self.history.add(step, epochs, state, epoch_end=False)
            if writer and epochs > saved_epochs[0]:  # each epoch's weights survive a crash
                writer.save_weights(state)
                history.save(self.history, writer.path)
            saved_epochs[0] = epochs

        frozen = frozenset(started_from.get("frozen", ()))
        self.flops_per_sample = cost.count_flops(task, self.spec, config, frozen)
        meter = cost.EnergyMeter(device, self.assumptions)
        self._set(Status.RUNNING, N_("Training."))
        started = time.time()
        lesson = task.lesson(self.spec, runner, data, config, budget)
        outcome = loop.run(lesson, runner, device, self.log, self.controls, publish)
        publish(model)
        if writer:
            history.save(self.history, writer.path)
        summary = {
            "name": self.name,
            "model": getattr(self.spec, "name", self.name),
            **task.describe(self.spec, config, data, budget),
            "status": outcome.status.value,
            "message": outcome.message,
            "epochs": outcome.epochs,
            "steps": outcome.steps,
            "train_seconds": round(outcome.train_seconds, 3),
            "validation_seconds": round(outcome.validation_seconds, 3),
            "samples_per_second": round(outcome.samples_per_second, 1),
            "device": self.device,
            "node": platform.node(),  # this machine; on a cluster, the worker's
            "started": started,
        }
        wh = meter.watt_hours(outcome.train_seconds)
        summary.update({**started_from, **outcome.extra, **cost.costs(
            self.flops_per_sample, outcome.samples, wh, self.assumptions)})  # fmt: skip
        if outcome.status is Status.FINISHED:
            summary.update(task.results(self.spec, model, data, config, budget))
        summary.update(task.summarize(summary))
        self._finish_run(summary, weights_copy(model))

    def _write_records(self, records: list) -> None:
        if self._writer is not None:
            self._writer.append(records)
        for record in (r for r in records if isinstance(r, EpochRecord)):
            self._call(self._on_epoch, record)  # in the training thread, before its next step

    def _ended(self) -> None:
        self._call(self._on_end)
