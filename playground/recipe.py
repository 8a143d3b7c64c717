"""How to train, as one table: every training setting is a row (its type, default, range or
choices, label, help, place on the Train page, widget and CLI flag), and everything else is made
from the table: the TrainConfig dataclass, its validation, the Train form (ui/train_form.py) and
the CLI's flags (__main__.py). Adding a setting is adding a row.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from dataclasses import dataclass
from typing import Any

from playground import catalog
from playground.specs import JsonRecord, SpecError, is_int, no_unknown_keys, short

MAX_SEED = 2**53 - 1  # the largest whole number a browser's number field holds exactly
REGISTRIES = {
    "datasets": catalog.DATASETS,
    "losses": catalog.LOSSES,
    "optimizers": catalog.OPTIMIZERS,
    "schedules": catalog.SCHEDULES,
}


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
    choices: str | None = None  # a registry of catalog.py ("datasets", ...), or "devices"
    place: str = "data"  # data / optimizer / run (the three columns), more-1..3 (the expander)
    widget: str = "number"  # number, slider, select or toggle
    step: float | None = None
    needs: tuple[str, Any] | None = None  # only used when that setting has that value
    noun: str = ""  # what messages call it (default: its name in words)

    def check(self, value: Any) -> None:
        """SpecError in words if `value` is not one this setting takes."""
        words = self.noun or self.name.replace("_", " ")
        if self.choices == "devices":
            if not _valid_device(value):
                raise SpecError(
                    f"Device {value!r} is not one of auto, cpu, cuda, cuda:N or mps.",
                    field=self.name,
                )
        elif self.choices:
            names = REGISTRIES[self.choices]
            if value not in names:
                raise SpecError(
                    f"There is no {words} {value!r}; choose one of {', '.join(names)}.",
                    field=self.name,
                )
        elif self.low is not None and not self._in_range(value):
            raise SpecError(
                f"{words.capitalize()} is {value}, but must be from {self.range_text}: {self.why}.",
                field=self.name,
            )

    def _in_range(self, value: float) -> bool:
        return not (isinstance(value, float) and math.isnan(value)) and (
            self.low <= value <= self.high
        )

    @property
    def range_text(self) -> str:
        return f"{_num(self.low)} to {_num(self.high)}"

    @property
    def flag(self) -> str:
        """The CLI's flag for it."""
        return "--" + self.name.replace("_", "-")


def _num(x: float) -> str:
    return f"{x:g}" if isinstance(x, float) else f"{x:,}" if x >= 10_000 else str(x)


SETTINGS: tuple[Setting, ...] = (
    # the first column: what to learn from, and how much
    Setting("dataset", str, "mnist", "Dataset", "What to train on.", choices="datasets",
            widget="select"),
    Setting("loss", str, "cross_entropy", "Loss", "How a wrong answer is scored.",
            choices="losses", widget="select"),
    Setting("epochs", int, 3, "Epochs", "Passes over the training images.", 1, 1000,
            "at least one pass over the data"),
    Setting("batch_size", int, 128, "Batch size", "Images per step.", 1, 8192,
            "images per step", step=32),
    # the second column: the optimizer
    Setting("optimizer", str, "adam", "Optimizer", "How the weights move.",
            choices="optimizers", place="optimizer", widget="select"),
    Setting("lr", float, 3e-3, "Learning rate", "The size of the steps (the peak for "
            "one-cycle).", 1e-6, 100.0, "a step size above 0", place="optimizer", step=1e-4,
            noun="the learning rate"),
    Setting("schedule", str, "one_cycle", "Schedule", "How the learning rate changes.",
            choices="schedules", place="optimizer", widget="select"),
    Setting("weight_decay", float, 0.0, "Weight decay", "Pulls every weight towards 0 a little "
            "at each step.", 0.0, 1.0, "a small share, like 0.0001", place="optimizer",
            step=1e-4),
    # the third column: the run
    Setting("val_fraction", float, 0.1, "Validation split", "Share of the training images held "
            "out to measure validation accuracy.", 0.0, 0.5,
            "validation must leave most images for training", place="run", widget="slider",
            step=0.05, noun="the validation split"),
    Setting("seed", int, 0, "Seed", "Weights, shuffling and augmentation all follow it.", 0,
            MAX_SEED, "any whole number from 0", place="run"),
    Setting("device", str, "auto", "Device", "auto: cuda > mps > cpu.", choices="devices",
            place="run", widget="select"),
    Setting("augment", bool, False, "Augment (random rotation, scale, shift)", "A random "
            "affine change of each training batch, on the device.", place="run",
            widget="toggle"),
    # More settings
    Setting("train_limit", int, 0, "Train on at most N images (0: all)", "A quick experiment "
            "on part of the data.", 0, 10_000_000, "0 means all images", place="more-1",
            step=1000),
    Setting("warmup_epochs", float, 0.0, "Warm-up epochs", "The learning rate rises from ~0 "
            "over this many epochs.", 0.0, 1000.0, "epochs", place="more-1", step=0.5),
    Setting("label_smoothing", float, 0.0, "Label smoothing", "Cross-entropy only: a share of "
            "probability spread over the other classes.", 0.0, 0.99,
            "the share of probability spread over other classes", place="more-1",
            widget="slider", step=0.01, needs=("loss", "cross_entropy")),
    Setting("channels_last", bool, True, "Channels-last memory layout", "Faster for conv nets "
            "on CPU and GPU.", place="more-1", widget="toggle"),
    Setting("compile", bool, False, "torch.compile", "Can be faster on a GPU after a slow "
            "start (30 s or more).", place="more-1", widget="toggle"),
    Setting("gpu_fast_path", bool, True, "GPU fast path", "On a CUDA GPU: bf16 autocast (where "
            "the GPU has it) and the loss read back every 8 steps; the same curves. Nothing "
            "changes on a CPU.", place="more-1", widget="toggle"),
    Setting("step_every_epochs", int, 1, "Step schedule: every N epochs", "How often the step "
            "schedule multiplies the learning rate.", 1, 1000, "epochs", place="more-2",
            needs=("schedule", "step")),
    Setting("step_gamma", float, 0.5, "Step schedule: multiply lr by", "", 0.0, 1.0,
            "the factor lr is multiplied by", place="more-2", widget="slider", step=0.05,
            needs=("schedule", "step")),
    Setting("snapshot_every", int, 50, "Weight snapshot every N steps", "How often pages that "
            "draw see newer weights.", 1, 1_000_000, "steps", place="more-2"),
    Setting("augment_rotation", float, 10.0, "Rotation (degrees)", "Turned by up to this, "
            "either way.", 0.0, 180.0, "degrees", place="more-3", widget="slider", step=1.0,
            needs=("augment", True)),
    Setting("augment_scale", float, 0.1, "Scale", "Resized by up to this share.", 0.0, 0.9,
            "a share of the size", place="more-3", widget="slider", step=0.05,
            needs=("augment", True)),
    Setting("augment_shift", float, 0.1, "Shift", "Moved by up to this share of the side.",
            0.0, 0.5, "a share of the image side", place="more-3", widget="slider", step=0.02,
            needs=("augment", True)),
    Setting("augment_thicken", float, 0.0, "Thicken strokes (share)", "Share of the images "
            "whose strokes get a pixel thicker.", 0.0, 1.0, "a share of the images",
            place="more-3", widget="slider", step=0.1, needs=("augment", True)),
)  # fmt: skip
BY_NAME = {s.name: s for s in SETTINGS}


class _Recipe(JsonRecord):
    """What TrainConfig does besides holding its settings."""

    WHAT = "training config"

    def validate(self) -> TrainConfig:
        """Return self, or raise SpecError naming the first setting out of range."""
        for setting in SETTINGS:
            setting.check(getattr(self, setting.name))
        return self

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> TrainConfig:
        """A validated config; anything but a JSON object of known settings is a SpecError."""
        if not isinstance(data, dict):
            raise SpecError(f"A training config must be a JSON object, not {short(data)}.")
        hints = typing.get_type_hints(cls)
        no_unknown_keys(data, set(hints), "the training config")
        values = {}
        for name, value in data.items():
            want = hints[name]
            if is_int(value) and abs(value) > 2**63:
                raise SpecError(f"'{name}' is {short(value)}: far too large.", field=name)
            if want is float and is_int(value):
                value = float(value)
            if type(value) is not want:
                raise SpecError(
                    f"'{name}' must be {_TYPE_WORDS[want]}, not {short(value)}.", field=name
                )
            values[name] = value
        return cls(**values).validate()


_TYPE_WORDS = {int: "a whole number", float: "a number", bool: "true or false", str: "text"}

TrainConfig = dataclasses.make_dataclass(
    "TrainConfig",
    [(s.name, s.kind, dataclasses.field(default=s.default)) for s in SETTINGS],
    bases=(_Recipe,),
    frozen=True,
)
TrainConfig.__module__ = __name__
TrainConfig.__doc__ = "How to train: one field per row of SETTINGS, with its default."


def _valid_device(device: Any) -> bool:
    if device in ("auto", "cpu", "cuda", "mps"):
        return True
    prefix, _, index = str(device).partition(":")
    return isinstance(device, str) and prefix == "cuda" and index.isdigit() and len(index) < 4
