"""User choices as records: the sentence every bad choice becomes (SpecError), JSON in and out
(JsonRecord), and the helpers that turn what arrives from a file, a link or a form into either
a value or a sentence. Every task's specs and settings are built on these."""

from __future__ import annotations

import json
from typing import Any

from playground.engine.i18n import N_, Text


class SpecError(ValueError):
    """A spec or config that cannot be used; `str()` is a sentence for the user."""

    def __init__(self, message: str, layer: int | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.layer = layer  # 0-based index of the offending layer, if one is to blame
        self.field = field  # name of the offending TrainConfig field, if one is to blame


class JobFailed(RuntimeError):
    """A job cannot go on (e.g. the worker that trained it went away); `str()` says why."""


class DataError(RuntimeError):
    """Data that cannot be read or fetched (a dataset, a corpus); `str()` is a sentence for the
    user."""


class JsonRecord:
    """`to_json` and `from_json` around a class's `to_dict` and `from_dict`; `WHAT` names it in
    messages ("The model spec is not valid JSON ...")."""

    WHAT = "record"

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_json(cls, text: str | bytes):
        return cls.from_dict(parse_json(text, cls.WHAT))


def parse_json(text: str | bytes, what: str) -> Any:
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        return json.loads(text)
    except UnicodeDecodeError:
        raise SpecError(
            Text("The {what} is not text (UTF-8): is it the right file?", what=what)
        ) from None
    except json.JSONDecodeError as e:
        raise SpecError(
            Text(
                "The {what} is not valid JSON ({msg} at line {lineno}, column {colno}).",
                what=what,
                msg=e.msg,
                lineno=e.lineno,
                colno=e.colno,
            )
        ) from None
    except (RecursionError, ValueError, TypeError):
        raise SpecError(Text("The {what} is not valid JSON.", what=what)) from None


def no_unknown_keys(data: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(str(k) for k in data if k not in allowed)
    if unknown:
        raise SpecError(
            Text(
                "{upper}{where} has an unknown field {unknown!r} (known: {join}).",
                upper=where[0].upper(),
                where=where[1:],
                unknown=unknown[0],
                join=", ".join(sorted(allowed)),
            )
        )


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def short(value: Any) -> str:
    plain = isinstance(value, (str, int, float, bool, type(None)))
    if plain or (isinstance(value, list) and len(value) <= 8):
        try:
            text = json.dumps(value)
        except (ValueError, TypeError, RecursionError):
            text = "a list"
    else:
        text = {list: N_("a list"), dict: N_("an object")}.get(type(value), type(value).__name__)
    return text if len(text) <= 40 else text[:37] + "..."
