"""An experiment (a model and its training settings) as a page address, so that a link rebuilds
it in another browser.

A preset's model is `?model=seed-cnn`; any other model is `?layers=` its spec JSON, compressed
and base64url-encoded. Each training setting that differs from its default is its own readable
parameter, named as in recipe.py (`?optimizer=sgd&lr=0.05&epochs=5`), so a link can be read and
edited by hand. Reading a link checks everything; what is wrong is said in a sentence.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import zlib
from dataclasses import dataclass

from playground.engine.i18n import N_, Text
from playground.engine.records import SpecError
from playground.tasks.image import catalog
from playground.tasks.image.recipe import BY_NAME, SETTINGS, TrainConfig
from playground.tasks.image.specs import ModelSpec

MODEL, LAYERS = "model", "layers"
OTHER = frozenset({"job", "watch", "embed", "embed_options", "start", "lang"})  # pages own these
MAX_LAYERS_PARAM = 16_000  # characters of ?layers=; a model spec is a few hundred
MAX_SPEC_JSON = 256 * 1024  # bytes, unpacked: a link cannot unpack to anything big


class LinkError(SpecError):
    """A link that cannot be used; the message says what is wrong with it."""


@dataclass(frozen=True)
class Experiment:
    """What a link holds: a model, and settings (None where the link says nothing of it)."""

    spec: ModelSpec | None = None
    config: TrainConfig | None = None

    @property
    def empty(self) -> bool:
        return self.spec is None and self.config is None


def to_query(spec: ModelSpec, config: TrainConfig | None = None) -> dict[str, str]:
    """The query parameters of a link to `spec` (and `config`, for the Train page)."""
    query = {}
    if spec.name in catalog.PRESETS and spec == ModelSpec.from_preset(spec.name):
        query[MODEL] = spec.name
    else:
        packed = zlib.compress(json.dumps(spec.to_dict(), separators=(",", ":")).encode(), 9)
        query[LAYERS] = base64.urlsafe_b64encode(packed).decode().rstrip("=")
    if config is not None:
        default = TrainConfig()
        for s in SETTINGS:
            value = getattr(config, s.name)
            if value != getattr(default, s.name):
                query[s.name] = _text(value)
    return query


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def from_query(query: dict[str, str]) -> Experiment:
    """The experiment in a page's query parameters; LinkError says what is wrong."""
    unknown = sorted(k for k in query if k not in BY_NAME and k not in (MODEL, LAYERS, *OTHER))
    if unknown:
        raise LinkError(
            Text(
                "The link has {list}, which the playground does not know: it may have "
                "been cut short or edited.",
                list=_list(unknown),
            )
        )
    spec = _spec(query)
    config = _config(query)
    return Experiment(spec, config)


def _spec(query: dict[str, str]) -> ModelSpec | None:
    if MODEL in query and LAYERS in query:
        raise LinkError(Text("The link names both a preset model and layers: keep one of them."))
    if MODEL in query:
        try:
            return ModelSpec.from_preset(query[MODEL])
        except SpecError as e:
            raise LinkError(Text("The link's model: {message}", message=e.message)) from None
    if LAYERS not in query:
        return None
    text = query[LAYERS]
    if len(text) > MAX_LAYERS_PARAM:
        raise LinkError(Text("The link's model is far longer than any model made here."))
    try:
        packed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        unpacker = zlib.decompressobj()
        raw = unpacker.decompress(packed, MAX_SPEC_JSON)
        if unpacker.unconsumed_tail:
            raise LinkError(Text("The link's model unpacks to far more than any model made here."))
        if not unpacker.eof:
            raise zlib.error("the data ends early")
        spec = ModelSpec.from_json(raw)
        spec.validate()
    except (binascii.Error, ValueError, zlib.error) as e:
        if isinstance(e, SpecError):
            raise LinkError(
                Text("The link's model cannot be used: {message}", message=e.message)
            ) from None
        raise LinkError(
            Text("The link's model cannot be read: it was probably cut short when it was copied.")
        ) from None
    return spec


def _config(query: dict[str, str]) -> TrainConfig | None:
    given = {k: v for k, v in query.items() if k in BY_NAME}
    if not given:
        return None
    values = TrainConfig().to_dict()
    for name, text in given.items():
        setting = BY_NAME[name]
        values[name] = _parse(setting.kind, str(text), setting.label)
    try:
        return TrainConfig.from_dict(values)
    except SpecError as e:
        raise LinkError(
            Text("The link's settings cannot be used: {message}", message=e.message)
        ) from None


def _parse(kind: type, text: str, label: str):
    words = {int: N_("a whole number"), float: "a number", bool: N_("true or false")}
    try:
        if kind is bool:
            if text.lower() not in ("true", "false", "1", "0"):
                raise ValueError
            return text.lower() in ("true", "1")
        if kind is int:
            return int(text)
        if kind is float:
            value = float(text)
            if not math.isfinite(value):
                raise ValueError
            return value
    except ValueError:
        raise LinkError(
            Text(
                "The link's {label} is {text!r}, but it must be {words}.",
                label=label,
                text=text[:40],
                words=words[kind],
            )
        ) from None
    return text


def _list(names: list[str]) -> str:
    shown = ", ".join(f"'{n[:30]}'" for n in names[:5])
    return shown + (f" and {len(names) - 5} more" if len(names) > 5 else "")
