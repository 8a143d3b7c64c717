"""Make the models that make digits, shipped with the app (playground/assets/generate/<name>/):
run folders trained with a preset's own recipe on MNIST, so that the Generate page makes the
digit asked for the moment it opens. Each keeps its records, its weights and a few moments of
history (in half precision) for the timeline of what it made as it learned.

    PLAYGROUND_DATA_DIR=../shared/datasets/mnist python -m scripts.make_generators [NAME...]
    PLAYGROUND_DATA_DIR=../shared/datasets/mnist python -m scripts.make_generators --score NAME...

(--score: only adds the score to a ready model's summary, as a run now gets when it finishes.)

vae <- vae-digits (a VAE told the class, two latent numbers); gan <- gan-digits (a DCGAN told
the class); diffusion <- diffusion-digits (a
small UNet told the class, 1,000 noise levels), trained for 15 epochs instead of the preset's 6,
its learning rate falling along a cosine.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

from playground import ASSETS
from playground.datasets.images import load
from playground.engine import history
from playground.exchange.runs import load_run
from playground.tasks.generate import score
from playground.tasks.generate.task import GENERATE
from scripts.ready_run import train_into

MODELS = {"vae": "vae-digits", "gan": "gan-digits", "diffusion": "diffusion-digits"}
LONGER = {  # a ready model may train longer than its preset: the page's own 15 minutes
    "diffusion": {"epochs": 15, "schedule": "cosine"},
}
MOMENTS = (0, 5, 100)  # steps kept besides the end: noise, blobs, strokes (then digits)


def make(folder: str, name: str) -> None:
    spec, config = GENERATE.presets()[name]()
    config = dataclasses.replace(config, **LONGER.get(folder, {}))
    target = ASSETS / "generate" / folder
    job = train_into(spec, config, target, folder)
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


def rescore(folder: str) -> None:
    """Score a ready model made before runs were scored as they finished (its summary gains
    what a finished run's has: score.of_model on MNIST's test digits)."""
    target = ASSETS / "generate" / folder
    run = load_run(target)
    found = score.of_model(run.model(), load(run.config.dataset).test_x)
    summary = json.loads((target / "summary.json").read_text())
    (target / "summary.json").write_text(json.dumps({**summary, **found}, indent=2) + "\n")
    print(f"{target}: Fréchet distance {found['frechet']} (real {found['frechet_real']}), "
          f"read as asked {found.get('as_asked')}")  # fmt: skip


def main(args: list[str]) -> None:
    if args[:1] == ["--score"]:
        for folder in args[1:] or list(MODELS):
            rescore(folder)
        return
    for folder in args or list(MODELS):
        make(folder, MODELS[folder])


if __name__ == "__main__":
    main(sys.argv[1:])
