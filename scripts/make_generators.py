"""Make the models that make digits, shipped with the app (playground/assets/generate/<name>/):
run folders trained with a preset's own recipe on MNIST, so that the Generate page makes the
digit asked for the moment it opens. Each keeps its records, its weights and a few moments of
history (in half precision) for the timeline of what it made as it learned.

    PLAYGROUND_DATA_DIR=../shared/datasets/mnist python -m scripts.make_generators

vae <- vae-digits (a VAE told the class, two latent numbers); gan <- gan-digits (a DCGAN told
the class); diffusion <- diffusion-digits (a
small UNet told the class, 1,000 noise levels).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from playground import ASSETS
from playground.engine import history
from playground.serving.jobs import TrainingJob
from playground.tasks.generate.task import GENERATE

MODELS = {"vae": "vae-digits", "gan": "gan-digits", "diffusion": "diffusion-digits"}
MOMENTS = (0, 5, 100)  # steps kept besides the end: noise, blobs, strokes (then digits)


def make(folder: str, name: str) -> None:
    spec, config = GENERATE.presets()[name]()
    with tempfile.TemporaryDirectory() as runs:
        job = TrainingJob(spec, config, runs_dir=runs, name=folder)
        job.start()
        job.wait()
        if job.status.value != "finished" or job.data_note:
            sys.exit(f"{name} ended {job.status.value}: {job.message} {job.data_note}")
        target = ASSETS / "generate" / folder
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(job.run_dir, target)
    _thin_history(target)
    s = job.summary
    print(f"{target}: test loss {s['test_loss']:.4g} in {s['train_seconds']:.0f} s")


def _thin_history(folder: Path) -> None:
    """Keep the moments nearest MOMENTS and the end, as float16 (a few MB)."""
    snapshots = history.load(folder)
    if len(snapshots) <= len(MOMENTS) + 1:
        return
    picks = {min(range(len(snapshots)), key=lambda i: abs(snapshots[i].step - m)) for m in MOMENTS}
    kept = history.WeightHistory()
    for i in sorted(picks | {len(snapshots) - 1}):
        s = snapshots[i]
        kept.add(s.step, s.epoch, {k: v.half() for k, v in s.state.items()},
                 epoch_end=s.label.startswith("epoch"))  # fmt: skip
    history.save(kept, folder)


def main(names: list[str]) -> None:
    for folder in names or list(MODELS):
        make(folder, MODELS[folder])


if __name__ == "__main__":
    main(sys.argv[1:])
