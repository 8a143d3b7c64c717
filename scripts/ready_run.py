"""Train a model the app ships ready (a run folder under playground/assets/), as the scripts
that make them do."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from playground.serving.jobs import TrainingJob


def train_into(spec, config, target: Path, name: str) -> TrainingJob:
    """Train `spec` with `config` as run `name` and copy its folder to `target` (replaced); exit
    in words if it does not finish on the data it asked for."""
    with tempfile.TemporaryDirectory() as runs:
        job = TrainingJob(spec, config, runs_dir=runs, name=name)
        job.start()
        job.wait()
        if job.status.value != "finished" or job.data_note:
            sys.exit(f"{name} ended {job.status.value}: {job.message} {job.data_note}")
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(job.run_dir, target)
    return job
