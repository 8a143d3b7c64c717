"""The ready transfer experiment that works with no network: a CNN pretrained on MNIST digits
0-4 (it ships in playground/assets/digits-0-4, made by scripts/make_digits_0_4.py), fine-tuned
on digits 5-9 with 10 labelled images of each, against the same model trained from scratch on
those 50 images. Both the bundled sample and full MNIST have every digit."""

from __future__ import annotations

import dataclasses

from playground import ASSETS
from playground.tasks.image.recipe import TrainConfig
from playground.tasks.image.specs import LayerSpec, ModelSpec

FOLDER = ASSETS / "digits-0-4"
PRETRAIN, FINE_TUNE = "0,1,2,3,4", "5,6,7,8,9"
EXAMPLES = 10  # labelled images of each new digit
FREEZE = ("first:8",)  # its four convolutions and their batch norms: the features of 0-4 kept,
# the dense layers after them learn to read them for 5-9 (BENCHMARKS.md, "Transfer")


def with_outputs(spec: ModelSpec, outputs: int, name: str | None = None) -> ModelSpec:
    """`spec` with its last Linear giving `outputs` scores."""
    last = spec.layers[-1]
    head = LayerSpec(last.kind, {**last.params, "out_features": outputs}, last.activation)
    return dataclasses.replace(spec, layers=(*spec.layers[:-1], head), name=name or spec.name)


def model() -> ModelSpec:
    """The CNN of the experiment: the pretrained CNN's layers, five outputs."""
    return with_outputs(ModelSpec.from_preset("bn-cnn"), 5, "bn-cnn-5")


def pretrain_config(dataset: str = "mnist", seed: int = 0) -> TrainConfig:
    return TrainConfig(dataset=dataset, classes=PRETRAIN, epochs=2, batch_size=128, lr=3e-3,
                       schedule="one_cycle", seed=seed)  # fmt: skip


def fine_tune_config(dataset: str = "mnist-sample", seed: int = 0) -> TrainConfig:
    """50 images (10 a digit), 20 passes over them: 100 steps of 10."""
    return TrainConfig(dataset=dataset, classes=FINE_TUNE, examples_per_class=EXAMPLES,
                       epochs=20, batch_size=10, lr=3e-3, schedule="constant", optimizer="adam",
                       seed=seed)  # fmt: skip
