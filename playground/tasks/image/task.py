"""Image classification as a task (engine/task.py): the image specs and settings, datasets of
images, the classifier's loop, its test scores and calibration, its runs-table row, model card,
training script and ONNX file. Everything it does is in this folder; this module is the seam."""

from __future__ import annotations

import dataclasses
import math

import torch
from torch import nn

from playground import ASSETS
from playground.datasets import image_sets
from playground.datasets.images import Dataset, load
from playground.engine import privacy
from playground.engine.cost import training_flops
from playground.engine.i18n import N_, Text, _
from playground.engine.metrics import ACCURACY, TEST_ACCURACY, TEST_LOSS, smooth
from playground.engine.numbers import Number, epoch_number
from playground.engine.records import SpecError
from playground.engine.task import Task, register
from playground.tasks.image import calibration, catalog, evaluation, models, private, search_rows
from playground.tasks.image.export import model_card, onnx_export, standalone
from playground.tasks.image.fit import check_fit, job_pass_batch_size
from playground.tasks.image.recipe import SETTINGS, TrainConfig
from playground.tasks.image.specs import ModelSpec
from playground.tasks.image.training import (
    ImageLesson,
    evaluate,
    planned_steps,
    prepare,
    stall_advice,
)


class ImageTask(Task):
    name = "image"
    label = N_("Image classification")
    samples = N_("images")
    score = ACCURACY
    metrics = (TEST_ACCURACY, TEST_LOSS)
    fit_metric = TEST_LOSS
    spec_type = ModelSpec
    config_type = TrainConfig
    pretrained = ASSETS / "pretrained"

    def spec_from_dict(self, data) -> ModelSpec:
        spec = ModelSpec.from_dict(data)
        spec.validate()
        return spec

    def search_rows(self) -> tuple:
        return (*super().search_rows(), *search_rows.ROWS)

    def with_settings(self, spec, config, values: dict):
        values = dict(values)
        if "dropout" in values:
            search_rows.DROPOUT.check(values["dropout"])
            spec = search_rows.with_dropout(spec, float(values.pop("dropout")))
        return super().with_settings(spec, config, values)

    def config_from_dict(self, data) -> TrainConfig:
        return TrainConfig.from_dict(data)

    def settings_table(self) -> tuple:
        return SETTINGS

    def presets(self) -> dict:
        def preset(name: str):
            return ModelSpec.from_preset(name), TrainConfig(**catalog.PRESETS[name].recipe)

        return {name: (lambda name=name: preset(name)) for name in catalog.PRESETS}

    def complete(self, spec, config, extra=None) -> ModelSpec:
        return private.private_spec(spec) if privacy.is_private(config) else spec

    def check(self, spec, config, memory_budget=None) -> None:
        check_fit(spec, config, memory_budget)
        if privacy.is_private(config):  # its words before the job is queued
            self.privacy_plan(config)

    def privacy_plan(self, config: TrainConfig):
        """The plan a private run of `config` will train with (engine/privacy.py), or None."""
        n = max(1, round(self.planned_samples(config)))
        return privacy.plan_of(config, n, max(1, math.ceil(self.planned_steps(config))))

    def planned_samples(self, config: TrainConfig) -> float:
        info = image_sets.info_of(config)
        images = info.train_images * (1 - config.val_fraction)
        if config.examples_per_class:
            images = min(images, config.examples_per_class * len(info.classes))
        return min(images, config.train_limit) if config.train_limit else images

    def max_records(self, config: TrainConfig) -> int:
        steps = math.ceil((self.planned_samples(config) + EXTRA_EXAMPLES) / config.batch_size)
        return steps * config.epochs + config.epochs + 1

    def load_data(self, config: TrainConfig, data_dir, mirrors, device, extra=None) -> Dataset:
        data = load(
            config.dataset, data_dir, val_fraction=config.val_fraction,
            train_limit=config.train_limit, examples_per_class=config.examples_per_class,
            classes=image_sets.parse_classes(config.classes), seed=config.seed, device=device,
            mirrors=mirrors,
        )  # fmt: skip
        return data if extra is None else data.with_extra(*extra)  # drawings: (x, y, repeat)

    def data_key(self, config: TrainConfig) -> str:
        return (
            f"{config.dataset}:{config.val_fraction}:{config.train_limit}:"
            f"{config.examples_per_class}:{config.seed if config.examples_per_class else 0}:"
            f"{config.classes}"
        )

    def warm_up_data(self, data: Dataset, batches: int, config: TrainConfig) -> Dataset:
        return data.head(batches * config.batch_size)

    def steps_per_epoch(self, data: Dataset, config: TrainConfig) -> int:
        return -(-len(data.train_x) // config.batch_size)

    def total_steps(self, steps_per_epoch: int, config: TrainConfig) -> int:
        return planned_steps(steps_per_epoch, config)

    def planned_steps(self, config: TrainConfig) -> float:
        return planned_steps(math.ceil(self.planned_samples(config) / config.batch_size), config)

    def build(self, spec: ModelSpec) -> nn.Module:
        return models.build(spec)

    def prepare(self, model: nn.Module, device, config: TrainConfig) -> nn.Module:
        return prepare(model, device, config.channels_last and not privacy.is_private(config))

    def flops_per_sample(self, spec: ModelSpec, config: TrainConfig, frozen=frozenset()) -> float:
        shape = image_sets.DATASETS[config.dataset].input_shape

        def make():
            model = models.build(spec)
            return model, lambda: model(torch.zeros((2, *shape))).float().sum()

        return training_flops(make, frozen) / 2

    def scaled(self, spec: ModelSpec, factor: float, how: str = "width") -> ModelSpec:
        """Every layer's channels and units but the last's times `factor` (depth: the
        convolutions after the first repeated, as many again as the factor says)."""
        width = factor if how == "width" else math.sqrt(factor) if how == "both" else 1.0
        widths = {"out_channels", "out_features"}
        last = max(i for i, x in enumerate(spec.layers) if widths & set(x.params))
        layers = [
            x if i == last else dataclasses.replace(x, params={
                k: max(1, round(v * width)) if k in widths else v for k, v in x.params.items()})
            for i, x in enumerate(spec.layers)
        ]  # fmt: skip
        if how != "width":
            repeat = max(0, round((factor if how == "depth" else math.sqrt(factor)) - 1))
            convs = [i for i, x in enumerate(layers) if x.kind == "conv2d"]
            if convs and repeat:
                at = convs[-1]
                same = dataclasses.replace(layers[at], params={**layers[at].params, "padding": 1})
                layers[at + 1 : at + 1] = [same] * repeat
        scaled = dataclasses.replace(spec, layers=tuple(layers), name=f"{spec.name} x{factor:.2g}")
        scaled.validate()
        return scaled

    def with_steps(self, config: TrainConfig, steps: int) -> TrainConfig:
        n = image_sets.DATASETS[config.dataset].train_images * (1 - config.val_fraction)
        wanted = steps * config.batch_size
        for name, value in (("max_steps", steps), ("epochs", math.ceil(wanted / n))):
            row = next(s for s in SETTINGS if s.name == name)
            if value > row.high:  # a sweep keeps every setting's range, as any run does
                raise SpecError(Text("A budget of {steps:,} steps is more than a run here "
                                     "takes: give each size less.", steps=steps))  # fmt: skip
        if wanted <= n:  # part of one epoch: exactly `steps` batches
            return dataclasses.replace(config, epochs=1, train_limit=wanted, max_steps=steps)
        return dataclasses.replace(
            config, epochs=math.ceil(wanted / n), train_limit=0, max_steps=steps
        )  # the last epoch ends at the budget

    def pass_batch(self, spec, config: TrainConfig, memory_budget) -> int:
        """Images validation, the test set and calibration take at a time within the budget."""
        shape = image_sets.DATASETS[config.dataset].input_shape
        found = job_pass_batch_size(spec, config.batch_size, config.optimizer, memory_budget, shape)
        return max(1, found)

    def lesson(self, spec, model, data, config, memory_budget) -> ImageLesson:
        return ImageLesson(data, config, self.pass_batch(spec, config, memory_budget))

    def results(self, spec, model, data: Dataset, config: TrainConfig, memory_budget) -> dict:
        batch = self.pass_batch(spec, config, memory_budget)
        loss, accuracy = evaluate(
            model, data.test_x, data.test_y, config.loss, data.info, batch_size=batch,
            channels_last=config.channels_last,
        )  # fmt: skip
        return {
            "test_loss": loss,
            "test_accuracy": accuracy,
            **_calibration(model, data, config, batch),
        }

    def describe(self, spec, config: TrainConfig, data, memory_budget=None) -> dict:
        kept = {"classes": list(image_sets.info_of(config).classes)} if config.classes else {}
        about = {
            **kept,
            "dataset": data.name if data is not None else config.dataset,
            "parameters": sum(p.numel() for p in models.build(spec).parameters()),
            "test_accuracy": None,
        }  # results() sets it when the job finishes
        if data is not None:
            about["pass_batch_size"] = self.pass_batch(spec, config, memory_budget)
        return about

    def live_numbers(self, steps, epochs, config: TrainConfig, ended=False) -> list[Number]:
        last = steps[-1] if steps else None
        smoothed = smooth([s.loss for s in steps[-200:]])[-1] if steps else None
        vals = [e.val_accuracy for e in epochs if e.val_accuracy is not None]
        return [
            epoch_number(steps, epochs, config.epochs, ended),
            Number(_("Train loss"), "-" if smoothed is None else f"{smoothed:.4f}",
                   help=_("Smoothed over the last batches.")),
            Number(_("Val accuracy"), f"{vals[-1]:.2%}" if vals else "-",
                   f"{vals[-1] - vals[-2]:+.2%}" if len(vals) > 1 else None),
            Number(_("Samples/s"), f"{last.samples_per_second:,.0f}" if last else "-"),
            *privacy.live_numbers(self, config, last.step if last else 0, epochs),
        ]  # fmt: skip

    def data_label(self, config: TrainConfig) -> str:
        info = image_sets.DATASETS.get(config.dataset)
        return info.label if info is not None else ""

    def advice(self, config: TrainConfig, epochs) -> str | None:
        return stall_advice(config, epochs, len(image_sets.info_of(config).classes))

    def table_row(self, run) -> dict:
        return model_card.table_row(run)

    def settings(self, run) -> dict:
        return model_card.settings(run)

    def setting_labels(self) -> dict[str, str]:
        return {**super().setting_labels(), "layers": N_("Layers")}

    def model_card(self, run, files, memory_budget) -> str:
        return model_card.model_card(run, files, memory_budget)

    def script(self, run) -> str:
        return standalone.script(
            run.spec, run.config, origin=f"run {run.name}", summary=run.summary
        )

    def script_name(self, run) -> str:
        return standalone.file_name(run.spec)

    exports_onnx = True

    def onnx(self, run):
        return onnx_export.export_run(run)


EXTRA_EXAMPLES = 10_000  # examples of one's own a fine-tune may add to the training split


def _calibration(model: nn.Module, data: Dataset, config: TrainConfig, batch_size: int) -> dict:
    """The temperature that makes a softmax model's confidence honest on the validation split,
    and its calibration error before and after (calibration.py); {} where that does not apply."""
    if not len(data.val_y) or config.loss not in calibration.SOFTMAX_LOSSES:
        return {}
    outputs = evaluation.outputs_of(model, data.val_x, data.info, batch_size).float().cpu()
    return calibration.calibrate(outputs, data.val_y.cpu())


IMAGE = register(ImageTask())
