"""A language job's data: its text as token ids, split for training and validation, with the
tokenizer that made them, and the windows of `context` tokens (plus the next one) it learns
from. Tokenizers are made once per corpus and kind in a process (byte-pair encoding takes a
few seconds to learn)."""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace

import torch

from playground.engine.i18n import N_, Text
from playground.engine.records import SpecError
from playground.tasks.language import corpora
from playground.tasks.language.tokens import BPETokenizer, CharTokenizer, Tokenizer


@dataclass(frozen=True)
class TextData:
    name: str  # the corpus's name ("own" for a person's text)
    label: str
    tokenizer: Tokenizer
    train: torch.Tensor  # (N,) token ids, int64
    val: torch.Tensor  # (M,) token ids
    chars_per_token: float  # of the validation text: bits per character = nats / ln 2 / this
    start: str  # what a document begins after: where an empty prompt starts
    note: str = ""

    def to(self, device) -> TextData:
        return replace(self, train=self.train.to(device), val=self.val.to(device))

    def head(self, n: int) -> TextData:
        return replace(self, train=self.train[:n], val=self.val[:0])


@dataclass(frozen=True)
class Given:
    """What a language job brings besides its settings: a person's own text (for the "own"
    corpus) and the tokenizer of the model it starts from (a start keeps its vocabulary, so
    its embeddings fit)."""

    text: str | None = None
    tokenizer: Tokenizer | None = None


def given(extra) -> Given:
    """A job's `extra` as a Given (a plain string is a person's own text)."""
    return extra if isinstance(extra, Given) else Given(text=extra)


LEARN_MOST = 2_000_000  # characters of a text byte-pair encoding learns from: about a second
CACHE_COUNT = 16  # tokenizers kept in a process, the least recently used dropped first ...
CACHE_BYTES = 64 << 20  # ... and at most this much of them (their JSON's size)
_made: OrderedDict[tuple, tuple[Tokenizer, int]] = OrderedDict()  # key -> (it, its bytes)
_lock = threading.Lock()


def learned_from(text: str) -> str:
    """The part of `text` byte-pair encoding learns from: its training part, at most LEARN_MOST
    characters of it (whole lines, the first ones), so learning takes about a second whatever
    was uploaded. A text longer than that is still all tokenized and trained on."""
    train, _ = corpora.split(text)
    if len(train) <= LEARN_MOST:
        return train
    cut = train.rfind("\n", 0, LEARN_MOST)
    return train[: cut + 1 if cut > LEARN_MOST // 2 else LEARN_MOST]


def _keep(key: tuple, made: Tokenizer) -> Tokenizer:
    """Keep `made` in the bounded cache (shared by every session of the same text and
    settings); the least recently used go first past CACHE_COUNT or CACHE_BYTES."""
    size = len(made.to_json())
    with _lock:
        found = _made.get(key)
        if found is not None:
            _made.move_to_end(key)
            return found[0]
        _made[key] = (made, size)
        while len(_made) > CACHE_COUNT or sum(b for _t, b in _made.values()) > CACHE_BYTES:
            if len(_made) == 1:
                break
            _made.popitem(last=False)
    return made


def cache_size() -> tuple[int, int]:
    """(tokenizers kept, their bytes): what the cache holds now."""
    with _lock:
        return len(_made), sum(b for _t, b in _made.values())


def tokenizer_for(text: str, kind: str, vocab_size: int, masked: bool) -> Tokenizer:
    """The tokenizer of `text` (its training part), made once per text and settings."""
    key = (
        hashlib.sha256(text.encode()).hexdigest(),
        kind,
        vocab_size if kind == "bpe" else 0,
        masked,
    )
    with _lock:
        found = _made.get(key)
        if found is not None:
            _made.move_to_end(key)
            return found[0]
    if kind == "char":
        made: Tokenizer = CharTokenizer.of(text, masked)  # every character, val's too
    else:
        lines = learned_from(text).splitlines(keepends=True)
        made = BPETokenizer.train(lines, vocab_size, masked)
    return _keep(key, made)


def text_and_label(config, own=None) -> tuple[str, str, str]:
    """(text, label, where a document starts) of the job's corpus; `own`: a person's text (or
    a Given holding one)."""
    own = given(own).text
    if config.corpus == corpora.OWN:
        if own is None:
            raise SpecError(
                Text(
                    "This job reads your own text, but none came with it: upload a "
                    ".txt file on the Language page."
                )
            )
        return own, N_("your text"), "\n"
    corpus = corpora.CORPORA[config.corpus]
    return corpora.text_of(config.corpus, config.seed), corpus.label, corpus.start


def tokenizer_of(config, masked: bool, extra=None) -> Tokenizer:
    """The job's tokenizer: the one of the model it starts from, or one made from its text."""
    kept = given(extra).tokenizer
    if kept is not None:
        if masked and kept.mask_id is None:
            raise SpecError(
                Text(
                    "The model it starts from learned to predict the next token; this one fills in "
                    "hidden tokens: start it from a model with the same objective."
                )
            )
        return kept
    text, _, _ = text_and_label(config, extra)
    return tokenizer_for(text, config.tokenizer, config.vocab_size, masked)


def load(config, masked: bool, own=None) -> TextData:
    """The job's text as ids (`own`: a person's text, or a Given)."""
    text, label, start = text_and_label(config, own)
    tokenizer = tokenizer_of(config, masked, own)
    train, val = corpora.split(text)
    train_ids = torch.tensor(tokenizer.encode(train), dtype=torch.long)
    val_ids = torch.tensor(tokenizer.encode(val), dtype=torch.long)
    return TextData(
        config.corpus, label, tokenizer, train_ids, val_ids, len(val) / max(1, len(val_ids)), start
    )


def windows(ids: torch.Tensor, starts: torch.Tensor, context: int):
    """(x, y): the `context` tokens at each start (B, T) and the ones after each (B, T)."""
    offsets = torch.arange(context + 1, device=ids.device)
    chunk = ids[starts[:, None] + offsets]  # (B, T + 1)
    return chunk[:, :-1], chunk[:, 1:]


def batch(ids: torch.Tensor, size: int, context: int, generator: torch.Generator):
    """A batch of `size` random windows of `ids` (starts drawn on the CPU from `generator`)."""
    if len(ids) <= context + 1:
        raise SpecError(
            Text(
                "The text has {count:,} tokens, too few for a context of {context}: use "
                "a shorter context or a longer text.",
                count=len(ids),
                context=context,
            )
        )
    starts = torch.randint(len(ids) - context - 1, (size,), generator=generator)
    return windows(ids, starts.to(ids.device), context)


@functools.lru_cache(maxsize=8)
def document_starts(text_key: str, text: str, start: str) -> tuple[int, ...]:
    """Character offsets where a document of the text begins (after each `start`)."""
    found, at = [0], text.find(start)
    while at >= 0 and len(found) < 100_000:
        found.append(at + len(start))
        at = text.find(start, at + len(start))
    return tuple(found)
