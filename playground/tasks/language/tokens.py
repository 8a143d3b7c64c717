"""Text as tokens and back: characters (each character one token), or byte-pair encoding
trained on the corpus at a chosen vocabulary size by Hugging Face's `tokenizers` (byte-level, so
every text, Chinese included, comes back exactly). A tokenizer is saved with its run as JSON
(tokenizer.json): data, never code."""

from __future__ import annotations

import json
from dataclasses import dataclass

from tokenizers import Regex, decoders, models, pre_tokenizers, trainers
from tokenizers import Tokenizer as HFTokenizer

from playground.engine.i18n import N_, Text
from playground.engine.records import SpecError

MASK = "[MASK]"  # the token a masked model (BERT) sees where a token is hidden


@dataclass(frozen=True)
class Kind:
    label: str
    description: str


KINDS = {
    "char": Kind(
        N_("Characters"), N_("Each character is one token: a small vocabulary, long texts.")
    ),
    "bpe": Kind(
        N_("Byte-pair encoding"),
        N_(
            "Frequent pieces of words become one token: a larger "
            "vocabulary, shorter texts (learned from the corpus by tokenizers)."
        ),
    ),
}
MAX_FILE = 8 << 20  # bytes of tokenizer.json
PIECE = 64  # characters: no word longer than this reaches byte-pair learning
PIECES = rf"[^\n]{{1,{PIECE}}}"  # pieces of up to PIECE characters, and the line breaks


@dataclass(frozen=True)
class Span:
    start: int  # character offsets in the text
    end: int
    id: int
    text: str  # the piece of text it stands for


class Tokenizer:
    """Encode text to ids and decode ids to text; `vocab` names every id."""

    kind: str = ""
    vocab: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return len(self.vocab)

    @property
    def mask_id(self) -> int | None:
        return self.vocab.index(MASK) if MASK in self.vocab else None

    def encode(self, text: str) -> list[int]:
        raise NotImplementedError

    def decode(self, ids: list[int]) -> str:
        raise NotImplementedError

    def spans(self, text: str) -> list[Span]:
        raise NotImplementedError

    def unknown(self, text: str) -> str:
        """The characters of `text` this tokenizer cannot encode, or ""."""
        return ""

    def to_json(self) -> str:
        raise NotImplementedError

    @staticmethod
    def from_json(raw: str | bytes) -> Tokenizer:
        """A tokenizer saved by to_json; SpecError if it is not one."""
        if len(raw) > MAX_FILE:
            raise SpecError(Text("tokenizer.json is larger than 8 MB: not one we wrote."))
        try:
            data = json.loads(raw)
            if data.get("kind") == "char":
                return CharTokenizer(tuple(data["vocab"]))
            if data.get("kind") == "bpe":
                _check_pipeline(json.loads(data["tokenizer"]))  # before the library parses it
                return BPETokenizer(HFTokenizer.from_str(data["tokenizer"]))
        except SpecError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError, Exception) as e:
            raise SpecError(
                Text("tokenizer.json cannot be read ({name__}).", name__=type(e).__name__)
            ) from None
        raise SpecError(Text("tokenizer.json names no kind of tokenizer this playground has."))


def _check_pipeline(hf: dict) -> None:
    """SpecError unless a byte-pair tokenizer's JSON is one this app makes: BPE over a
    byte-level split (alone, or after cutting words into PIECES), no normaliser or
    post-processor, a byte-level decoder, and no added token but [MASK]. A bundle could carry
    any pipeline: a backtracking regular expression hung Generate and panicked the library."""

    def byte_level(part) -> bool:
        return (
            isinstance(part, dict)
            and part.get("type") == "ByteLevel"
            and (part.get("add_prefix_space") is False)
            and part.get("use_regex", True) is True
        )

    pieces = {
        "type": "Split",
        "pattern": {"Regex": PIECES},
        "behavior": "Isolated",
        "invert": False,
    }
    pre = hf.get("pre_tokenizer")
    ours = byte_level(pre) or (
        isinstance(pre, dict)
        and pre.get("type") == "Sequence"
        and (list(pre.get("pretokenizers") or [])[:1] == [pieces])
        and len(pre["pretokenizers"]) == 2
        and byte_level(pre["pretokenizers"][1])
    )
    decoder = hf.get("decoder")
    added = [t.get("content") for t in hf.get("added_tokens") or [] if isinstance(t, dict)]
    plain = set(added) <= {MASK} and len(added) == len(hf.get("added_tokens") or [])
    if not (ours and plain and hf.get("normalizer") is None and hf.get("post_processor") is None
            and isinstance(decoder, dict) and decoder.get("type") == "ByteLevel"
            and (hf.get("model") or {}).get("type") == "BPE"):  # fmt: skip
        raise SpecError(
            Text(
                "tokenizer.json holds a byte-pair tokenizer this playground does not make (its "
                "steps before and after the pieces are not byte-level ones): it is not read."
            )
        )


def check_for(tokenizer: Tokenizer, vocab: int, masked: bool) -> Tokenizer:
    """`tokenizer`, if it fits a model of `vocab` tokens that does (`masked`) or does not fill
    in [MASK]; SpecError in words otherwise (a bundle whose tokenizer had one entry fewer than
    its model's vocabulary made the Language page fail on every rerun)."""
    if tokenizer.size != vocab:
        raise SpecError(
            Text(
                "Its tokenizer has {size:,} tokens but its model reads {vocab:,}: they were not "
                "made together.",
                size=tokenizer.size,
                vocab=vocab,
            )
        )
    if masked and tokenizer.mask_id is None:
        raise SpecError(
            Text(
                "Its model fills in [MASK] tokens but its tokenizer has none: they "
                "were not made together."
            )
        )
    if not masked and tokenizer.mask_id is not None:
        raise SpecError(
            Text(
                "Its tokenizer has a [MASK] token but its model fills in none: "
                "they were not made together."
            )
        )
    return tokenizer


class CharTokenizer(Tokenizer):
    kind = "char"

    def __init__(self, vocab: tuple[str, ...]):
        if not all(isinstance(c, str) and (len(c) == 1 or c == MASK) for c in vocab):
            raise SpecError(Text("A character tokenizer's vocabulary must be single characters."))
        self.vocab = tuple(vocab)
        self._ids = {c: i for i, c in enumerate(self.vocab)}

    @classmethod
    def of(cls, text: str, masked: bool = False) -> CharTokenizer:
        return cls((*sorted(set(text)), *((MASK,) if masked else ())))

    def encode(self, text: str) -> list[int]:
        missing = self.unknown(text)
        if missing:
            raise SpecError(
                Text(
                    "The text has {count} character(s) this model has never seen ({shown}): "
                    "its vocabulary is the corpus's {size:,} characters.",
                    count=len(missing),
                    shown=_shown(missing),
                    size=self.size,
                )
            )
        return [self._ids[c] for c in text]

    def unknown(self, text: str) -> str:
        return "".join(dict.fromkeys(c for c in text if c not in self._ids))

    def decode(self, ids: list[int]) -> str:
        return "".join(self.vocab[i] for i in ids)

    def spans(self, text: str) -> list[Span]:
        return [Span(i, i + 1, self._ids[c], c) for i, c in enumerate(text)]

    def to_json(self) -> str:
        return json.dumps({"kind": "char", "vocab": list(self.vocab)}, ensure_ascii=False)


class BPETokenizer(Tokenizer):
    kind = "bpe"

    def __init__(self, hf: HFTokenizer):
        self.hf = hf
        self.vocab = tuple(hf.id_to_token(i) for i in range(hf.get_vocab_size()))

    @classmethod
    def train(cls, lines, size: int, masked: bool = False) -> BPETokenizer:
        """Byte-pair encoding of `size` tokens learned from `lines` (an iterable of text).

        Words are cut into pieces of at most PIECE characters before the byte-level split: a
        learner's time grows about as a word's length to the power 2.4, and a text of one
        repeated character (one word of millions) held a core for days."""
        hf = HFTokenizer(models.BPE())
        hf.pre_tokenizer = pre_tokenizers.Sequence(
            [
                pre_tokenizers.Split(Regex(PIECES), behavior="isolated"),
                pre_tokenizers.ByteLevel(add_prefix_space=False),
            ]
        )
        hf.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(
            vocab_size=size,
            show_progress=False,
            special_tokens=[MASK] if masked else [],
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        )
        hf.train_from_iterator(lines, trainer)
        return cls(hf)

    def encode(self, text: str) -> list[int]:
        return self.hf.encode(text, add_special_tokens=False).ids

    def decode(self, ids: list[int]) -> str:
        return self.hf.decode(ids, skip_special_tokens=False)

    def spans(self, text: str) -> list[Span]:
        """One span a token; a token that is only part of a character (byte-level pieces of
        Chinese) takes what the one before it left, so the spans add up to the text."""
        found = self.hf.encode(text, add_special_tokens=False)
        spans, done = [], 0
        for i, (a, b) in zip(found.ids, found.offsets, strict=True):
            a, b = max(a, done), max(b, done)
            spans.append(Span(a, b, i, text[a:b]))
            done = b
        return spans

    def to_json(self) -> str:
        return json.dumps({"kind": "bpe", "tokenizer": self.hf.to_str()})


def _shown(chars: str) -> str:
    return ", ".join(repr(c) for c in chars[:5]) + (", ..." if len(chars) > 5 else "")
