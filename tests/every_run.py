"""Runs of every task, ended every way, in one runs folder: what pages must cope with.

An image classifier finished, stopped, diverged, cut short (no summary: the server stopped
while it trained) and one of five classes; a language model finished, stopped and failed; the
tests' own line fitting (tests/plugin) finished and stopped; a model that makes digits finished
and stopped; a model that listens finished and stopped; a damaged folder. All are owned
by ADA (set `identity.KEY` to ADA_KEY in an AppTest session to be her), except the example (no
owner) that everyone sees. Made once per test session (about 15 s), copied into each test's
own runs folder."""

from __future__ import annotations

import dataclasses
import json
import shutil
import time
from pathlib import Path

from playground.engine import owners
from playground.serving.jobs import TrainingJob
from playground.tasks.generate.recipe import GenerateConfig
from playground.tasks.generate.specs import GenSpec
from playground.tasks.image.recipe import TrainConfig
from playground.tasks.image.specs import ModelSpec
from playground.tasks.language.recipe import LanguageConfig
from playground.tasks.language.specs import GPTSpec
from playground.tasks.line.task import LineConfig, LineSpec  # the tests' own task (tests/plugin)
from playground.tasks.listen.recipe import ListenConfig
from playground.tasks.listen.specs import ListenSpec

ADA_KEY = "a" * 32  # a browser key (identity.KEY)
ADA = owners.browser_owner(ADA_KEY)
IMAGE = TrainConfig(dataset="mnist-sample", epochs=1, batch_size=64, train_limit=500)
LANGUAGE = LanguageConfig(
    corpus="names", steps=20, batch_size=8, eval_every=10, eval_batches=1, sample_length=10
)
TINY_GPT = GPTSpec(layers=1, heads=2, width=32, context=16, name="tiny-gpt")
MAKER = GenSpec(hidden=32, latent=2, conditional=True, name="tiny-vae")
GENERATE = GenerateConfig(dataset="mnist-sample", epochs=1, batch_size=64, train_limit=500)
EAR = ListenSpec(width=4, name="tiny-ear")
LISTEN = ListenConfig(language="en", epochs=1, batch_size=64, train_limit=200, val_voices=0.1)


def _ended(job: TrainingJob, stop: bool = False) -> Path:
    """Run `job` to its end (with `stop`: stopped once it has trained a step); its folder."""
    job.start()
    if stop:
        while job.log.last_step() is None and not job.status.ended:
            job.wait(0.05)  # a state: it has trained a step
        job.stop()
    assert job.wait(300), "a fixture's job did not end"
    assert job.run_dir is not None, job.message
    return Path(job.run_dir)


def _five(spec: ModelSpec) -> ModelSpec:
    """`spec` with five outputs (a model of the digits 5-9)."""
    last = dataclasses.replace(spec.layers[-1], params={"out_features": 5})
    return dataclasses.replace(spec, layers=(*spec.layers[:-1], last), name="five")


def make(root: Path) -> dict[str, Path]:
    """The runs, by what they are: image-finished, image-stopped, ..., damaged."""
    mlp, own = ModelSpec.from_preset("mlp"), {"runs_dir": root, "owner": ADA}
    long, five = dataclasses.replace(IMAGE, epochs=1000), _five(mlp)
    high = dataclasses.replace(IMAGE, optimizer="sgd", lr=100.0)
    made = {
        "image-finished": _ended(TrainingJob(mlp, IMAGE, **own, name="img-finished")),
        "image-stopped": _ended(TrainingJob(mlp, long, **own, name="img-stopped"), stop=True),
        "image-diverged": _ended(TrainingJob(mlp, high, **own, name="img-diverged")),
        "image-five": _ended(
            TrainingJob(
                five, dataclasses.replace(IMAGE, classes="5,6,7,8,9"), **own, name="img-five"
            )
        ),
        "image-example": _ended(TrainingJob(mlp, IMAGE, runs_dir=root, name="img-example")),
        "language-finished": _ended(TrainingJob(TINY_GPT, LANGUAGE, **own, name="gpt-finished")),
        "language-stopped": _ended(
            TrainingJob(
                TINY_GPT, dataclasses.replace(LANGUAGE, steps=100_000), **own, name="gpt-stopped"
            ),
            stop=True,
        ),
    }
    made["line-finished"] = _ended(TrainingJob(LineSpec(), LineConfig(), **own, name="line-fit"))
    made["line-stopped"] = _ended(
        TrainingJob(LineSpec(), LineConfig(epochs=100_000), **own, name="line-stopped"), stop=True
    )
    made["generate-finished"] = _ended(TrainingJob(MAKER, GENERATE, **own, name="vae-made"))
    made["generate-stopped"] = _ended(
        TrainingJob(MAKER, dataclasses.replace(GENERATE, epochs=1000, train_limit=0), **own,
                    name="vae-stopped"), stop=True)  # fmt: skip
    made["listen-finished"] = _ended(TrainingJob(EAR, LISTEN, **own, name="ear-heard"))
    made["listen-stopped"] = _ended(
        TrainingJob(EAR, dataclasses.replace(LISTEN, epochs=1000, train_limit=0), **own,
                    name="ear-stopped"), stop=True)  # fmt: skip
    failed = root / (made["language-finished"].name[:16] + "gpt-failed")
    shutil.copytree(made["language-finished"], failed)
    summary = json.loads((failed / "summary.json").read_text())
    summary.update(
        status="failed", message="The worker running this job was lost.", name="gpt-failed"
    )
    (failed / "summary.json").write_text(json.dumps(summary))
    made["language-failed"] = failed
    cut = root / (made["image-finished"].name[:16] + "img-cut")
    shutil.copytree(made["image-finished"], cut)
    (cut / "summary.json").unlink()
    made["image-cut-short"] = cut
    damaged = root / time.strftime("%Y%m%d-%H%M%S-damaged")
    damaged.mkdir()
    (damaged / "spec.json").write_text("{not json")
    made["damaged"] = damaged
    return made


def copy_into(made: dict[str, Path], root: Path) -> dict[str, Path]:
    """The same runs in `root` (a test's own runs folder); their new folders."""
    root.mkdir(parents=True, exist_ok=True)
    return {what: Path(shutil.copytree(path, root / path.name)) for what, path in made.items()}
