"""How much memory a model needs, for any task: one training step, and one pass without
gradients, counted on PyTorch's meta device (shapes only: no memory, no arithmetic).

A MemoryEstimate is the peak of one training step: the weights, their gradients, the optimizer's
state, the copies of the weights a job keeps, the activations that autograd keeps for the
backward pass (`saved_per_child`, as autograd itself keeps them, under saved-tensor hooks, so
any layer is measured without a rule of its own) and the gradients flowing back, or the
optimizer's own step where that is more. A PassMemory is the peak of a pass without gradients
(validation, the test set, the pages' passes): the tensors alive at its busiest moment
(`peak_of_pass`). A task builds both for its models (tasks/image/fit.py);
benchmarks/bench_limits.py compares them with what a fresh process really takes.
"""

from __future__ import annotations

import functools
import math
import weakref
from dataclasses import dataclass

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves

from playground.engine.i18n import Text
from playground.engine.optimizers import OPTIMIZERS

FLOAT_BYTES = 4  # weights, gradients, optimizer state and activations are float32
PASS_BATCH_MOST = 1000  # images a pass without gradients takes at a time, at most
# Copies of the largest layer output alive at once in the backward pass: its gradient, the
# gradient of its input and, for convolutions on the CPU, oneDNN's reordered copies of both
# (measured in benchmarks/bench_limits.py: without them a padded conv stack was 0.63x).
BACKWARD_COPIES, CONV_BACKWARD_COPIES = 2, 4
# Copies of the weights a job holds besides the model: the newest snapshot that pages read, and
# the first and newest moments of its history (history.py). The history's other moments may
# take 1/HISTORY_SHARE of the budget, which the step and the passes leave to them.
WEIGHT_COPIES, HISTORY_SHARE = 3, 16
# What the process really takes for what is alive at once, for the short-lived tensors of a step
# or a pass: glibc's allocator leaves freed blocks of a few MB scattered in its 64 MB heaps and
# takes new memory rather than reuse them (measured in benchmarks/bench_limits.py: a pass with 56
# MB alive grew the process by 111 MB).
ALLOCATOR_SLACK = 2


def history_bytes(budget: int) -> int:
    """Bytes of weights a job's history may keep beyond its two copies, under `budget`."""
    return budget // HISTORY_SHARE


def usable(budget: int) -> int:
    """What a job's step and passes may take of `budget`: the history keeps the rest."""
    return budget - history_bytes(budget)


@dataclass(frozen=True)
class LayerMemory:
    index: int  # 1-based, as the editor numbers layers
    label: str  # e.g. "Conv2d 32 3x3 + ReLU"
    output_shape: tuple[int, ...]
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
    step_scratch: int = 0  # what the optimizer's step makes besides its state (foreach lists)
    backward_copies: int = BACKWARD_COPIES
    weight_copies: int = 0  # copies of the weights the job keeps (WEIGHT_COPIES x weights)
    per_example_gradients: bool = False  # DP-SGD: every image's own gradients (a copy each)

    @property
    def per_example(self) -> int:
        """What DP-SGD's per-example gradients take over the whole batch (0 when not private)."""
        return self.batch_size * self.gradients if self.per_example_gradients else 0

    @property
    def activations(self) -> int:
        """Kept for backward over the whole batch."""
        return self.batch_size * self.activations_per_image

    @property
    def activations_per_image(self) -> int:
        return sum(x.saved_per_image for x in self.layers)

    @property
    def backward_extra(self) -> int:
        """Gradients flowing back: a few copies of the largest layer output at once."""
        return self.batch_size * self._backward_per_image

    @property
    def _backward_per_image(self) -> int:
        largest = max((math.prod(x.output_shape) for x in self.layers), default=0)
        return self.backward_copies * FLOAT_BYTES * largest

    @property
    def fixed(self) -> int:
        """What does not grow with the batch: also what a pass during training finds taken."""
        return self.weights + self.gradients + self.optimizer_state + self.weight_copies

    @property
    def total(self) -> int:
        """The forward and backward pass, or the optimizer's step if that is more."""
        transient = max(self.activations + self.backward_extra + self.per_example,
                        self.step_scratch)  # fmt: skip
        return self.fixed + ALLOCATOR_SLACK * transient

    @property
    def costliest(self) -> LayerMemory:
        return max(self.layers, key=lambda x: x.saved_per_image)

    def largest_batch(self, budget: int) -> int:
        """The largest batch size whose step fits in `budget` bytes (0 if none does)."""
        if self.fixed + ALLOCATOR_SLACK * self.step_scratch > budget:
            return 0
        own = self.gradients if self.per_example_gradients else 0
        per_image = ALLOCATOR_SLACK * (self.activations_per_image + self._backward_per_image + own)
        if per_image <= 0:
            return 1 << 30
        return max(0, (budget - self.fixed) // per_image)


def optimizer_step_scratch(model: nn.Module, optimizer: str) -> int:
    """Bytes an optimizer's step makes besides the weights, gradients and its state (the
    temporaries of PyTorch's foreach kernels): a measured multiple of the weights."""
    weights = sum(p.numel() * p.element_size() for p in model.parameters())
    return math.ceil(weights * _scratch_per_weight_byte(optimizer))


@functools.cache
def _scratch_per_weight_byte(optimizer: str) -> float:
    """Bytes an optimizer's step makes per byte of weights, measured once on meta tensors (the
    foreach kernels make whole copies of the weights, so it is the same for any model)."""
    params = [torch.zeros(shape, device="meta", requires_grad=True) for shape in ((64, 32), (64,))]
    for p in params:
        p.grad = torch.zeros_like(p)
    step = OPTIMIZERS[optimizer].make(params, 1e-3, 1e-4)
    step.step()  # its state is made here, and counted apart
    kept = [*params, *(p.grad for p in params)]
    kept += [v for s in step.state.values() for v in s.values() if torch.is_tensor(v)]
    with _LiveBytes({t.untyped_storage()._cdata for t in kept}) as live:
        step.step()
    return live.peak / sum(p.numel() * p.element_size() for p in params)


def saved_per_child(model: nn.Module, inputs: torch.Tensor) -> dict[int, int]:
    """Bytes per input that autograd keeps, by top-level child of `model`, from one training
    forward pass of `inputs` (meta tensors: a batch of two or more, as BatchNorm needs)."""
    batch = len(inputs)
    current, saved = [0], {}
    # weights (and views of them, like Linear's transpose) are counted once, not per input;
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
        for i, child in enumerate(model.children())
    ]
    try:
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            out = model.train()(inputs)
        del out
    finally:
        for hook in hooks:
            hook.remove()
    return {i: -(-size // batch) for i, size in saved.items()}


@dataclass(frozen=True)
class PassMemory:
    """Bytes one pass without gradients needs: the weights, and what each input adds at the
    pass's busiest moment (its input batch, the layer outputs alive at once)."""

    weights: int
    per_input: int
    scratch: int = 0  # what the pass needs whatever the batch

    def at(self, batch_size: int) -> int:
        return self.weights + self.scratch + ALLOCATOR_SLACK * batch_size * self.per_input

    def largest_batch(self, budget: int, most: int = PASS_BATCH_MOST) -> int:
        """The largest batch (at most `most`) that fits `budget`; 0 if not even one does."""
        room = (budget - self.weights - self.scratch) // ALLOCATOR_SLACK
        if room < self.per_input:
            return 0
        return min(most, room // max(1, self.per_input))


class _LiveBytes(TorchDispatchMode):
    """The most bytes of tensors alive at once while it is on (meta tensors die as real ones
    would, so their sizes are what a real pass holds). Storages in `skip` (the weights) and
    views of storages already counted are not counted again."""

    def __init__(self, skip: set[int]):
        super().__init__()
        self.skip, self.live, self.now, self.peak = skip, {}, 0, 0

    def count(self, tensor: torch.Tensor) -> None:
        storage = tensor.untyped_storage()
        key = storage._cdata
        if key in self.skip or key in self.live:
            return
        self.live[key] = storage.nbytes()
        self.now += storage.nbytes()
        self.peak = max(self.peak, self.now)
        # the storage, not the tensor: a view or autograd may keep it after the tensor is gone
        weakref.finalize(storage, self._release, key)

    def _release(self, key: int) -> None:
        self.now -= self.live.pop(key, 0)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for tensor in tree_leaves(out):
            if isinstance(tensor, torch.Tensor):
                self.count(tensor)
        return out


def peak_of_pass(model: torch.nn.Module, make_input, batch_size: int) -> int:
    """Bytes alive at the busiest moment of `model(make_input(batch_size))` without gradients,
    measured on the meta device: `model` and what `make_input` makes must be meta tensors."""
    skip = {t.untyped_storage()._cdata for t in model.state_dict().values()}
    with torch.no_grad(), _LiveBytes(skip) as live:
        out = model(make_input(batch_size))
        del out
    return live.peak


def size_text(nbytes: float) -> str:
    """Bytes in a reader's units: '27 MB', '1.5 GB', '300 KB'."""
    for unit, size in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if nbytes >= size:
            value = nbytes / size
            return f"{value:.1f} {unit}" if value < 10 else f"{value:,.0f} {unit}"
    return Text("{n} bytes", n=int(nbytes))  # shown in the reader's words (字节)
