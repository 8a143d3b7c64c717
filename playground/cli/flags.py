"""The flags of `train` and `sweep`: a model (preset or spec), a config file, and one flag per
row of the task's settings table, with help in the language of LANG."""

from __future__ import annotations

import argparse
from pathlib import Path

from playground.engine.i18n import N_, Text, _
from playground.engine.optimizers import OPTIMIZERS
from playground.engine.records import SpecError, parse_json
from playground.engine.settings_table import Setting
from playground.engine.task import DEFAULT, Task, for_spec, tasks
from playground.exchange.runs import default_runs_dir
from playground.serving.jobs import TrainingJob


def model_flags(t: argparse.ArgumentParser, task: Task) -> None:
    """The model and settings flags of `train` and `sweep`: the task's settings table's."""
    t.add_argument(
        "--task",
        choices=tasks(),
        default=task.name,
        help=_("the kind of model (default {task})").format(task=DEFAULT),
    )
    what = t.add_mutually_exclusive_group()
    what.add_argument("--preset", choices=task.presets(), help=_("a ready-made model"))
    what.add_argument(
        "--spec", type=Path, help=_("a model spec JSON file (as the Build page exports)")
    )
    t.add_argument("--config", type=Path, help=_("a training config JSON file; flags override it"))
    t.add_argument("--data-dir", type=Path, help=_("folder of datasets"))
    registries = getattr(task.config_type, "REGISTRIES", {})
    for setting in task.settings_table():  # one flag per training setting: the task's table
        t.add_argument(setting.flag, **flag_options(setting, registries))
    task.add_train_options(t)
    t.add_argument("--name", help=_("the run's name (default: the model's)"))
    runs_folder(t)


def runs_folder(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        help=_("folder for runs (default {folder})").format(folder=default_runs_dir()),
    )


def flag_options(s: Setting, registries: dict) -> dict:
    """argparse's options for a setting's flag: its type, choices, and help with its range."""
    if s.kind is bool:
        return {"action": argparse.BooleanOptionalAction, "default": None, "help": _(s.help)}
    text = _(s.help)
    if s.low is not None:
        text += " " + _("({range}, default {default})").format(
            range=s.range_text, default=s.default
        )
    elif s.choices == "devices":
        text += " " + _("(auto, cpu, cuda, cuda:N or mps)")
    choices = list(registries[s.choices]) if s.choices in registries else None
    return {"type": s.kind, "choices": choices, "help": text.replace("%", "%%")}


def build_config(args: argparse.Namespace, spec):
    """Defaults, then the recipe of the preset the model is (if it is one), then --config, then
    flags."""
    task = for_spec(spec)
    kind = task.config_type
    presets = task.presets()
    name = getattr(spec, "name", None)
    values = presets[name]()[1].to_dict() if name in presets else {}
    if args.config:
        what = N_("training config")
        values.update(
            task.config_from_dict(parse_json(read_file(args.config, what), what)).to_dict()
        )
    table = task.settings_table()
    flags = {s.name: getattr(args, s.name) for s in table if getattr(args, s.name) is not None}
    if "optimizer" in flags and "lr" not in flags:  # a new optimizer comes with its usual lr
        flags["lr"] = OPTIMIZERS[flags["optimizer"]].lr
    values.update(flags)
    return task.config_from_dict({**kind().to_dict(), **values})


def model_of(args: argparse.Namespace, task: Task):
    """The model of --spec or --preset (default: the task's first preset)."""
    if args.spec:
        return task.spec_from_dict(
            parse_json(read_file(args.spec, N_("model spec")), N_("model spec"))
        )
    presets = task.presets()
    if not presets:
        raise SpecError(
            Text("{task} has no presets: give a model with --spec FILE.", task=task.label)
        )
    return presets[args.preset or next(iter(presets))]()[0]


def read_file(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise SpecError(Text("The {what} file {path} cannot be read ({why}).", what=what,
                             path=path, why=e.strerror or e)) from None  # fmt: skip


def job_class(ray_address: str | None) -> type[TrainingJob]:
    """A thread here, or (--ray) an actor on the cluster, reported the same way."""
    if not ray_address:
        return TrainingJob
    from playground.serving import ray_jobs  # Ray only when asked for

    try:
        ray_jobs.connect(ray_address)
    except ray_jobs.ClusterUnavailable as e:
        raise SpecError(str(e)) from None
    return ray_jobs.RayJob
