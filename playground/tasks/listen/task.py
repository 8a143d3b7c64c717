"""Listening to spoken digits as a task (engine/task.py): a model that reads a clip's log-mel
spectrogram and says the digit, in English, Chinese or both, trained by the shared loop like
every other model, so that jobs, the queue, limits, Ray, runs, share links, compare, sweeps
and bundles work for it unchanged."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from playground import ASSETS
from playground.engine import task as tasks
from playground.engine.cost import training_flops
from playground.engine.i18n import N_, Text, _
from playground.engine.metrics import ACCURACY, TEST_ACCURACY, TEST_LOSS, Metric
from playground.engine.numbers import Number, epoch_number
from playground.engine.records import SpecError
from playground.tasks.listen import data as clips_of
from playground.tasks.listen import export
from playground.tasks.listen.model import build
from playground.tasks.listen.recipe import LANGUAGES, SETTINGS, ListenConfig
from playground.tasks.listen.specs import SPEC_SETTINGS, ListenSpec, frames
from playground.tasks.listen.training import ListenLesson, measure, steps_per_epoch

PRESETS = {  # name -> (spec, recipe): the CNN ships; the others are there to compare with it
    "listen-cnn": (ListenSpec(), {}),
    "listen-mlp": (ListenSpec(architecture="mlp", width=256, dropout=0.3, name="listen-mlp"),
                   {"lr": 1e-3}),
    "listen-gru": (ListenSpec(architecture="gru", width=64, dropout=0.2, name="listen-gru"),
                   {"lr": 3e-3}),
}  # fmt: skip
TRAINING_BYTES_PER_WEIGHT = 16  # the weight, its gradient and Adam's two moments, in float32
EN_ACCURACY = Metric("en_accuracy", N_("English test accuracy"), lower_is_better=False,
                     percent=True)  # fmt: skip
ZH_ACCURACY = Metric("zh_accuracy", N_("Chinese test accuracy"), lower_is_better=False,
                     percent=True)  # fmt: skip


class ListenTask(tasks.Task):
    name = "listen"
    label = N_("Spoken digits")
    samples = N_("clips")
    score = ACCURACY
    metrics = (TEST_ACCURACY, EN_ACCURACY, ZH_ACCURACY, TEST_LOSS)
    fit_metric = TEST_LOSS
    spec_type = ListenSpec
    config_type = ListenConfig
    pretrained: ClassVar[Path | None] = ASSETS / "listen" / "cnn"  # the model that ships

    def spec_from_dict(self, data) -> ListenSpec:
        return ListenSpec.from_dict(data)

    def config_from_dict(self, data) -> ListenConfig:
        return ListenConfig.from_dict(data)

    def settings_table(self) -> tuple:
        return SETTINGS

    def presets(self) -> dict:
        def preset(name: str):
            spec, recipe = PRESETS[name]
            return spec, ListenConfig.from_dict({**ListenConfig().to_dict(), **recipe})

        return {name: (lambda name=name: preset(name)) for name in PRESETS}

    def check(self, spec: ListenSpec, config: ListenConfig, memory_budget=None) -> None:
        spec.validate()
        config.validate()
        if memory_budget is None:
            return
        need = training_bytes(spec, config.batch_size)
        if need > memory_budget:
            raise SpecError(Text(
                "Training it takes about {need:,} MB, more than the {budget:,} MB this server "
                "allows per job: make it narrower or the batch smaller.",
                need=math.ceil(need / 2**20), budget=memory_budget // 2**20))  # fmt: skip

    def planned_samples(self, config: ListenConfig) -> float:
        per_language = 2430 * (1 - config.val_voices)  # 81 training voices, 30 clips each
        clips = per_language * (2 if config.language == "both" else 1)
        return min(clips, config.train_limit) if config.train_limit else clips

    def data_label(self, config) -> str:
        found = LANGUAGES.get(getattr(config, "language", ""))
        return found.label if found is not None else ""

    def load_data(self, config: ListenConfig, data_dir, mirrors, device, extra=None):
        return clips_of.load(config, extra)

    def steps_per_epoch(self, data, config: ListenConfig) -> int:
        return steps_per_epoch(data, config)

    def build(self, spec: ListenSpec) -> nn.Module:
        return build(spec)

    def lesson(self, spec, model, data, config, memory_budget) -> ListenLesson:
        return ListenLesson(spec, model, data, config, pass_batch(spec, config, memory_budget))

    def results(self, spec, model, data, config, memory_budget) -> dict:
        found = measure(model, data.test, spec, pass_batch(spec, config, memory_budget))
        keep = {"test_loss": found["loss"], "test_accuracy": found["accuracy"]}
        keep.update({k: v for k, v in found.items() if k in ("en_accuracy", "zh_accuracy")})
        return keep

    def flops_per_sample(self, spec, config, frozen=frozenset()) -> float:
        def make():
            model = self.build(spec)
            x = torch.zeros(1, 1, spec.mels, frames(spec))
            return model, lambda: F.cross_entropy(model(x), torch.zeros(1, dtype=torch.long))

        return training_flops(make, frozen)

    def describe(self, spec, config, data, memory_budget=None) -> dict:
        return {"language": config.language,
                "parameters": sum(p.numel() for p in self.build(spec).parameters())}  # fmt: skip

    def scaled(self, spec: ListenSpec, factor: float, how: str = "width") -> ListenSpec:
        width = max(4, round(spec.width * factor))
        return dataclasses.replace(spec, width=width,
                                   name=f"{spec.name} x{factor:.2g}").validate()  # fmt: skip

    def with_steps(self, config: ListenConfig, steps: int) -> ListenConfig:
        per_epoch = math.ceil(self.planned_samples(config) / config.batch_size)
        return dataclasses.replace(config, epochs=max(1, math.ceil(steps / per_epoch)))

    def live_numbers(self, steps, epochs, config, ended=False) -> list[Number]:
        last = steps[-1] if steps else None
        tail = [s.loss for s in steps[-20:]]
        vals = [e.val_accuracy for e in epochs if e.val_accuracy is not None]
        numbers = [
            epoch_number(steps, epochs, config.epochs, ended),
            Number(_("Train loss"), f"{sum(tail) / len(tail):.4f}" if tail else "-"),
            Number(_("Val accuracy"), f"{vals[-1]:.2%}" if vals else "-",
                   f"{vals[-1] - vals[-2]:+.2%}" if len(vals) > 1 else None),
        ]  # fmt: skip
        for code, name in ((c, LANGUAGES[c].label) for c in clips_of.LANGUAGE_CODES):
            found = [e.values.get(f"val_{code}_accuracy") for e in epochs]
            found = [v for v in found if v is not None]
            if found:
                numbers.append(Number(_("{language}, val").format(language=_(name)),
                                      f"{found[-1]:.2%}"))  # fmt: skip
        numbers.append(Number(_("Clips/s"), f"{last.samples_per_second:,.0f}" if last else "-"))
        return numbers

    def model_card(self, run, files, memory_budget) -> str:
        return export.model_card(run, files)

    def settings(self, run) -> dict:
        return self.spec_and_config(run)

    def setting_labels(self) -> dict[str, str]:
        return self.spec_labels({s.name: s.label for s in SPEC_SETTINGS})


def training_bytes(spec: ListenSpec, batch: int) -> int:
    """About what a training step of `batch` clips takes: the weights four times over (weight,
    gradient, two moments) and each clip's activations, forward and backward."""
    weights = sum(p.numel() for p in build(spec).parameters())
    image = spec.mels * frames(spec)
    if spec.architecture == "cnn":
        per_clip = image * spec.width * 4  # the first block's maps dominate
    elif spec.architecture == "gru":
        per_clip = frames(spec) * spec.width * 2 * 8  # each way, its gates
    else:
        per_clip = image + 3 * spec.width
    per_clip += 8000 * 3  # the clip, changed, and its spectrogram
    return TRAINING_BYTES_PER_WEIGHT * weights + 2 * 4 * batch * per_clip


def pass_batch(spec: ListenSpec, config, memory_budget) -> int:
    """Clips per evaluation pass: four training batches, or what the memory budget allows."""
    most = 4 * config.batch_size
    if memory_budget is None:
        return most
    while most > config.batch_size and training_bytes(spec, most) > memory_budget:
        most //= 2
    return max(1, most)


LISTEN = tasks.register(ListenTask())
