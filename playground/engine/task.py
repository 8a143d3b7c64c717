"""A task: what makes one kind of model what it is, behind one interface.

Image classification and language modelling differ in their spec and settings, their data, how
a model is built and trained, what they report and what they export; everything else (jobs in
threads or on Ray, the queue, owners, limits, run folders, share links, bundles, compare, the
CLI's `train`) takes any task through the methods below and knows nothing of images or text.

A task is a folder `playground/tasks/<name>/` whose `task.py` registers an instance of a Task
subclass; tasks are found the first time one is asked for. Run folders say which task made them
(`task.json`; runs from before tasks are image classification). A test may `register` a small
task of its own.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import math
import pkgutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from torch import nn

from playground.engine import privacy, search_space
from playground.engine.i18n import N_, Text, _
from playground.engine.loop import Lesson, Outcome  # noqa: F401 (tasks name Outcome here too)
from playground.engine.metrics import LAST_VAL_LOSS, EpochRecord, Metric, Score, StepRecord
from playground.engine.numbers import Number, epoch_number
from playground.engine.records import SpecError

DEFAULT = "image"  # the task of a run folder or a bundle that does not say


class Task:
    """What serving and exchange ask of a kind of model. Subclasses set the class attributes and
    implement the methods that raise NotImplementedError; the others have defaults that fit any
    task whose records are StepRecords and EpochRecords."""

    name: str = ""  # as run folders, bundles, links and the CLI's --task name it
    label: str = ""  # in words: "Image classification"
    samples: str = "samples"  # what a step trains on: "images", "tokens"
    score: ClassVar[Score | None] = None  # what its records' score is (a classifier's accuracy)
    # What a finished run reaches, the first leading (the runs table's result, a watch link's,
    # compare's); `fit_metric` is the loss the scaling lab and sweeps fit against size.
    metrics: ClassVar[tuple[Metric, ...]] = (LAST_VAL_LOSS,)
    fit_metric: ClassVar[Metric] = LAST_VAL_LOSS
    spec_type: type = object  # the frozen dataclass of a model (to_dict / from_dict)
    config_type: type = object  # the frozen dataclass of its training settings

    # --- the spec and the settings ------------------------------------------------------------

    def spec_from_dict(self, data: Any):
        """A validated spec from JSON data; SpecError in words otherwise."""
        raise NotImplementedError

    def config_from_dict(self, data: Any):
        """Validated settings from JSON data; SpecError in words otherwise."""
        raise NotImplementedError

    def settings_table(self) -> tuple:
        """The rows (engine.settings_table.Setting) the CLI makes flags of; () for none."""
        return ()

    def search_rows(self) -> tuple:
        """The settings a hyperparameter search may vary (rows of the settings table, numbers
        and choices); a task may add rows of its model's (image: dropout)."""
        return tuple(search_space.searchable(self.settings_table()))

    def search_registries(self) -> dict:
        """Where the choices of `search_rows` are listed, by name."""
        return dict(getattr(self.config_type, "REGISTRIES", {}))

    def with_settings(self, spec, config, values: dict):
        """(spec, config) with a search trial's `values` (names of `search_rows`), validated;
        SpecError in words if the table refuses one."""
        return spec, self.config_from_dict({**config.to_dict(), **values})

    def add_train_options(self, parser) -> None:
        """Flags of the CLI's `train` besides the settings table's (language: --text FILE)."""

    def train_extra(self, args, config):
        """(config, extra) from those flags: a person's own data that travels with the job."""
        return config, None

    def presets(self) -> dict[str, Callable[[], tuple[Any, Any]]]:
        """name -> a function giving (spec, config) of a ready-made model, for the CLI."""
        return {}

    # --- before a job is queued ---------------------------------------------------------------

    def check(self, spec, config, memory_budget: int | None = None) -> None:
        """SpecError in words unless `spec` trains with `config` here (with a budget in bytes:
        every step and pass of the job within it)."""
        raise NotImplementedError

    def planned_samples(self, config) -> float | None:
        """Samples one epoch trains on (for the queue's estimate of when a job starts)."""
        return None

    # --- the job ------------------------------------------------------------------------------

    def load_data(self, config, data_dir, mirrors, device, extra=None):
        """The job's data (any object with `.note`, a sentence or "", and `.to(device)`), with
        `extra`, a person's own data that travels with their job (Draw's drawings, a text),
        where the task takes some; DataError or SpecError in words if it cannot be had."""
        raise NotImplementedError

    def complete(self, spec, config, extra=None):
        """The spec as the job trains it: what only the data settles filled in (a language
        model's vocabulary)."""
        return spec

    def start_extra(self, extra, folder, spec):
        """`extra` for a job of `spec` that starts from the run in `folder` (what a start
        brings besides its weights: a language model's tokenizer); SpecError in words if it
        cannot start from it."""
        return extra

    def check_files(self, spec, config, files: dict[str, bytes]) -> None:
        """SpecError in words unless the files of `own_files` that a run (or a bundle someone
        sent) holds fit its model: a language model's tokenizer against its vocabulary."""

    def run_files(self, spec, config, extra=None) -> dict[str, bytes]:
        """Files a run folder of this task holds besides the common ones (name -> bytes)."""
        return {}

    # files that run folders of this task may hold, kept by copies and bundles: name -> the
    # most bytes one may be
    own_files: ClassVar[dict[str, int]] = {}
    pretrained: ClassVar[Path | None] = None  # the run folder of the model that ships, if any

    def data_key(self, config) -> str:
        """What the data a job loads depends on (jobs with the same key share it on Ray)."""
        return json.dumps(config.to_dict(), sort_keys=True)

    def warm_up_data(self, data, batches: int, config):
        """A few batches' worth of `data` for a fresh Ray worker to warm up on, or None."""
        return None

    def steps_per_epoch(self, data, config) -> int:
        raise NotImplementedError

    def epochs(self, config) -> int:
        return config.epochs

    def total_steps(self, steps_per_epoch: int, config) -> int:
        """Optimizer steps the whole run takes, once the data says how many an epoch has."""
        return steps_per_epoch * self.epochs(config)

    def planned_steps(self, config) -> float:
        """Optimizer steps a job of `config` will take, before its data is loaded (the
        scaling lab's plan; an estimate where the data decides)."""
        samples = self.planned_samples(config) or 0
        return self.epochs(config) * math.ceil(samples / max(1, getattr(config, "batch_size", 1)))

    def build(self, spec) -> nn.Module:
        """The model of `spec`, fresh weights from the global RNG (the job seeds it)."""
        raise NotImplementedError

    def prepare(self, model: nn.Module, device, config) -> nn.Module:
        """The model on the device, laid out as the task trains it."""
        return model.to(device)

    def lesson(self, spec, model, data, config, memory_budget) -> Lesson:
        """What training `model` (of `spec`, on the data's device) as `config` says differs in
        for this task (engine/loop.Lesson: its batches, a step's loss and score, evaluation,
        schedule and words), every pass within `memory_budget` (bytes; None: the default
        server's). The shared loop does the rest: controls, limits, records, snapshots."""
        raise NotImplementedError

    def results(self, spec, model, data, config, memory_budget) -> dict:
        """What a finished job adds to its summary (test scores, calibration)."""
        return {}

    def flops_per_sample(self, spec, config, frozen: frozenset[str] = frozenset()) -> float:
        """FLOPs that one training sample costs, forward and backward, as engine/cost.py counts
        them on the meta device (0: not known). A run's FLOPs are this x its samples."""
        return 0.0

    # --- sweeps (the scaling lab) -------------------------------------------------------------

    def scaled(self, spec, factor: float, how: str = "width"):
        """`spec` made `factor` times as wide ("width"), as deep ("depth"), or both ("both",
        each by the square root): a member of a sweep. SpecError where it cannot be."""
        raise SpecError(Text("{label} models cannot be scaled yet.", label=self.label))

    def samples_per_step(self, spec, config) -> int:
        """Samples (images, tokens) one optimizer step trains on."""
        return getattr(config, "batch_size", 1)

    def with_steps(self, config, steps: int):
        """`config` changed to train about `steps` optimizer steps."""
        raise SpecError(
            Text("{label} settings cannot be given a number of steps.", label=self.label)
        )

    def summarize(self, summary: dict) -> dict:
        """Keys a finished or stopped job's summary adds in this task's words (derived from the
        common ones: tokens per second are its samples per second)."""
        return {}

    def describe(self, spec, config, data, memory_budget=None) -> dict:
        """What every summary of a job of this task says besides the common keys (`data` is
        None when the job failed before loading it)."""
        return {}

    def seed(self, config) -> int:
        return config.seed

    def device(self, config) -> str:
        return getattr(config, "device", "auto")

    def privacy_plan(self, config):
        """The privacy plan (engine/privacy.py) a private run of `config` will train with, where
        it is known before the data is (None: the lesson makes it, from the data)."""
        return None

    def compiles(self, config) -> bool:
        """Whether a job runs the model through torch.compile (never a private run's: Opacus
        needs the plain model's hooks)."""
        return getattr(config, "compile", False) and not privacy.is_private(config)

    # --- what pages and people see ------------------------------------------------------------

    def live_numbers(
        self, steps: list[StepRecord], epochs: list[EpochRecord], config, ended: bool = False
    ) -> list:
        """The st.metric numbers of a job's live view (Number), from its records; `ended`: the
        job is over (its numbers then say what its row in the runs table says)."""
        last = steps[-1] if steps else None
        vals = [e.val_loss for e in epochs if e.val_loss is not None]
        tail = [s.loss for s in steps[-50:]]
        return [
            epoch_number(steps, epochs, self.epochs(config), ended),
            Number(N_("Train loss"), f"{sum(tail) / len(tail):.4f}" if tail else "-"),
            Number(N_("Val loss"), f"{vals[-1]:.4f}" if vals else "-"),
            Number(
                f"{self.samples.capitalize()}/s", f"{last.samples_per_second:,.0f}" if last else "-"
            ),
        ]

    def data_label(self, config) -> str:
        """What a model of `config` learns from, as a catalog label ("MNIST digits"), or ""."""
        return ""

    def result_numbers(self, summary: dict) -> list[Number]:
        """What a finished run reached, as numbers (a watch link, the runs table show them):
        its declared metrics, "-" where it reached none."""
        return [
            Number(
                _(m.label),
                m.format(v) if (v := m.of(summary)) is not None else "-",
                help=_(m.unit) if m.unit else "",
                lower_is_better=m.lower_is_better,
            )
            for m in self.metrics
        ]

    def result_text(self, summary: dict) -> str:
        """The end of "Finished 3 epochs in 20 s...": its leading metric (": test accuracy
        98.9%"), or ""."""
        lead = self.metrics[0]
        value = lead.of(summary)
        if value is None:
            return ""
        return ": " + _("{metric} {value}").format(
            metric=_(lead.label).lower(), value=lead.format(value)
        )

    def advice(self, config, epochs: list[EpochRecord]) -> str | None:
        """A sentence when a job that ended learned nothing (and what to try), or None."""
        return None

    def table_row(self, run) -> dict:
        """One line of the runs table for a run of this task (keys: its columns)."""
        s = run.summary
        seconds = s.get("train_seconds")
        return {
            "run": run.name,
            "name": s.get("name", getattr(run.spec, "name", run.name)),
            "task": self.label,
            "epochs": f"{s.get('epochs', 0)} / {self.epochs(run.config)}",
            "time (s)": round(seconds, 1) if isinstance(seconds, (int, float)) else None,
            "status": s.get("status", "unfinished"),
        }

    def settings(self, run) -> dict:
        """What a run was made with, flat (for "settings that differ" in compare)."""
        return {"task": self.name, **run.config.to_dict()}

    def setting_labels(self) -> dict[str, str]:
        """The labels (for `_`) of the keys of `settings` that are not rows of the settings
        table: what the model is."""
        return {"task": N_("Task"), "model": N_("Model")}

    @staticmethod
    def spec_and_config(run) -> dict:
        """`settings` of a task whose spec is a flat record with a name: the model's name, its
        fields as "model <field>", then the recipe's."""
        fields = {f"model {k}": v for k, v in run.spec.to_dict().items() if k != "name"}
        return {"model": run.spec.name, **fields, **run.config.to_dict()}

    def spec_labels(self, labels: dict[str, str]) -> dict[str, str]:
        """`setting_labels` for `spec_and_config`: the spec's field -> label, as "model <field>"."""
        return {**Task.setting_labels(self), **{f"model {k}": v for k, v in labels.items()}}

    def max_records(self, config) -> int:
        """The most metrics lines a run of these settings writes (a bundle's are cut there)."""
        return 1_000_000

    def model_card(self, run, files: dict[str, str], memory_budget: int | None) -> str:
        """README.md of a bundle of `run`; `files` names the files beside it, in words."""
        lines = [f"# {run.summary.get('name') or run.name}", "",
                 _("A model made in Deep Learning Playground for {task}.").format(
                     task=_(self.label).lower()), "", _("## The files"), ""]  # fmt: skip
        lines += [f"- `{name}`: {_(what)}" for name, what in files.items()]
        return "\n".join(lines) + "\n"

    def script(self, run) -> str | None:
        """A standalone training script of `run` (None: the task writes none)."""
        return None

    def script_name(self, run) -> str:
        return f"train_{run.name}.py"

    exports_onnx: ClassVar[bool] = False  # whether `onnx` makes a file (the runs table offers it)

    def onnx(self, run):
        """`run`'s model as a checked ONNX file (with .data and .check_text); SpecError if it
        cannot be exported."""
        raise SpecError(Text("{label} models are not exported to ONNX.", label=self.label))


_registry: dict[str, Task] = {}
_found = threading.Lock()
_discovered = False


def register(task: Task) -> Task:
    """Make `task` one that jobs, run folders and bundles know by its name."""
    _registry[task.name] = task
    return task


def tasks() -> dict[str, Task]:
    """Every task: those in playground/tasks/ (found once) and those registered since."""
    global _discovered
    with _found:
        if not _discovered:
            folder = importlib.import_module("playground.tasks")  # plugins: found, not imported
            for module in pkgutil.iter_modules(folder.__path__):
                name = f"playground.tasks.{module.name}.task"
                if module.ispkg and importlib.util.find_spec(name) is not None:
                    importlib.import_module(name)
            _discovered = True
    return dict(_registry)


def named(name: object) -> Task:
    """The task called `name`; SpecError if there is none."""
    found = tasks()
    if not isinstance(name, str) or name not in found:
        raise SpecError(
            Text(
                "There is no task {name!r}; this playground has {join}.",
                name=str(name)[:40],
                join=", ".join(found),
            )
        )
    return found[name]


def for_spec(spec: object) -> Task:
    """The task whose model spec `spec` is."""
    for task in tasks().values():
        if isinstance(spec, task.spec_type):
            return task
    raise SpecError(Text("No task builds models of type {name__}.", name__=type(spec).__name__))


def of(config: object) -> Task:
    """The task whose settings `config` is."""
    for task in tasks().values():
        if isinstance(config, task.config_type):
            return task
    raise SpecError(
        Text("No task trains with settings of type {name__}.", name__=type(config).__name__)
    )
