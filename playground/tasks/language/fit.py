"""Will this GPT train here: its size, its data, and the memory budget. A training step is
counted on the meta device (engine/memory.py) as for images: the weights, their gradients, the
optimizer's state and copies, what autograd keeps for the backward pass, the logits and their
log-softmax for the loss, and the gradients flowing back."""

from __future__ import annotations

import dataclasses
import functools
import math

import torch

from playground.engine import privacy
from playground.engine.i18n import N_, Text
from playground.engine.memory import (
    BACKWARD_COPIES,
    FLOAT_BYTES,
    WEIGHT_COPIES,
    LayerMemory,
    MemoryEstimate,
    optimizer_step_scratch,
    saved_per_child,
    size_text,
    usable,
)
from playground.engine.optimizers import OPTIMIZERS
from playground.engine.records import SpecError
from playground.tasks.language.model import build
from playground.tasks.language.specs import GPTSpec


@functools.lru_cache(maxsize=64)
def estimate_memory(
    spec: GPTSpec, vocab: int, batch_size: int, optimizer: str, frozen: frozenset[str] = frozenset()
) -> MemoryEstimate:
    """The memory of one training step of `spec` over a vocabulary of `vocab` tokens (`frozen`:
    parameters that get no gradient and no optimizer state)."""
    with torch.device("meta"):
        model = build(spec, vocab)
    weights = sum(p.numel() for p in model.parameters()) * FLOAT_BYTES
    trained = sum(p.numel() for n, p in model.named_parameters() if n not in frozen) * FLOAT_BYTES
    inputs = torch.zeros((2, spec.context), dtype=torch.long, device="meta")
    saved = sum(saved_per_child(model, inputs).values())
    logits = spec.context * vocab * FLOAT_BYTES  # per sequence; the loss keeps its log-softmax
    layers = (
        LayerMemory(
            1,
            Text("{layers} blocks of {width}", layers=spec.layers, width=spec.width),
            (spec.context, spec.width),
            saved,
        ),
        LayerMemory(
            2, Text("scores of {vocab:,} tokens", vocab=vocab), (spec.context, vocab), 2 * logits
        ),
    )
    state = OPTIMIZERS[optimizer].state_per_weight * trained
    return MemoryEstimate(
        batch_size,
        optimizer,
        weights,
        trained,
        state,
        layers,
        optimizer_step_scratch(model, optimizer) * trained // max(1, weights),
        BACKWARD_COPIES,
        WEIGHT_COPIES * weights,
    )


def check(spec: GPTSpec, vocab: int, config, budget: int | None) -> None:
    """SpecError in words unless the model fits its data and (with a budget) the memory."""
    spec.validate(vocab)
    if config.tokenizer == "bpe" and config.vocab_size < 260:
        raise SpecError(Text("Byte-pair encoding needs a vocabulary of at least 260 tokens."))
    if budget is None:
        return
    step = estimate_memory(spec, vocab, config.batch_size, config.optimizer)
    if privacy.is_private(config):  # each window's own gradients, Poisson batches a little over
        batch = config.batch_size + math.ceil(4 * math.sqrt(config.batch_size))
        step = dataclasses.replace(step, batch_size=batch, per_example_gradients=True)
    if step.total <= usable(budget):
        return
    fits = step.largest_batch(usable(budget))
    fix = (
        Text(
            "Use a batch size of at most {fits}, a shorter context or a smaller vocabulary.",
            fits=fits,
        )
        if fits
        else N_(
            "Even one sequence is too much: use a shorter context, a smaller width or "
            "vocabulary, or fewer layers."
        )
    )
    raise SpecError(
        Text(
            "One training step needs about {total} (batch of {batch_size} sequences "
            "of {context} tokens), more than the {budget} this server allows per "
            "job. {fix}",
            total=size_text(step.total),
            batch_size=config.batch_size,
            context=spec.context,
            budget=size_text(budget),
            fix=fix,
        ),
        field="batch_size",
    )
