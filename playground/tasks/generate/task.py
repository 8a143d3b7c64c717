"""Image generation as a task (engine/task.py): a model that learns to make 28x28 digits (or
clothes) from MNIST's kin, trained by the shared loop like every other model, so that jobs,
the queue, limits, Ray, runs, share links, compare, sweeps and bundles work for it unchanged."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import ClassVar

import torch
from torch import nn

from playground import ASSETS
from playground.datasets.images import load
from playground.engine import task as tasks
from playground.engine.cost import training_flops
from playground.engine.i18n import N_, Text
from playground.engine.metrics import Metric
from playground.engine.records import SpecError
from playground.tasks.generate import diffusion, export, gan, score, standalone, vae
from playground.tasks.generate.recipe import IMAGE_SETS, SETTINGS, GenerateConfig
from playground.tasks.generate.specs import IMAGE, SPEC_SETTINGS, GenSpec
from playground.tasks.generate.training import GenerateLesson, test_terms

NATS = N_("nats per image")
PRESETS = {  # name -> (spec, recipe): each trains in about a minute on a 2-core CPU
    "vae-2d": (GenSpec(name="vae-2d"), {"epochs": 5}),
    "vae-digits": (GenSpec(latent=2, conditional=True, name="vae-digits"), {"epochs": 10}),
    "vae-conv": (  # convolutions each way: sharper strokes, a few times slower than the MLP
        GenSpec(hidden=16, latent=8, conditional=True, architecture="conv", name="vae-conv"),
        {"epochs": 3},
    ),
    "gan-digits": (  # a DCGAN told the class; the discriminator and the generator in turns
        GenSpec(family="gan", hidden=32, latent=32, conditional=True, name="gan-digits"),
        {"epochs": 15, "lr": 2e-4},
    ),
    "diffusion-digits": (  # minutes, not seconds: a small UNet, 1,000 noise levels
        GenSpec(family="diffusion", hidden=16, conditional=True, name="diffusion-digits"),
        {"epochs": 6, "batch_size": 64},
    ),
}
SCORED = ("mnist", "mnist-sample")  # the data sets the app's digit classifier can score a model of
TRAINING_BYTES_PER_WEIGHT = 16  # the weight, its gradient and Adam's two moments, in float32


class GenerateTask(tasks.Task):
    name = "generate"
    label = N_("Image generation")
    samples = N_("images")
    metrics = (
        # every family's score (score.py): the classifier's features of what it makes against
        # real test digits'; then, for a model told the class, the share read as asked
        Metric("frechet", N_("Fréchet distance")),
        Metric("as_asked", N_("Read as asked"), lower_is_better=False, percent=True),
        Metric("test_loss", N_("Test loss")),  # a VAE's in nats per image, a diffusion model's
        # the mean squared error of its predicted noise, a GAN's discriminator's
        Metric("reconstruction", N_("Reconstruction"), NATS),
        Metric("kl", N_("KL divergence"), NATS),
    )
    fit_metric = metrics[2]  # the loss every run reaches, digits or clothes
    spec_type = GenSpec
    config_type = GenerateConfig
    pretrained: ClassVar[Path | None] = ASSETS / "generate" / "vae"  # the model that ships

    def spec_from_dict(self, data) -> GenSpec:
        return GenSpec.from_dict(data)

    def config_from_dict(self, data) -> GenerateConfig:
        return GenerateConfig.from_dict(data)

    def settings_table(self) -> tuple:
        return SETTINGS

    def presets(self) -> dict:
        def preset(name: str):
            spec, recipe = PRESETS[name]
            return spec, GenerateConfig.from_dict({**GenerateConfig().to_dict(), **recipe})

        return {name: (lambda name=name: preset(name)) for name in PRESETS}

    def check(self, spec: GenSpec, config: GenerateConfig, memory_budget=None) -> None:
        spec.validate()
        config.validate()
        if spec.family == "diffusion" and spec.hidden % 8:
            raise SpecError(Text("A diffusion model's width is {width}: make it a multiple of 8 "
                                 "(its channels are normalised in 8 groups).", width=spec.hidden),
                            field="hidden")  # fmt: skip
        if memory_budget is None:
            return
        weights = sum(p.numel() for p in self.build(spec).parameters())
        if spec.family in ("diffusion", "gan") or spec.architecture == "conv":  # feature maps
            width = 40 * spec.hidden * math.prod(IMAGE)
        else:
            width = 2 * math.prod(IMAGE) + 4 * spec.hidden + 4 * spec.latent  # floats an image
        need = TRAINING_BYTES_PER_WEIGHT * weights + 2 * 4 * config.batch_size * width
        if need > memory_budget:
            raise SpecError(Text(
                "Training it takes about {need:,} MB, more than the {budget:,} MB this server "
                "allows per job: make it narrower or the batch smaller.",
                need=math.ceil(need / 2**20), budget=memory_budget // 2**20))  # fmt: skip

    def planned_samples(self, config: GenerateConfig) -> float:
        images = IMAGE_SETS[config.dataset].train_images * 0.9
        return min(images, config.train_limit) if config.train_limit else images

    def data_label(self, config) -> str:
        info = IMAGE_SETS.get(config.dataset)
        return info.label if info is not None else ""

    def load_data(self, config: GenerateConfig, data_dir, mirrors, device, extra=None):
        return load(config.dataset, data_dir, train_limit=config.train_limit, seed=config.seed,
                    device=device, mirrors=mirrors)  # fmt: skip

    def steps_per_epoch(self, data, config: GenerateConfig) -> int:
        return max(1, math.ceil(len(data.train_y) / config.batch_size))

    def build(self, spec: GenSpec) -> nn.Module:
        if spec.family == "diffusion":
            return diffusion.Denoiser(spec.hidden, spec.timesteps, spec.conditional, spec.schedule)
        if spec.family == "gan":
            return gan.GAN(spec.hidden, spec.latent, spec.conditional)
        return vae.VAE(spec.hidden, spec.latent, spec.conditional, spec.architecture == "conv")

    def lesson(self, spec, model, data, config, memory_budget) -> GenerateLesson:
        return GenerateLesson(model, data, config, self.steps_per_epoch(data, config))

    def results(self, spec, model, data, config, memory_budget) -> dict:
        was = model.training
        model.eval()
        try:
            found = test_terms(model, data, config)
            if config.dataset in SCORED:  # the classifier reads digits, not clothes
                found.update(score.of_model(model, data.test_x, batch=config.batch_size))
            return found
        finally:
            model.train(was)

    def flops_per_sample(self, spec, config, frozen=frozenset()) -> float:
        def make():
            model = self.build(spec)
            x = torch.zeros((1, *IMAGE))
            y = torch.zeros(1, dtype=torch.long) if spec.conditional else None
            if spec.family == "diffusion":
                return model, lambda: diffusion.loss(model, x, y)
            if spec.family == "gan":  # a discriminator's step and a generator's
                z = torch.zeros(1, spec.latent)
                return model, lambda: (gan.discriminator_loss(model, x, y, z)
                                       + gan.generator_loss(model, y, z))  # fmt: skip
            return model, lambda: vae.terms(model, x, y).total(config.beta)

        return training_flops(make, frozen)

    def describe(self, spec, config, data, memory_budget=None) -> dict:
        return {
            "dataset": data.name if data is not None else config.dataset,
            "parameters": sum(p.numel() for p in self.build(spec).parameters()),
        }

    def scaled(self, spec: GenSpec, factor: float, how: str = "width") -> GenSpec:
        hidden = max(8, round(spec.hidden * factor))
        return dataclasses.replace(spec, hidden=hidden,
                                   name=f"{spec.name} x{factor:.2g}").validate()  # fmt: skip

    def with_steps(self, config: GenerateConfig, steps: int) -> GenerateConfig:
        per_epoch = math.ceil(self.planned_samples(config) / config.batch_size)
        return dataclasses.replace(config, epochs=max(1, math.ceil(steps / per_epoch)))

    def model_card(self, run, files, memory_budget) -> str:
        return export.model_card(run, files)

    def script(self, run) -> str | None:
        return standalone.script(run)

    def script_name(self, run) -> str:
        return f"train_{run.spec.family}.py"

    exports_onnx = True

    def onnx(self, run):
        return export.onnx_of(run)

    def settings(self, run) -> dict:
        return self.spec_and_config(run)

    def setting_labels(self) -> dict[str, str]:
        return self.spec_labels({s.name: s.label for s in SPEC_SETTINGS})


GENERATE = tasks.register(GenerateTask())
