"""Will this model train with this recipe here: the data's shape, the loss, and memory.

`check_fit` is what every job passes before it is queued. `estimate_memory` is the peak memory of
one training step: the weights, their gradients, the optimizer's state, and the activations that
autograd keeps for the backward pass. Those are found as autograd itself keeps them, by running
the model on PyTorch's meta device (shapes only: no memory, no arithmetic) under saved-tensor
hooks, so any layer kind is measured without a rule of its own.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import torch

from playground import catalog, models
from playground.layers import Shape, describe
from playground.recipe import TrainConfig
from playground.specs import ModelSpec, SpecError

FLOAT_BYTES = 4  # weights, gradients, optimizer state and activations are float32


@dataclass(frozen=True)
class LayerMemory:
    index: int  # 1-based, as the editor numbers layers
    label: str  # e.g. "Conv2d 32 3x3 + ReLU"
    output_shape: Shape
    saved_per_image: int  # bytes autograd keeps for backward while this layer runs forward


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes one training step needs at `batch_size`."""

    batch_size: int
    optimizer: str
    weights: int
    gradients: int
    optimizer_state: int
    layers: tuple[LayerMemory, ...]

    @property
    def activations(self) -> int:
        """Kept for backward over the whole batch."""
        return self.batch_size * self.activations_per_image

    @property
    def activations_per_image(self) -> int:
        return sum(x.saved_per_image for x in self.layers)

    @property
    def backward_extra(self) -> int:
        """Gradients flowing back: at most about twice the largest layer output at once."""
        largest = max((math.prod(x.output_shape) for x in self.layers), default=0)
        return 2 * FLOAT_BYTES * self.batch_size * largest

    @property
    def fixed(self) -> int:
        """What does not grow with the batch."""
        return self.weights + self.gradients + self.optimizer_state

    @property
    def total(self) -> int:
        return self.fixed + self.activations + self.backward_extra

    @property
    def costliest(self) -> LayerMemory:
        return max(self.layers, key=lambda x: x.saved_per_image)

    def largest_batch(self, budget: int) -> int:
        """The largest batch size whose step fits in `budget` bytes (0 if none does)."""
        per_image = self.total - self.fixed
        if per_image <= 0:
            return 1 << 30
        return max(0, (budget - self.fixed) * self.batch_size // per_image)


@functools.lru_cache(maxsize=64)  # pages ask again on every rerun; specs are hashable
def estimate_memory(
    spec: ModelSpec, batch_size: int, optimizer: str, input_shape: Shape | None = None
) -> MemoryEstimate:
    """The memory of one training step of `spec` (SpecError if the spec does not validate)."""
    shape = tuple(input_shape or spec.input_shape)
    summary = models.summarize(spec, shape)
    with torch.device("meta"):
        model = models.build(spec, shape)
    weights = sum(p.numel() for p in model.parameters()) * FLOAT_BYTES
    saved = _saved_per_layer(model, shape)
    layers = tuple(
        LayerMemory(row.index, row.label, row.output_shape, saved.get(i, 0))
        for i, row in enumerate(summary.layers)
    )
    state = catalog.OPTIMIZERS[optimizer].state_per_weight * weights
    return MemoryEstimate(batch_size, optimizer, weights, weights, state, layers)


def _saved_per_layer(model: torch.nn.Module, shape: Shape) -> dict[int, int]:
    """Bytes per image that autograd keeps, by top-level layer, from a meta forward pass."""
    batch = 2  # BatchNorm refuses one image in training mode; sizes are linear in the batch
    current, saved = [0], {}
    # weights (and views of them, like Linear's transpose) are counted once, not per image;
    # a tensor kept by two operations is stored once
    seen = {id(p) for p in model.parameters()}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        base = tensor if tensor._base is None else tensor._base
        if id(tensor) not in seen and id(base) not in seen:
            seen.add(id(tensor))
            size = tensor.numel() * tensor.element_size()
            saved[current[0]] = saved.get(current[0], 0) + size
        return tensor

    hooks = [
        child.register_forward_pre_hook(lambda _m, _x, i=i: current.__setitem__(0, i))
        for i, child in enumerate(model)
    ]
    try:
        x = torch.zeros((batch, *shape), device="meta")
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            out = model.train()(x)
        del out
    finally:
        for hook in hooks:
            hook.remove()
    return {i: -(-size // batch) for i, size in saved.items()}


def check_fit(
    spec: ModelSpec, config: TrainConfig, memory_budget: int | None = None
) -> tuple[Shape, ...]:
    """Check that the model, the dataset and the loss work together, and (with a budget in
    bytes) that one batch fits in memory; return the layers' output shapes."""
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
        check_memory(
            estimate_memory(spec, config.batch_size, config.optimizer, data.input_shape),
            memory_budget,
        )
    return shapes


def check_memory(estimate: MemoryEstimate, budget: int) -> None:
    """SpecError, naming the layer that costs most and a fix, if `estimate` is over `budget`."""
    if estimate.total <= budget:
        return
    worst = estimate.costliest
    optimizer = catalog.OPTIMIZERS[estimate.optimizer].label
    fits = estimate.largest_batch(budget)
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


def size_text(nbytes: float) -> str:
    """Bytes in a reader's units: '27 MB', '1.5 GB', '300 KB'."""
    for unit, size in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if nbytes >= size:
            value = nbytes / size
            return f"{value:.1f} {unit}" if value < 10 else f"{value:,.0f} {unit}"
    return f"{int(nbytes)} bytes"
