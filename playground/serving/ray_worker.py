"""The worker's side of a job on a Ray cluster: the Trainer actor, which holds an ordinary
TrainingJob (training in its own thread, with no run folder) and answers the app's polls and
controls while it trains. ray_jobs.py is the app's side.
"""

from __future__ import annotations

import dataclasses

import torch

from playground.serving.jobs import TrainingJob


class Trainer:
    """The worker's side (a Ray actor): one TrainingJob, training in its own thread."""

    def __init__(self, about: dict, task, dataset, initial_weights, limits, threads: int):
        torch.set_num_threads(max(1, threads))  # Ray sets OMP_NUM_THREADS=1 in an actor
        self.about = about
        spec, config = task.spec_from_dict(about["spec"]), task.config_from_dict(about["config"])
        _warm_up(task, spec, config, dataset)
        self.job = TrainingJob(
            spec,
            config,
            name=about["name"],
            owner=about["owner"],
            dataset=dataset,
            initial_weights=initial_weights,
            task=task,
        )
        self.job.set_limits(*limits)
        self.job.start()
        ray = _worker_ray()
        # the machine in words, and which of its Ray nodes (several can share a machine)
        self.node = (
            f"{ray.util.get_node_ip_address()} ({ray.get_runtime_context().get_node_id()[:8]})"
        )

    def poll(self, after_step: int, epochs_seen: int, wanted: dict, after_note: int = -1) -> dict:
        """The job's state and the records after step `after_step`, the first `epochs_seen`
        epochs and the notes up to step `after_note`; `wanted` brings the app's controls
        (paused, stopped, lr)."""
        job = self.job
        wanted = wanted or {"paused": job.controls.paused, "stopped": job.controls.stopped}
        if wanted.get("stopped") and not job.controls.stopped:
            job.stop()
        elif wanted.get("paused") and not job.controls.paused:
            job.pause()
        elif not wanted.get("paused") and job.controls.paused:
            job.resume()
        if wanted.get("lr") is not None and wanted["lr"] != job.controls.lr:
            job.set_lr(wanted["lr"])
        held = job.controls.held  # before the records are read: all of them come with it
        latest = job.latest_weights()
        return {
            "held": held,
            "status": job.status.value,
            "message": job.message,
            "steps": job.log.steps_after(after_step),
            "epochs": job.log.epochs()[epochs_seen:],
            "notes": [n for n in job.log.notes() if n.step > after_note],
            "weights_version": latest[0] if latest else 0,
            "steps_per_epoch": job.steps_per_epoch,
            "device": job.device,
            "summary": job.summary,
            "node": self.node,
            "lr": job.controls.lr,
        }

    def weights(self) -> tuple[int, dict] | None:
        return self.job.latest_weights()

    def describe(self) -> dict:
        return self.about

    def share(self, token: str) -> None:
        self.about["share"] = token


def _warm_up(task, spec, config, dataset, batches: int = 8) -> None:
    """A few throwaway batches of the same training, on a copy of the model, before the job's
    clock starts. A new worker process runs its first batches much slower (kernels chosen,
    memory touched for the first time): the seed CNN trained at 3,400 samples/s in a fresh
    actor and 4,900 in one that had trained before. The web server's threads are warm; a worker
    should be too. A task without warm-up data (Task.warm_up_data) skips it."""
    small = task.warm_up_data(dataset, batches, config)
    if small is None:
        return
    one = dataclasses.replace(config, epochs=1) if hasattr(config, "epochs") else config
    warm = TrainingJob(spec, one, dataset=small, task=task)
    warm.start()
    warm.wait()


def _worker_ray():
    import ray

    return ray
