"""What an image model and its recipe become when they train privately (engine/privacy.py):
BatchNorm, which mixes the examples of a batch, becomes GroupNorm (as Opacus'
`ModuleValidator.fix` does, but in the spec, so that the run's saved model is the one that
trained), and what Opacus cannot run beside its per-example gradients is off, each in words."""

from __future__ import annotations

import dataclasses

from playground.engine import privacy
from playground.engine.i18n import N_, Text
from playground.tasks.image.specs import LayerSpec, ModelSpec

BATCH_NORM_WHY = N_(
    "BatchNorm mixes the examples of a batch, so no one example's gradient can be clipped "
    "alone: it trains as GroupNorm, which normalises each example by itself."
)


def converted(spec: ModelSpec) -> list[int]:
    """The 1-based numbers of the layers that privacy turns from BatchNorm into GroupNorm."""
    return [i for i, layer in enumerate(spec.layers, start=1) if layer.kind == "batchnorm"]


def private_spec(spec: ModelSpec) -> ModelSpec:
    """`spec` with every BatchNorm layer a GroupNorm one (its activation kept)."""
    if not converted(spec):
        return spec
    layers = tuple(
        LayerSpec("groupnorm", {}, x.activation) if x.kind == "batchnorm" else x
        for x in spec.layers
    )
    return dataclasses.replace(spec, layers=layers)


def notes(spec: ModelSpec | None, config) -> list[str]:
    """What changes when `config` trains privately, one sentence each ([] when not private)."""
    if not privacy.is_private(config):
        return []
    said = []
    if spec is not None and converted(spec):
        numbers = ", ".join(map(str, converted(spec)))
        said.append(Text("Layers {numbers}: {why}", numbers=numbers, why=BATCH_NORM_WHY))
    off = [name for name, on in (("torch.compile", config.compile),
                                 ("GPU fast path", config.gpu_fast_path),
                                 ("channels-last", config.channels_last)) if on]  # fmt: skip
    if off:
        said.append(Text("Off while private: {names} (Opacus computes each example's gradient "
                         "with hooks on the plain model, in full precision).",
                         names=", ".join(off)))  # fmt: skip
    said.append(
        N_(
            "Batches are Poisson-sampled (each image joins each step's batch by chance), "
            "as the privacy accountant assumes: their sizes vary around the batch size."
        )
    )
    return said
