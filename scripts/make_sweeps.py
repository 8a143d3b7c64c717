"""Make the sweeps that ship with the app (playground/assets/sweeps/<name>/), so that the scaling
lab shows real points the moment it opens: each a folder of the members' run folders (records,
summary and sweep.json; no weights, to keep the app small: the lab needs only the numbers).

    python -m scripts.make_sweeps            # both
    python -m scripts.make_sweeps language

image: the seed CNN at 5 widths on the bundled MNIST sample, 150 steps of 64 images each.
language: the shakespeare-char GPT at 5 widths on tiny Shakespeare, 300 steps of 12 x 64 tokens.
"""

from __future__ import annotations

import dataclasses
import shutil
import sys
import tempfile
import time
from pathlib import Path

from playground import ASSETS
from playground.engine.task import named
from playground.serving.sweeps import Plan, SweepJob

SWEEPS = {
    "image": ("image", "seed-cnn", {"dataset": "mnist-sample", "batch_size": 64}, 150),
    "language": ("language", "shakespeare-char", {"eval_every": 100, "sample_length": 0}, 300),
}
DROP = ("weights.safetensors", "history.safetensors")


def train(folder: str, runs: str) -> tuple[SweepJob, float]:
    """The ready sweep `folder` trained into `runs`; the job and the seconds it took."""
    task_name, preset, changes, steps = SWEEPS[folder]
    task = named(task_name)
    spec, config = task.presets()[preset]()
    config = dataclasses.replace(config, **changes)
    started = time.perf_counter()
    job = SweepJob(spec, config, Plan(sizes=5, amount=steps), task=task, name=preset, runs_dir=runs)
    job.start()
    job.wait()
    return job, time.perf_counter() - started


def make(folder: str) -> None:
    with tempfile.TemporaryDirectory() as runs:
        job, took = train(folder, runs)
        if job.status.value != "finished":
            sys.exit(f"{folder} ended {job.status.value}: {job.message}")
        target = ASSETS / "sweeps" / folder
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for member in sorted(Path(runs).iterdir()):
            shutil.copytree(member, target / member.name)
            for name in DROP:
                (target / member.name / name).unlink(missing_ok=True)
    print(f"{target}: {len(job.done)} sizes in {took:.0f} s")


def main(names: list[str]) -> None:
    for folder in names or list(SWEEPS):
        make(folder)


if __name__ == "__main__":
    main(sys.argv[1:])
