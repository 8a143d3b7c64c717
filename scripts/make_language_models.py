"""Make the language models that ship with the app (playground/assets/language/<name>/): run
folders trained with a preset's own recipe, so that Generate and Look inside work the moment
the Language page opens. Each keeps its tokenizer, its records and timeline, its weights and a
short history of weights (four moments, in half precision) for the replay.

    python -m scripts.make_language_models            # both
    python -m scripts.make_language_models tang-quatrains

shakespeare <- shakespeare-char (a 180 s time limit); tang7 <- tang-quatrains.
"""

from __future__ import annotations

import dataclasses
import shutil
import sys
import tempfile
from pathlib import Path

from playground import ASSETS
from playground.engine import history
from playground.serving.jobs import TrainingJob
from playground.tasks.language.task import preset

MODELS = {
    "shakespeare": ("shakespeare-char", {"time_limit": 180.0}),
    "tang7": ("tang-quatrains", {}),
}
KEEP = 3  # moments of the history (before, halfway, the end): a few MB


def make(folder: str, name: str, changes: dict) -> None:
    spec, config = preset(name)
    config = dataclasses.replace(config, **changes)
    with tempfile.TemporaryDirectory() as runs:
        job = TrainingJob(spec, config, runs_dir=runs, name=folder)
        job.start()
        job.wait()
        if job.status.value != "finished":
            sys.exit(f"{name} ended {job.status.value}: {job.message}")
        target = ASSETS / "language" / folder
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(job.run_dir, target)
    _thin_history(target)
    print(
        f"{target}: validation loss {job.summary['val_loss']:.3f} after "
        f"{job.summary['steps']:,} steps, {job.summary['train_seconds']:.0f} s"
    )


def _thin_history(folder: Path) -> None:
    """Keep KEEP moments of the history, spread over the run, as float16."""
    snapshots = history.load(folder)
    if len(snapshots) <= 1:
        return
    picks = sorted({round(i * (len(snapshots) - 1) / (KEEP - 1)) for i in range(KEEP)})
    kept = history.WeightHistory()
    for i in picks:
        s = snapshots[i]
        kept.add(
            s.step,
            s.epoch,
            {k: v.half() for k, v in s.state.items()},
            epoch_end=s.label.startswith("epoch"),
        )
    history.save(kept, folder)


def main(names: list[str]) -> None:
    for folder in names or list(MODELS):
        name, changes = MODELS[folder]
        make(folder, name, changes)


if __name__ == "__main__":
    main(sys.argv[1:])
