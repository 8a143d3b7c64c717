"""What a hyperparameter search may vary: dimensions drawn from a task's settings table (any
number or choice row), each a range (with a log scale where the row's numbers span decades) or
a list of values, checked against the row's own limits and choices, and turned into Optuna's
distributions. "lr=1e-4:1e-1:log", "batch_size=32,64,128" and "optimizer=adam,sgd" are how the
CLI writes them."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from playground.engine.i18n import Text
from playground.engine.records import SpecError
from playground.engine.settings_table import Setting

NOT_SEARCHED = frozenset({"seed", "device", "dataset", "corpus", "classes", "snapshot_every",
                          "compile", "channels_last", "gpu_fast_path", "max_steps", "time_limit",
                          "val_fraction", "train_limit", "examples_per_class", "eval_every",
                          "eval_batches", "sample_length", "tokenizer",
                          # privacy is a promise, not a knob: every trial keeps the base's
                          "dp_epsilon", "dp_noise", "dp_clip", "dp_delta"})  # fmt: skip
MAX_VALUES = 32  # values one dimension may list


@dataclass(frozen=True)
class Dimension:
    """One setting a search varies: from `low` to `high` (on a log scale if `log`), or one of
    `values`."""

    name: str
    low: float | None = None
    high: float | None = None
    log: bool = False
    values: tuple = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return {"name": self.name, "low": self.low, "high": self.high, "log": self.log,
                "values": list(self.values)}  # fmt: skip

    @classmethod
    def from_dict(cls, data: Any) -> Dimension:
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            raise SpecError(Text("A searched setting must be a JSON object with a name."))
        return cls(data["name"], data.get("low"), data.get("high"), bool(data.get("log")),
                   tuple(data.get("values") or ()))  # fmt: skip

    def text(self) -> str:
        """As the CLI writes it: lr=0.0001:0.1:log, batch_size=32,64."""
        if self.values:
            return f"{self.name}=" + ",".join(str(v) for v in self.values)
        return f"{self.name}={self.low:g}:{self.high:g}" + (":log" if self.log else "")


def searchable(rows: Sequence[Setting]) -> list[Setting]:
    """The rows a search may vary: numbers with a range, and choices, but not what names the
    data, the machine or the run's bookkeeping."""

    def varies(r: Setting) -> bool:
        if r.name in NOT_SEARCHED:
            return False
        if r.choices:
            return r.choices != "devices"
        return r.kind is bool or (r.kind in (int, float) and r.low is not None)

    return [r for r in rows if varies(r)]


def parse(text: str, rows: Sequence[Setting]) -> Dimension:
    """'lr=1e-4:1e-1:log', 'batch_size=32,64,128', 'optimizer=adam,sgd' as a Dimension of one
    of `rows`; SpecError in words if it is not one."""
    name, sep, rest = text.partition("=")
    name = name.strip().replace("-", "_")
    row = _row(name, rows)
    if not sep or not rest.strip():
        raise SpecError(Text("Say what to try for {name}: {name}=LOW:HIGH, {name}=LOW:HIGH:log "
                             "or {name}=A,B,C.", name=name))  # fmt: skip
    rest = rest.strip()
    if ":" in rest:
        parts = rest.split(":")
        log = parts[-1].strip().lower() == "log"
        if log:
            parts = parts[:-1]
        if len(parts) != 2:
            raise SpecError(Text("{text!r}: a range is LOW:HIGH or LOW:HIGH:log.", text=text))
        low, high = (_value(p, row) for p in parts)
        return Dimension(name, low, high, log)
    return Dimension(name, values=tuple(_value(p, row) for p in rest.split(",")))


def _row(name: str, rows: Sequence[Setting]) -> Setting:
    found = {r.name: r for r in searchable(rows)}
    if name not in found:
        raise SpecError(Text("{name!r} is not a setting a search can vary; choose from {names}.",
                             name=name, names=", ".join(found)))  # fmt: skip
    return found[name]


def _value(text: str, row: Setting):
    text = text.strip()
    try:
        if row.kind is bool:
            if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError
            return text.lower() in ("true", "1", "yes")
        if row.kind is int:
            return int(float(text)) if float(text).is_integer() else int(text)
        if row.kind is float:
            value = float(text)
            if not math.isfinite(value):
                raise ValueError
            return value
    except ValueError:
        raise SpecError(Text("{text!r} is not a value of {name}.", text=text,
                             name=row.name)) from None  # fmt: skip
    return text


def check(dim: Dimension, rows: Sequence[Setting], registries: Mapping[str, Mapping]) -> None:
    """SpecError in words if the table refuses any value the dimension can take."""
    row = _row(dim.name, rows)
    if dim.values:
        if len(dim.values) > MAX_VALUES or len(set(dim.values)) != len(dim.values):
            raise SpecError(Text("{name}: list up to {most} different values.", name=dim.name,
                                 most=MAX_VALUES))  # fmt: skip
        for value in dim.values:
            row.check(value, registries)
        return
    if row.kind not in (int, float) or dim.low is None or dim.high is None:
        raise SpecError(Text("{name} takes a list of values, not a range.", name=dim.name))
    if not dim.low < dim.high:
        raise SpecError(Text("{name}: the range's low end ({low:g}) must be below its high end "
                             "({high:g}).", name=dim.name, low=dim.low, high=dim.high))  # fmt: skip
    if dim.log and dim.low <= 0:
        raise SpecError(Text("{name}: a log scale needs a range above 0, not from {low:g}.",
                             name=dim.name, low=dim.low))  # fmt: skip
    for end in (dim.low, dim.high):
        row.check(row.kind(end), registries)


def distribution(dim: Dimension, rows: Sequence[Setting]):
    """The dimension as Optuna's distribution."""
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    row = _row(dim.name, rows)
    if dim.values:
        return CategoricalDistribution(list(dim.values))
    if row.kind is int:
        return IntDistribution(int(dim.low), int(dim.high), log=dim.log)
    return FloatDistribution(float(dim.low), float(dim.high), log=dim.log)


def suggested(row: Setting, value: Any, registries: Mapping[str, Mapping]) -> Dimension:
    """A first range for a row around the value it has now: a decade each way on a log scale
    for a rate, a quarter to four times a count, every choice of a registry (up to four)."""
    if row.choices:
        names = list(registries.get(row.choices, {}))
        picked = [value, *[n for n in names if n != value]][:4]
        return Dimension(row.name, values=tuple(picked))
    if row.kind is bool:
        return Dimension(row.name, values=(False, True))
    low = row.low if row.low is not None else -math.inf
    high = row.high if row.high is not None else math.inf
    if row.kind is int:
        lo, hi = max(low, max(1, value) // 4), min(high, max(2, value * 4))
        return Dimension(row.name, int(lo), int(hi), log=lo > 0 and hi / max(lo, 1) >= 8)
    if value > 0:
        lo, hi = max(low, value / 10), min(high, value * 10)
        return Dimension(row.name, float(lo), float(hi), log=lo > 0)
    return Dimension(row.name, float(low), float(min(high, 0.5)))
