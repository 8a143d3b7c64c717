"""Will this model train with this recipe here: the data's shape, the loss, and memory.

`check_fit` is what every job passes before it is queued: the model's output fits the dataset
and the loss, and (with the server's budget) one training step and a pass over the validation and
test images fit in memory (memory.py estimates both).
"""

from __future__ import annotations

from playground import catalog
from playground.layers import Shape, describe
from playground.memory import (
    MemoryEstimate,
    estimate_memory,
    estimate_pass,
    job_pass_batch_size,
    size_text,
    usable,
)
from playground.recipe import TrainConfig
from playground.specs import ModelSpec, SpecError


def check_fit(
    spec: ModelSpec, config: TrainConfig, memory_budget: int | None = None
) -> tuple[Shape, ...]:
    """Check that the model, the dataset and the loss work together, and (with a budget in
    bytes) that one training step and a pass over the validation and test images fit in
    memory; return the layers' output shapes."""
    config.validate()
    data = catalog.DATASETS[config.dataset]
    shapes = spec.validate(data.input_shape)
    out = shapes[-1]
    last = f"The last layer (layer {len(shapes)}, {spec.layers[-1].label})"
    if len(out) != 1:
        raise SpecError(
            f"{last} gives {describe(out)}, but a classifier must end with scores for the "
            f"{len(data.classes)} classes: add Flatten and a Linear layer of "
            f"{len(data.classes)} units.",
            layer=len(shapes) - 1,
        )
    loss = catalog.LOSSES[config.loss]
    problem = loss.fits(out[0], len(data.classes))
    if problem:
        raise SpecError(
            f"{loss.label} {problem}: set the last Linear layer to {len(data.classes)} units.",
            layer=len(shapes) - 1,
            field="loss",
        )
    if memory_budget is not None:
        step = estimate_memory(spec, config.batch_size, config.optimizer, data.input_shape)
        check_memory(step, memory_budget)
        check_pass(spec, config, memory_budget)
    return shapes


def check_pass(spec: ModelSpec, config: TrainConfig, budget: int) -> None:
    """SpecError if not even one image can go through the model without gradients (the
    validation and test passes) beside what training holds, within `budget`."""
    shape = catalog.DATASETS[config.dataset].input_shape
    if job_pass_batch_size(spec, config.batch_size, config.optimizer, budget, shape) >= 1:
        return
    needs = estimate_pass(spec, shape).at(1)
    raise SpecError(
        f"One image through this model for validation needs about {size_text(needs)} beside "
        f"what training holds, more than the {size_text(budget)} this server allows per job: "
        "make the largest layer output smaller (fewer channels, less padding, a stride, or "
        "pooling before it), or use fewer units.",
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
        fix = (
            f"Use a batch size of at most {fits}, or make that layer's output smaller "
            "(fewer channels, less padding, a stride, or pooling before it)."
        )
    else:
        fix = (
            "Even one image is too much: make that layer's output smaller (fewer channels, "
            "less padding, a stride, or pooling before it), or use fewer layers."
        )
    raise SpecError(
        f"One training step needs about {size_text(estimate.total)} (batch of "
        f"{estimate.batch_size}, {optimizer}), more than the {size_text(budget)} this server "
        f"allows per job. Layer {worst.index} ({worst.label}, {describe(worst.output_shape)} "
        "out) keeps the most for the backward pass: "
        f"{size_text(worst.saved_per_image * estimate.batch_size)}. {fix}",
        layer=worst.index - 1,
        field="batch_size",
    )
