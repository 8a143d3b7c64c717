"""Writing with a trained model: the next token drawn from the model's distribution, bent by
temperature, top-k and top-p, from a seeded generator, one token at a time with a KV cache (the
prefix is not computed again). Each token comes with its probability and the ten most likely
tokens it was drawn from. A masked model fills in blanks instead."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch

from playground.engine.i18n import Text
from playground.engine.records import SpecError
from playground.tasks.language.model import GPT, Cache
from playground.tasks.language.tokens import MASK, Tokenizer

TOP = 10  # the likeliest tokens shown beside each one drawn


@dataclass(frozen=True)
class Drawn:
    id: int
    text: str
    probability: float  # of this token, as drawn (after temperature, top-k, top-p)
    top: tuple[tuple[str, float], ...]  # the TOP likeliest tokens and their probabilities


def distribution(logits: torch.Tensor, temperature: float, top_k: int, top_p: float):
    """Probabilities (V,) to draw from, from one position's logits (V,): temperature near 0 is
    the most likely token; top-k keeps the k likeliest; top-p the smallest set whose mass
    reaches p."""
    if temperature <= 1e-4:
        probs = torch.zeros_like(logits, dtype=torch.float)
        probs[logits.argmax()] = 1.0
        return probs
    probs = torch.softmax(logits.float() / temperature, dim=-1)
    if 0 < top_k < len(probs):
        cut = probs.topk(top_k).values[-1]
        probs = torch.where(probs >= cut, probs, torch.zeros_like(probs))
    if 0 < top_p < 1:
        ordered, index = probs.sort(descending=True)
        mass = ordered.cumsum(0) / ordered.sum()
        keep = mass - ordered / ordered.sum() < top_p  # the first token always stays
        kept = torch.zeros_like(probs)
        kept[index[keep]] = probs[index[keep]]
        probs = kept
    return probs / probs.sum()


@torch.no_grad()
def generate(
    model: GPT,
    tokenizer: Tokenizer,
    prompt: list[int],
    length: int,
    *,
    temperature: float = 1.0,
    top_k: int = 0,
    top_p: float = 1.0,
    seed: int = 0,
    cached: bool = True,
) -> Iterator[Drawn]:
    """`length` tokens after `prompt` (ids, at least one), one at a time. The model sees a
    window of at most its context; when the window is full it slides to the newest half.
    Without `cached`, every step runs the whole window again (to compare, and the tests'
    oracle); with it, a step runs one token against the keys and values kept."""
    if not prompt:
        raise SpecError(Text("Generation needs a prompt of at least one token."))
    model.eval()
    generator = torch.Generator().manual_seed(seed)
    context = model.spec.context
    ids = list(prompt)
    start = max(0, len(ids) - context)  # the window the model sees: ids[start:]
    cache, shown = None, ""
    for _ in range(length):
        if len(ids) - start > context:  # full: slide to keep the newest half, and go on
            start = len(ids) - max(1, context // 2)
            cache = None
        if cached and cache is not None:
            out = model(torch.tensor([ids[-1:]]), cache)
        else:  # the first step, a slide, or no cache: the whole window
            cache = Cache() if cached else None
            out = model(torch.tensor([ids[start:]]), cache)
        logits = out[0, -1]
        probs = distribution(logits, temperature, top_k, top_p)
        token = int(torch.multinomial(probs, 1, generator=generator))
        ids.append(token)
        # a token's text is what it adds to the text so far (a byte-level token may be part of
        # a character: its text waits for the rest)
        written = tokenizer.decode(ids[len(prompt) :])
        text = "" if written.endswith("\ufffd") else written[len(shown) :]
        shown = shown if written.endswith("\ufffd") else written
        top = torch.softmax(logits.float() / max(temperature, 1e-4), -1).topk(min(TOP, len(logits)))
        yield Drawn(
            token,
            text,
            float(probs[token]),
            tuple(
                (tokenizer.decode([int(i)]), float(p))
                for p, i in zip(top.values, top.indices, strict=True)
            ),
        )


@torch.no_grad()
def fill_masks(model: GPT, tokenizer: Tokenizer, text: str) -> list[tuple[str, list]]:
    """A masked model's guesses for each [MASK] of `text`: (the best guess, the TOP likeliest
    with their probabilities) per blank, in order."""
    if tokenizer.mask_id is None:
        raise SpecError(
            Text("This model was not trained to fill in blanks (its objective is the next token).")
        )
    pieces = text.split(MASK)
    ids: list[int] = []
    blanks = []
    for i, piece in enumerate(pieces):
        ids += tokenizer.encode(piece)
        if i < len(pieces) - 1:
            blanks.append(len(ids))
            ids.append(tokenizer.mask_id)
    if not blanks:
        raise SpecError(
            Text(
                "Put {MASK} where a token is to be guessed, e.g. 'To be, or {MASK2} to be'.",
                MASK=MASK,
                MASK2=MASK,
            )
        )
    cut = max(0, len(ids) - model.spec.context)  # a long text: its last `context` tokens
    ids, blanks = ids[cut:], [at - cut for at in blanks if at >= cut]
    model.eval()
    logits = model(torch.tensor([ids]))[0]  # (T, V)
    found = []
    for at in blanks:
        probs = torch.softmax(logits[at].float(), -1)
        probs[tokenizer.mask_id] = 0  # a blank is never filled with a blank
        top = probs.topk(min(TOP, len(probs)))
        guesses = [
            (tokenizer.decode([int(i)]), float(p))
            for p, i in zip(top.values, top.indices, strict=True)
        ]
        found.append((guesses[0][0], guesses))
    return found
