"""A task's training settings as one table: every setting is a row (its type, default, range
or choices, label, help, place on its page, widget and CLI flag), and the settings dataclass,
its validation, its JSON, the page's form and the CLI's flags are all made from the table, so
that adding a setting is adding a row. tasks/image/recipe.py is the first such table.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from playground.engine.i18n import N_, Term, Text, _
from playground.engine.records import JsonRecord, SpecError, is_int, no_unknown_keys, short

MAX_SEED = 2**53 - 1  # the largest whole number a browser's number field holds exactly


@dataclass(frozen=True)
class Setting:
    """One training setting, and everything that shows, checks or reads it."""

    name: str
    kind: type  # int, float, bool or str
    default: Any
    label: str  # on the Train page
    help: str = ""
    low: float | None = None  # numbers: the range, both ends allowed
    high: float | None = None
    why: str = ""  # what the range means, for the message when a value is out of it
    choices: str | None = None  # a registry by name ("datasets", ...), or "devices"
    place: str = "data"  # data / optimizer / run (the three columns), more-1..3 (the expander)
    widget: str = "number"  # number, slider, select, toggle or text
    step: float | None = None
    needs: tuple[str, Any] | None = None  # only used when that setting has that value
    noun: str = ""  # what messages call it (default: its name in words)
    parse: Callable[[Any], Any] | None = None  # text settings: raises SpecError if malformed

    def check(self, value: Any, registries: Mapping[str, Mapping] | None = None) -> None:
        """SpecError in words if `value` is not one this setting takes (`registries`: where
        its choices are listed, by name)."""
        words = Term(self.noun or self.name.replace("_", " "), self.noun or self.label)
        if self.choices == "devices":
            if not _valid_device(value):
                raise SpecError(
                    Text(
                        "Device {value!r} is not one of auto, cpu, cuda, cuda:N or mps.",
                        value=value,
                    ),
                    field=self.name,
                )
        elif self.choices:
            names = (registries or {})[self.choices]
            if value not in names:
                raise SpecError(
                    Text(
                        "There is no {words} {value!r}; choose one of {names}.",
                        words=words,
                        value=value,
                        names=", ".join(names),
                    ),
                    field=self.name,
                )
        elif self.parse is not None:
            self.parse(value)
        elif self.low is not None and not self._in_range(value):
            raise SpecError(
                Text(
                    "{setting} is {value}, but must be from {range}: {why}.",
                    setting=Term(words.capitalize(), words.template),
                    value=value,
                    range=Text("{low} to {high}", low=_num(self.low), high=_num(self.high)),
                    why=self.why,
                ),
                field=self.name,
            )

    def _in_range(self, value: float) -> bool:
        return not (isinstance(value, float) and math.isnan(value)) and (
            self.low <= value <= self.high
        )

    @property
    def range_text(self) -> str:
        return _("{low} to {high}").format(low=_num(self.low), high=_num(self.high))

    @property
    def flag(self) -> str:
        """The CLI's flag for it."""
        return "--" + self.name.replace("_", "-")


def run_rows(seed_help: str, snapshot_help: str) -> tuple[Setting, ...]:
    """The run column of a task trained in epochs (its seed, device, time limit and weight
    snapshots), with what its seed decides and what its snapshots are for, in words."""
    return (
        Setting("seed", int, 0, N_("Seed"), seed_help, 0, MAX_SEED, N_("a whole number from 0"),
                place="run"),
        Setting("device", str, "auto", N_("Device"), N_("Where it trains."), choices="devices",
                place="run", widget="select"),
        Setting("time_limit", float, 0.0, N_("Stop after N seconds (0: the epochs)"),
                N_("Training stops at this time even if epochs are left."), 0.0, 86_400.0,
                N_("seconds"), place="run", step=10.0),
        Setting("snapshot_every", int, 100, N_("Weight snapshot every N steps"), snapshot_help,
                0, 1_000_000, N_("steps (0: at each epoch's end only)"), place="run"),
    )  # fmt: skip


def _num(x: float) -> str:
    return f"{x:g}" if isinstance(x, float) else f"{x:,}" if x >= 10_000 else str(x)


def make_config(
    name: str,
    settings: tuple[Setting, ...],
    registries: Mapping[str, Mapping],
    what: str,
    module: str,
    doc: str,
) -> type:
    """The frozen dataclass of a table of settings: one field per row with its default, and
    `validate`, `to_dict`, `from_dict` (and JSON) that check every value against its row."""

    class Base(JsonRecord):
        WHAT = what
        SETTINGS = settings
        REGISTRIES = registries

        def validate(self):
            """Return self, or raise SpecError naming the first setting out of range."""
            for setting in settings:
                setting.check(getattr(self, setting.name), registries)
            return self

        def to_dict(self) -> dict:
            return dataclasses.asdict(self)

        @classmethod
        def from_dict(cls, data: Any):
            """Validated settings; anything but a JSON object of known settings is a
            SpecError."""
            if not isinstance(data, dict):
                raise SpecError(
                    Text(
                        "A {what} must be a JSON object, not {short}.", what=what, short=short(data)
                    )
                )
            hints = typing.get_type_hints(cls)
            no_unknown_keys(data, set(hints) - {"WHAT", "SETTINGS", "REGISTRIES"}, f"the {what}")
            values = {}
            for key, value in data.items():
                want = hints[key]
                if is_int(value) and abs(value) > 2**63:
                    raise SpecError(
                        Text("'{key}' is {short}: far too large.", key=key, short=short(value)),
                        field=key,
                    )
                if want is float and is_int(value):
                    value = float(value)
                if type(value) is not want:
                    raise SpecError(
                        Text(
                            "'{key}' must be {kind}, not {short}.",
                            key=key,
                            kind=_(_TYPE_WORDS[want]),
                            short=short(value),
                        ),
                        field=key,
                    )
                values[key] = value
            return cls(**values).validate()

    made = dataclasses.make_dataclass(
        name,
        [(s.name, s.kind, dataclasses.field(default=s.default)) for s in settings],
        bases=(Base,),
        frozen=True,
    )
    made.__module__, made.__doc__ = module, doc
    return made


_TYPE_WORDS = {
    int: N_("a whole number"),
    float: N_("a number"),
    bool: N_("true or false"),
    str: N_("text"),
}


def in_words(config, key: str, value: Any) -> tuple[str, str] | None:
    """(label, value) of the setting `key` of `config`'s table as a person reads them (a
    catalog label, and "One-cycle" for one_cycle, 0.003 for 3e-3, 2,000 for 2000), or None
    where the table has no such row. The label is looked up with `_` where it is shown."""
    row = next((s for s in getattr(type(config), "SETTINGS", ()) if s.name == key), None)
    if row is None:
        return None
    if row.choices and row.choices != "devices":
        found = getattr(config, "REGISTRIES", {}).get(row.choices, {}).get(value)
        label = getattr(found, "label", None) or (found if isinstance(found, str) else None)
        return row.label, _(label) if label else str(value)
    if isinstance(value, bool):
        return row.label, _("yes") if value else _("no")
    if isinstance(value, float):
        return row.label, f"{value:.4g}"
    if isinstance(value, int):
        return row.label, f"{value:,}"
    return row.label, str(value) if value != "" else "-"


def _valid_device(device: Any) -> bool:
    if device in ("auto", "cpu", "cuda", "mps"):
        return True
    prefix, _colon, index = str(device).partition(":")
    return isinstance(device, str) and prefix == "cuda" and index.isdigit() and len(index) < 4
