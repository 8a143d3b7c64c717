"""The GPT of a GPTSpec, in the shape of nanoGPT's model.py: token and position embeddings,
blocks of attention and an MLP, and a head that scores every token of the vocabulary.
Attention is `F.scaled_dot_product_attention` (the fast kernel); inside.py computes the same
attention by hand, for the maps and as the tests' oracle. A KV cache lets generation add one
token without recomputing the prefix."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from playground.tasks.language.specs import GPTSpec


@dataclass
class Cache:
    """The keys and values of the tokens seen so far, per block: (B, nh, T, hs) each."""

    keys: list = field(default_factory=list)
    values: list = field(default_factory=list)

    @property
    def length(self) -> int:
        return self.keys[0].shape[2] if self.keys else 0


class Attention(nn.Module):
    def __init__(self, spec: GPTSpec):
        super().__init__()
        self.heads, self.width = spec.heads, spec.width
        self.qkv = nn.Linear(spec.width, 3 * spec.width)
        self.proj = nn.Linear(spec.width, spec.width)
        self.dropout = spec.dropout

    def split(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """q, k, v of x (B, T, C), each (B, nh, T, hs)."""
        b, t, c = x.shape
        q, k, v = self.qkv(x).split(c, dim=2)
        shape = (b, t, self.heads, c // self.heads)
        return (
            q.view(shape).transpose(1, 2),
            k.view(shape).transpose(1, 2),
            v.view(shape).transpose(1, 2),
        )

    def forward(self, x: torch.Tensor, causal: bool, cache: Cache | None = None, layer: int = 0):
        b, t, c = x.shape
        q, k, v = self.split(x)  # (B, nh, T, hs)
        if cache is not None:
            if len(cache.keys) > layer:  # the tokens before these: a query sees them all
                k = torch.cat([cache.keys[layer], k], dim=2)
                v = torch.cat([cache.values[layer], v], dim=2)
                cache.keys[layer], cache.values[layer] = k, v
            else:
                cache.keys.append(k)
                cache.values.append(v)
        drop = self.dropout if self.training else 0.0
        if cache is not None and k.shape[2] > t:  # after a cached prefix
            # one new token sees every token kept; a chunk is masked by position
            seen = k.shape[2]
            mask = (
                None
                if t == 1 or not causal
                else torch.ones(t, seen, dtype=torch.bool, device=x.device).tril(seen - t)
            )
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=drop)
        else:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=causal, dropout_p=drop)
        y = y.transpose(1, 2).contiguous().view(b, t, c)  # (B, T, C)
        return F.dropout(self.proj(y), drop, self.training)


class MLP(nn.Module):
    def __init__(self, spec: GPTSpec):
        super().__init__()
        self.up = nn.Linear(spec.width, spec.mlp_ratio * spec.width)
        self.down = nn.Linear(spec.mlp_ratio * spec.width, spec.width)
        self.dropout = spec.dropout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.dropout(self.down(F.gelu(self.up(x))), self.dropout, self.training)


class Block(nn.Module):
    """Attention, then the MLP, with (pre-, post- or no) LayerNorm and (or without) residuals."""

    def __init__(self, spec: GPTSpec):
        super().__init__()
        self.norm_kind, self.residual = spec.norm, spec.residual
        norm = nn.LayerNorm if spec.norm != "none" else lambda _: nn.Identity()
        self.ln1, self.ln2 = norm(spec.width), norm(spec.width)
        self.attn, self.mlp = Attention(spec), MLP(spec)

    def forward(self, x, causal: bool, cache: Cache | None = None, layer: int = 0):
        def add(x, y):
            return x + y if self.residual else y

        if self.norm_kind == "post":
            x = self.ln1(add(x, self.attn(x, causal, cache, layer)))
            return self.ln2(add(x, self.mlp(x)))
        x = add(x, self.attn(self.ln1(x), causal, cache, layer))
        return add(x, self.mlp(self.ln2(x)))


class GPT(nn.Module):
    def __init__(self, spec: GPTSpec, vocab: int):
        super().__init__()
        self.spec, self.vocab = spec, vocab
        self.tokens = nn.Embedding(vocab, spec.width)
        self.positions = (
            nn.Embedding(spec.context, spec.width) if spec.positions == "learned" else None
        )
        self.blocks = nn.ModuleList(Block(spec) for _ in range(spec.layers))
        self.ln_f = nn.LayerNorm(spec.width) if spec.norm == "pre" else nn.Identity()
        self.head = None if spec.tied else nn.Linear(spec.width, vocab, bias=False)
        self.apply(self._init)
        for name, p in self.named_parameters():  # GPT-2: residual projections scaled by depth
            if name.endswith("proj.weight") or name.endswith("down.weight"):
                nn.init.normal_(p, std=0.02 / math.sqrt(2 * spec.layers))

    @staticmethod
    def _init(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def embed(self, idx: torch.Tensor, start: int = 0) -> torch.Tensor:
        """Token (and position) embeddings of idx (B, T): (B, T, C)."""
        x = self.tokens(idx)
        if self.positions is not None:
            where = torch.arange(start, start + idx.shape[1], device=idx.device)
            x = x + self.positions(where.expand(idx.shape[0], -1))  # per example, as Opacus needs
        return F.dropout(x, self.spec.dropout, self.training)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """Scores of every token of the vocabulary for hidden states x (B, T, C): (B, T, V)."""
        x = self.ln_f(x)
        return x @ self.tokens.weight.T if self.head is None else self.head(x)

    def forward(self, idx: torch.Tensor, cache: Cache | None = None) -> torch.Tensor:
        """Logits (B, T, V) for tokens idx (B, T); with `cache`, idx follows the cached tokens."""
        start = cache.length if cache is not None else 0
        if start + idx.shape[1] > self.spec.context and self.positions is not None:
            raise ValueError(
                f"{start + idx.shape[1]} tokens, more than the context of {self.spec.context}"
            )
        x = self.embed(idx, start)
        causal = self.spec.causal and self.spec.objective == "next"
        for i, block in enumerate(self.blocks):
            x = block(x, causal, cache, i)
        return self.logits(x)


def build(spec: GPTSpec, vocab: int) -> GPT:
    return GPT(spec, vocab)
