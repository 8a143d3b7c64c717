"""A GPT (or a BERT) as a frozen dataclass: its size, and the switches that teach what each part
is for. It round-trips through JSON and `validate()` says what is wrong in a sentence."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from playground.engine.i18n import N_, Text
from playground.engine.records import JsonRecord, SpecError, is_int, no_unknown_keys, short

POSITIONS = {
    "learned": N_("Learned: one vector per position, added to each token's"),
    "none": N_("None: the model cannot tell where a token is, only what came before"),
}
NORMS = {
    "pre": N_("Pre-LayerNorm (GPT-2): normalise before attention and the MLP"),
    "post": N_("Post-LayerNorm (the 2017 Transformer, BERT): normalise after adding"),
    "none": N_("None: no normalisation at all"),
}
OBJECTIVES = {
    "next": N_("Next token (GPT): predict each token from the ones before it"),
    "masked": N_("Masked tokens (BERT): hide some tokens, predict them from both sides"),
}
MAX_PARAMETERS = 20_000_000  # as for images: beyond this a CPU session runs out of patience
LIMITS = {  # field -> (lowest, highest, what it is in words)
    "layers": (1, 12, N_("transformer blocks")),
    "heads": (1, 16, N_("attention heads per block")),
    "width": (8, 768, N_("numbers per token (the embedding width)")),
    "context": (2, 1024, N_("tokens the model sees at once")),
    "mlp_ratio": (1, 8, N_("times the width, the MLP's hidden size")),
}


FIELD_LABELS = {  # the model's fields, as pages and tables name them
    "layers": N_("Layers"),
    "heads": N_("Heads"),
    "width": N_("Width"),
    "context": N_("Context"),
    "dropout": N_("Dropout"),
    "mlp_ratio": N_("Mlp ratio"),
    "tied": N_("Tied embeddings"),
    "positions": N_("Positions"),
    "residual": N_("Skip connections"),
    "norm": N_("Norm"),
    "causal": N_("Causal"),
    "objective": N_("Objective"),
    "vocab": N_("Vocabulary"),
}


@dataclass(frozen=True)
class GPTSpec(JsonRecord):
    """A decoder (or, with the masked objective, an encoder) transformer for tokens."""

    WHAT = N_("model spec")

    layers: int = 4  # transformer blocks
    heads: int = 4  # attention heads in each block; width must divide by it
    width: int = 128  # numbers per token (d_model)
    context: int = 64  # tokens the model sees at once
    dropout: float = 0.0
    mlp_ratio: int = 4  # the MLP's hidden size is this times the width
    tied: bool = True  # the output layer reuses the token embedding's weights
    positions: str = "learned"  # POSITIONS
    residual: bool = True  # skip connections around attention and the MLP
    norm: str = "pre"  # NORMS
    causal: bool = True  # a token sees only the tokens before it (off: it sees the next one too)
    objective: str = "next"  # OBJECTIVES
    name: str = "gpt"
    vocab: int = 0  # tokens it knows: its corpus and tokenizer settle it (0: not yet)

    @property
    def head_width(self) -> int:
        return self.width // self.heads

    def validate(self, vocab: int | None = None) -> GPTSpec:
        """Self, or SpecError naming the first setting that cannot work, and why."""
        for field, (low, high, what) in LIMITS.items():
            value = getattr(self, field)
            if not (is_int(value) and low <= value <= high):
                raise SpecError(
                    Text(
                        "{capitalize} is {short}: it must be a whole number from {low} to {high} "
                        "({what}).",
                        capitalize=field.replace("_", " ").capitalize(),
                        short=short(value),
                        low=low,
                        high=high,
                        what=what,
                    ),
                    field=field,
                )
        if self.width % self.heads:
            near = self.heads * max(1, round(self.width / self.heads))
            raise SpecError(
                Text(
                    "A width of {width} does not split into {heads} heads: choose a width "
                    "that {heads2} divides (e.g. {near}) or another number of heads.",
                    width=self.width,
                    heads=self.heads,
                    heads2=self.heads,
                    near=near,
                ),
                field="heads",
            )
        if not (isinstance(self.dropout, float) and 0.0 <= self.dropout < 1.0):
            raise SpecError(
                Text(
                    "Dropout is {short}: it must be from 0 to below 1.", short=short(self.dropout)
                ),
                field="dropout",
            )
        for field, choices in (
            ("positions", POSITIONS),
            ("norm", NORMS),
            ("objective", OBJECTIVES),
        ):
            if getattr(self, field) not in choices:
                raise SpecError(
                    Text(
                        "There is no {field} {short}; choose one of {join}.",
                        field=field,
                        short=short(getattr(self, field)),
                        join=", ".join(choices),
                    ),
                    field=field,
                )
        for field in ("tied", "residual", "causal"):
            if not isinstance(getattr(self, field), bool):
                raise SpecError(Text("'{field}' must be true or false.", field=field), field=field)
        if not isinstance(self.name, str) or len(self.name) > 100:
            raise SpecError(Text("The model's 'name' must be text of at most 100 characters."))
        if not (is_int(self.vocab) and 0 <= self.vocab <= 1 << 20):
            raise SpecError(
                Text(
                    "The vocabulary is {short} tokens; a model here reads at most {most:,} (a "
                    "text's characters or byte-pair tokens settle it: choose fewer).",
                    short=short(self.vocab),
                    most=1 << 20,
                )
            )
        vocab = vocab or self.vocab or None
        if vocab is not None and self.parameters(vocab) > MAX_PARAMETERS:
            raise SpecError(
                Text(
                    "This model has {parameters:,} parameters with a vocabulary of "
                    "{vocab:,}, more than the {MAX_PARAMETERS:,} this playground trains: use "
                    "fewer layers, a smaller width, or a smaller vocabulary.",
                    parameters=self.parameters(vocab),
                    vocab=vocab,
                    MAX_PARAMETERS=MAX_PARAMETERS,
                ),
                field="width",
            )
        return self

    def parameters(self, vocab: int | None = None) -> int:
        """How many numbers it learns, for a vocabulary of `vocab` tokens (default its own; by
        the formula of model.py's modules, which a test checks against the model)."""
        vocab = vocab or self.vocab
        d, hidden = self.width, self.mlp_ratio * self.width
        norms = 4 * d if self.norm != "none" else 0  # two LayerNorms, a weight and a bias each
        block = 4 * d * d + 4 * d + 2 * d * hidden + hidden + d + norms
        embed = vocab * d + (self.context * d if self.positions == "learned" else 0)
        head = 0 if self.tied else vocab * d  # tied: the token embedding, transposed
        final = 2 * d if self.norm == "pre" else 0
        return embed + self.layers * block + final + head

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> GPTSpec:
        if not isinstance(data, dict):
            raise SpecError(
                Text("A model spec must be a JSON object, not {short}.", short=short(data))
            )
        fields = {f.name: f for f in dataclasses.fields(cls)}
        no_unknown_keys(data, set(fields), N_("the model spec"))
        values = {}
        for key, value in data.items():
            want = type(getattr(cls(), key))
            if want is float and is_int(value):
                value = float(value)
            if type(value) is not want:
                raise SpecError(
                    Text(
                        "'{key}' must be {WORDS}, not {short}.",
                        key=key,
                        WORDS=_WORDS[want],
                        short=short(value),
                    ),
                    field=key,
                )
            values[key] = value
        return cls(**values).validate()


_WORDS = {int: N_("a whole number"), float: "a number", bool: N_("true or false"), str: "text"}
