"""Looking inside a language model for a text: the attention of every layer and head (computed
by hand, softmax(QK^T / sqrt(d) + mask), from the same weights the fast kernel uses), what each
head mostly does, the logit lens (what the residual stream after each layer would predict),
how surprised the model is by each token, and the token embeddings in two dimensions."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from playground.engine.i18n import N_
from playground.tasks.language.model import GPT

NAMES = {"previous": N_("previous"), "same": N_("same"), "first": N_("first"),
         "spread": N_("spread"), "mixed": N_("mixed")}  # a head's pattern in a word  # fmt: skip
PATTERNS = {
    "previous": N_("previous token: each token looks at the one just before it"),
    "same": N_("same token: each token looks at itself"),
    "first": N_("first token: everything looks at the start (a resting place)"),
    "spread": N_("spread: attention over many tokens, an average of the context"),
    "mixed": N_("mixed: no single pattern"),
}


@dataclass(frozen=True)
class Inside:
    """What a model does with one text of T tokens."""

    tokens: tuple[str, ...]  # (T,) each token's text
    attention: torch.Tensor  # (layers, heads, T, T): row = query, column = key; rows sum to 1
    patterns: tuple[tuple[str, ...], ...]  # (layers, heads) PATTERNS keys
    lens: tuple[tuple[str, ...], ...]  # (layers + 1, T) the top token after each layer
    lens_probability: torch.Tensor  # (layers + 1, T) its probability
    surprise: torch.Tensor  # (T - 1,) -log p(token t+1 | tokens up to t), nats
    logits: torch.Tensor  # (T, V) the model's own output


def attention_of(block, x: torch.Tensor, causal: bool) -> torch.Tensor:
    """The attention weights (B, nh, T, T) of `block` for its input x (B, T, C), by hand."""
    h = block.ln1(x) if block.norm_kind != "post" else x
    q, k, _ = block.attn.split(h)  # (B, nh, T, hs)
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])  # (B, nh, T, T)
    if causal:
        t = x.shape[1]
        scores = scores.masked_fill(~torch.ones(t, t, dtype=torch.bool).tril(), float("-inf"))
    return torch.softmax(scores, dim=-1)


def pattern_of(weights: torch.Tensor) -> str:
    """The dominant pattern of one head's attention (T, T), named from its weights."""
    t = weights.shape[0]
    if t < 3:
        return "mixed"
    rows = weights[2:]  # the first rows have too few choices to tell
    previous = torch.diagonal(weights, -1)[1:].mean().item()
    same = torch.diagonal(weights)[2:].mean().item()
    first = rows[:, 0].mean().item()
    entropy = -(rows.clamp_min(1e-9).log() * rows).sum(-1)
    spread = (entropy / torch.log(torch.arange(3, t + 1, dtype=torch.float))).mean().item()
    found = max((previous, "previous"), (same, "same"), (first, "first"))
    if found[0] >= 0.4:
        return found[1]
    return "spread" if spread > 0.7 else "mixed"


@torch.no_grad()
def look(model: GPT, ids: list[int], decode) -> Inside:
    """Everything above for tokens `ids` (at most the model's context), in eval mode."""
    was = model.training
    model.eval()
    try:
        idx = torch.tensor([ids[-model.spec.context :]])
        causal = model.spec.causal and model.spec.objective == "next"
        x = model.embed(idx)
        maps, lens = [], [model.logits(x)[0]]
        for block in model.blocks:
            maps.append(attention_of(block, x, causal)[0])
            x = block(x, causal)
            lens.append(model.logits(x)[0])
        logits = lens[-1]
    finally:
        model.train(was)
    attention = torch.stack(maps)  # (L, nh, T, T)
    probs = [F.softmax(step.float(), -1) for step in lens]
    best = [p.max(-1) for p in probs]
    surprise = F.cross_entropy(logits[:-1].float(), idx[0, 1:], reduction="none")
    return Inside(
        tokens=tuple(decode([int(i)]) for i in idx[0]),
        attention=attention,
        patterns=tuple(tuple(pattern_of(h) for h in layer) for layer in attention),
        lens=tuple(tuple(decode([int(i)]) for i in b.indices) for b in best),
        lens_probability=torch.stack([b.values for b in best]),
        surprise=surprise,
        logits=logits,
    )


def embeddings_2d(model: GPT) -> torch.Tensor:
    """The token embeddings (V, C) projected on their first two principal components (V, 2)."""
    weights = model.tokens.weight.detach().float()
    centred = weights - weights.mean(0)
    _, _, v = torch.pca_lowrank(centred, q=2, center=False)
    return centred @ v[:, :2]
