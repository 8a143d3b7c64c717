"""Will this model train with this recipe here: the data's shape, the loss, and memory.

`check_fit` is what every job passes before it is queued: the model's output fits the dataset
and the loss, and (with the server's budget) one training step and a pass over the validation and
test images fit in memory. `estimate_memory` and `estimate_pass` count an image model's step and
pass on the meta device (engine/memory.py), and `pass_batch_size` is the largest batch of a pass
that fits a budget.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import torch
from torch import nn

from playground.datasets import image_sets
from playground.datasets.images import normalise
from playground.engine import privacy
from playground.engine.i18n import N_, Text
from playground.engine.memory import (
    ALLOCATOR_SLACK,
    BACKWARD_COPIES,
    CONV_BACKWARD_COPIES,
    FLOAT_BYTES,
    PASS_BATCH_MOST,
    WEIGHT_COPIES,
    LayerMemory,
    MemoryEstimate,
    PassMemory,
    optimizer_step_scratch,
    peak_of_pass,
    saved_per_child,
    size_text,
    usable,
)
from playground.engine.records import SpecError
from playground.engine.settings import ServerSettings
from playground.tasks.image import catalog, models
from playground.tasks.image.layers import Shape, describe
from playground.tasks.image.recipe import TrainConfig
from playground.tasks.image.specs import ModelSpec


def check_fit(
    spec: ModelSpec, config: TrainConfig, memory_budget: int | None = None
) -> tuple[Shape, ...]:
    """Check that the model, the dataset and the loss work together, and (with a budget in
    bytes) that one training step and a pass over the validation and test images fit in
    memory; return the layers' output shapes."""
    config.validate()
    data = image_sets.info_of(config)
    shapes = spec.validate(data.input_shape)
    out = shapes[-1]
    last = Text(
        "The last layer (layer {count}, {label})", count=len(shapes), label=spec.layers[-1].label
    )
    if len(out) != 1:
        raise SpecError(
            Text(
                "{last} gives {out}, but a classifier must end with scores for the "
                "{count} classes: add Flatten and a Linear layer of {count2} units.",
                last=last,
                out=describe(out),
                count=len(data.classes),
                count2=len(data.classes),
            ),
            layer=len(shapes) - 1,
        )
    loss = catalog.LOSSES[config.loss]
    problem = loss.fits(out[0], len(data.classes))
    if problem:
        raise SpecError(
            Text(
                "{label} {problem}: set the last Linear layer to {count} units.",
                label=loss.label,
                problem=problem,
                count=len(data.classes),
            ),
            layer=len(shapes) - 1,
            field="loss",
        )
    if memory_budget is not None:
        step = estimate_memory(spec, config.batch_size, config.optimizer, data.input_shape)
        if privacy.is_private(config):  # Poisson batches: room for 4 standard deviations more
            batch = config.batch_size + math.ceil(4 * math.sqrt(config.batch_size))
            step = dataclasses.replace(step, batch_size=batch, per_example_gradients=True)
        check_memory(step, memory_budget)
        check_pass(spec, config, memory_budget)
    return shapes


def check_pass(spec: ModelSpec, config: TrainConfig, budget: int) -> None:
    """SpecError if not even one image can go through the model without gradients (the
    validation and test passes) beside what training holds, within `budget`."""
    shape = image_sets.DATASETS[config.dataset].input_shape
    if job_pass_batch_size(spec, config.batch_size, config.optimizer, budget, shape) >= 1:
        return
    needs = estimate_pass(spec, shape).at(1)
    raise SpecError(
        Text(
            "One image through this model for validation needs about {needs} beside "
            "what training holds, more than the {budget} this server allows per job: "
            "make the largest layer output smaller (fewer channels, less padding, a "
            "stride, or pooling before it), or use fewer units.",
            needs=size_text(needs),
            budget=size_text(budget),
        ),
        field="batch_size",
    )


def check_memory(estimate: MemoryEstimate, budget: int) -> None:
    """SpecError, naming the layer that costs most and a fix, if `estimate` is over `budget`."""
    if estimate.total <= usable(budget):
        return
    worst = estimate.costliest
    optimizer = catalog.OPTIMIZERS[estimate.optimizer].label
    fits = estimate.largest_batch(usable(budget))
    if fits >= 1:
        fix = Text(
            "Use a batch size of at most {fits}, or make that layer's output "
            "smaller (fewer channels, less padding, a stride, or pooling before "
            "it).",
            fits=fits,
        )
    else:
        fix = N_(
            "Even one image is too much: make that layer's output smaller (fewer channels, "
            "less padding, a stride, or pooling before it), or use fewer layers."
        )
    raise SpecError(
        Text(
            "One training step needs about {total} (batch of {batch_size}, "
            "{optimizer}), more than the {budget} this server allows per job. Layer "
            "{index} ({label}, {output_shape} out) keeps the most for the backward "
            "pass: {value}.{private} {fix}",
            total=size_text(estimate.total),
            batch_size=estimate.batch_size,
            optimizer=optimizer,
            budget=size_text(budget),
            index=worst.index,
            label=worst.label,
            output_shape=describe(worst.output_shape),
            value=size_text(worst.saved_per_image * estimate.batch_size),
            private=Text(
                " Differential privacy keeps every image's own gradients: {size}.",
                size=size_text(estimate.per_example),
            )
            if estimate.per_example
            else "",
            fix=fix,
        ),
        layer=worst.index - 1,
        field="batch_size",
    )


# --- the memory of this task's steps and passes (engine/memory.py counts them) ------------


def estimate_memory(
    spec: ModelSpec,
    batch_size: int,
    optimizer: str,
    input_shape: Shape | None = None,
    frozen: frozenset[str] = frozenset(),
) -> MemoryEstimate:
    """The memory of one training step of `spec` (SpecError if the spec does not validate);
    `frozen` names parameters that train no more: no gradient, no optimizer state."""
    return _estimate_memory(
        spec, batch_size, optimizer, tuple(input_shape or spec.input_shape), frozenset(frozen)
    )


@functools.lru_cache(maxsize=64)  # pages ask again on every rerun; specs are hashable
def _estimate_memory(spec: ModelSpec, batch_size: int, optimizer: str, shape: Shape,
                     frozen: frozenset[str] = frozenset()):  # fmt: skip
    summary = models.summarize(spec, shape)
    with torch.device("meta"):
        model = models.build(spec, shape)
    weights = sum(p.numel() for p in model.parameters()) * FLOAT_BYTES
    trained = sum(p.numel() for n, p in model.named_parameters() if n not in frozen) * FLOAT_BYTES
    saved = saved_per_child(model, torch.zeros((2, *shape), device="meta"))
    layers = tuple(
        LayerMemory(row.index, row.label, row.output_shape, saved.get(i, 0))
        for i, row in enumerate(summary.layers)
    )
    state = catalog.OPTIMIZERS[optimizer].state_per_weight * trained
    convs = any(isinstance(m, nn.Conv2d) for m in model.modules())
    copies = CONV_BACKWARD_COPIES if convs else BACKWARD_COPIES
    scratch = optimizer_step_scratch(model, optimizer) * trained // max(1, weights)
    return MemoryEstimate(batch_size, optimizer, weights, trained, state, layers, scratch,
                          copies, WEIGHT_COPIES * weights)  # fmt: skip


def estimate_pass(spec: ModelSpec, input_shape: Shape | None = None) -> PassMemory:
    """The memory of a pass of `spec` without gradients, as the jobs and pages run it: uint8
    images normalised, then the model in eval mode (SpecError if the spec does not validate)."""
    return _estimate_pass(spec, tuple(input_shape or spec.input_shape))


@functools.lru_cache(maxsize=64)
def _estimate_pass(spec: ModelSpec, shape: Shape) -> PassMemory:
    spec.validate(shape)
    with torch.device("meta"):
        model = models.build(spec, shape).eval()
    weights = sum(t.numel() * t.element_size() for t in model.state_dict().values())

    def images(batch: int) -> torch.Tensor:
        return normalise(torch.zeros((batch, *shape), dtype=torch.uint8, device="meta"), 0.0, 1.0)

    # one pass of two images: what does not grow with the batch is counted as if it did, a
    # little over, and a second pass (twice the time on a deep model) is saved
    return PassMemory(weights, max(1, -(-peak_of_pass(model, images, 2) // 2)))


def pass_batch_size(spec: ModelSpec, budget: int | None, input_shape: Shape | None = None) -> int:
    """Images a pass of `spec` without gradients takes at a time: as many as fit `budget`
    (bytes; None: the default server's), at most PASS_BATCH_MOST, at least 1."""
    budget = ServerSettings().memory_budget_bytes if budget is None else budget
    return max(1, estimate_pass(spec, input_shape).largest_batch(budget))


def gradient_batch_size(spec: ModelSpec, budget: int | None, most: int = 200) -> int:
    """Copies of one input a pass with gradients (an attribution) may take at once within
    `budget` (bytes; None: the default server's): at most `most`, at least 1."""
    budget = ServerSettings().memory_budget_bytes if budget is None else budget
    return max(1, min(most, estimate_memory(spec, 1, "sgd").largest_batch(budget)))


def job_pass_batch_size(
    spec: ModelSpec,
    batch_size: int,
    optimizer: str,
    budget: int | None,
    input_shape: Shape | None = None,
) -> int:
    """Images a job's validation and test passes take at a time: what `budget` (None: the
    default server's) leaves beside the training's weights, gradients, optimizer state and
    copies, at most PASS_BATCH_MOST; 0 if not even one image fits."""
    budget = ServerSettings().memory_budget_bytes if budget is None else budget
    step = estimate_memory(spec, batch_size, optimizer, input_shape)
    passes = estimate_pass(spec, input_shape)
    room = (usable(budget) - step.fixed - passes.scratch) // ALLOCATOR_SLACK
    return max(0, min(PASS_BATCH_MOST, room // max(1, passes.per_input)))
