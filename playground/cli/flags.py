"""The flags of `train` and `sweep`: a model (preset or spec), a config file, and one flag per
row of the task's settings table, with help in the language of LANG."""

from __future__ import annotations

import argparse
from pathlib import Path

from playground.engine.i18n import _
from playground.engine.settings_table import Setting
from playground.engine.task import DEFAULT, Task, tasks
from playground.exchange.runs import default_runs_dir


def model_flags(t: argparse.ArgumentParser, task: Task) -> None:
    """The model and settings flags of `train` and `sweep`: the task's settings table's."""
    t.add_argument("--task", choices=tasks(), default=task.name,
                   help=_("the kind of model (default {task})").format(task=DEFAULT))  # fmt: skip
    what = t.add_mutually_exclusive_group()
    what.add_argument("--preset", choices=task.presets(), help=_("a ready-made model"))
    what.add_argument("--spec", type=Path,
                      help=_("a model spec JSON file (as the Build page exports)"))  # fmt: skip
    t.add_argument("--config", type=Path,
                   help=_("a training config JSON file; flags override it"))  # fmt: skip
    t.add_argument("--data-dir", type=Path, help=_("folder of datasets"))
    registries = getattr(task.config_type, "REGISTRIES", {})
    for setting in task.settings_table():  # one flag per training setting: the task's table
        t.add_argument(setting.flag, **flag_options(setting, registries))
    task.add_train_options(t)
    t.add_argument("--name", help=_("the run's name (default: the model's)"))
    runs_folder(t)


def runs_folder(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, help=_("folder for runs (default {folder})").format(
        folder=default_runs_dir()))  # fmt: skip


def flag_options(s: Setting, registries: dict) -> dict:
    """argparse's options for a setting's flag: its type, choices, and help with its range."""
    if s.kind is bool:
        return {"action": argparse.BooleanOptionalAction, "default": None, "help": _(s.help)}
    text = _(s.help)
    if s.low is not None:
        text += " " + _("({range}, default {default})").format(range=s.range_text,
                                                              default=s.default)  # fmt: skip
    elif s.choices == "devices":
        text += " " + _("(auto, cpu, cuda, cuda:N or mps)")
    choices = list(registries[s.choices]) if s.choices in registries else None
    return {"type": s.kind, "choices": choices, "help": text.replace("%", "%%")}
