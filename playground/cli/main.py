"""Command line: python -m playground train | sweep | export | import, and each task's own commands
(image: data, eval).

python -m playground train --preset seed-cnn --dataset mnist --json
python -m playground train --task language --preset names-tiny --json
python -m playground sweep --task language --preset names-tiny --sizes 4 --budget-steps 200 --json
python -m playground data import ~/Downloads/mnist
python -m playground eval runs/20260101-120000-seed-cnn
python -m playground export runs/20260101-120000-seed-cnn --format bundle -o seed-cnn.zip
python -m playground import seed-cnn.zip

`train` takes any task (engine/task.py): `--task` (default image) chooses it, and its flags are
that task's settings table, one flag a row.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import os
import sys
from pathlib import Path

from playground.cli import search, sweep
from playground.cli.flags import (
    build_config,
    job_class,
    model_flags,
    model_of,
    read_file,
    runs_folder,
)
from playground.engine import i18n, settings, transfer
from playground.engine.cost import cost_text
from playground.engine.devices import pick_device
from playground.engine.i18n import N_, Text, _
from playground.engine.metrics import EpochRecord, Status
from playground.engine.records import DataError, SpecError
from playground.engine.task import DEFAULT, Task, named, tasks
from playground.exchange import bundle_import
from playground.exchange.runs import default_runs_dir, load_run
from playground.serving.jobs import TrainingJob


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    env = os.environ  # the human output in the language of LANG (and its kin), like gettext
    i18n.use(
        i18n.pick(env.get("LANGUAGE"), env.get("LC_ALL"), env.get("LC_MESSAGES"), env.get("LANG"))
    )
    try:
        task = named(_task_in(argv))
        args = _parser(task).parse_args(argv)
        return args.run(args)
    except (SpecError, DataError) as e:
        print(_("error: {why}").format(why=_(str(e))), file=sys.stderr)
        return 2


def _task_in(argv: list[str]) -> str:
    """The --task of a train command line (before its flags can be known), or the default."""
    for i, arg in enumerate(argv):
        if arg == "--task" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--task="):
            return arg.split("=", 1)[1]
    return DEFAULT


def _parser(task: Task | None = None) -> argparse.ArgumentParser:
    """The CLI's parser; `train` with the flags of `task` (default: image classification)."""
    task = task or named(DEFAULT)
    parser = argparse.ArgumentParser(
        prog="python -m playground",
        description=_(
            "Deep Learning Playground on the command line: train, sweep, export, import, and each "
            "task's own commands"
        ),
    )
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    t = sub.add_parser("train", help=_("train a model and save it as a run"))
    model_flags(t, task)
    t.add_argument(
        "--init-from",
        metavar="RUN_DIR",
        help=_(
            "start from a trained run's weights (the layers whose names and shapes match; "
            "'pretrained': the model that ships with the app)"
        ),
    )
    t.add_argument(
        "--freeze",
        default="",
        help=_("layers that do not train: names or prefixes (0.0,2.0), first:K, or all-but-last"),
    )
    t.add_argument(
        "--copied-lr-factor",
        type=float,
        default=1.0,
        help=_("the copied layers' learning rate as a share of the others' (default 1)"),
    )
    t.add_argument("--no-save", action="store_true", help=_("do not write a run folder"))
    t.add_argument(
        "--ray",
        metavar="ADDRESS",
        help=_("train on a Ray cluster: auto, ray://host:10001, or local (one started here)"),
    )
    t.add_argument(
        "--json", action="store_true", help=_("print a JSON object per epoch and a summary")
    )
    t.set_defaults(run=lambda args: _train(args, task))

    sweep.add_command(sub, task)
    search.add_command(sub, task)

    for each in tasks().values():  # a task's own commands (image: data, eval)
        try:
            commands = importlib.import_module(
                f"{type(each).__module__.rsplit('.', 1)[0]}.commands"
            )
        except ModuleNotFoundError:
            continue
        commands.add_commands(sub)

    x = sub.add_parser("export", help=_("a run as ONNX, a standalone training script, or a bundle"))
    x.add_argument("run_dir", type=Path, help=_("a run folder (or one of playground/assets/)"))
    x.add_argument("--format", choices=("onnx", "script", "bundle"), default="bundle")
    x.add_argument("-o", "--output", type=Path, help=_("the file to write (default: a name here)"))
    x.set_defaults(run=_export)

    i = sub.add_parser("import", help=_("a run bundle (.zip) into the runs folder"))
    i.add_argument("bundle", type=Path)
    runs_folder(i)
    i.set_defaults(run=_import)
    return parser


# --- train ----------------------------------------------------------------------------------


def _train(args: argparse.Namespace, task: Task) -> int:
    spec = model_of(args, task)
    config, extra = task.train_extra(args, build_config(args, spec))
    pick_device(task.device(config))  # a missing GPU is a usage error, said before anything
    runs_dir = None if args.no_save else (args.out or default_runs_dir())
    start, folder = _start(args, task)
    if folder is not None:
        extra = task.start_extra(extra, folder, spec)
    job = job_class(args.ray)(
        spec,
        config,
        name=args.name,
        data_dir=args.data_dir,
        runs_dir=runs_dir,
        task=task,
        extra=extra,
        initial_weights=start,
    )
    progress = _Progress(job, as_json=args.json)
    job.start()
    try:
        while not job.wait(0.25):
            progress.show()
    except KeyboardInterrupt:
        print("\n" + _("stopping..."), file=sys.stderr)
        job.stop()
        job.wait()
    progress.show()
    progress.close()
    summary = {"type": "summary", **job.summary, "status": job.status.value, "message": job.message}
    summary["data_note"] = job.data_note
    summary["run_dir"] = str(job.run_dir) if job.run_dir else None
    summary["metrics"] = [  # what the task declares it reaches, read by the same names
        {"key": m.key, "label": m.label, "unit": m.unit, "lower_is_better": m.lower_is_better,
         "value": m.of(summary)} for m in task.metrics
    ]  # fmt: skip
    if args.json:
        print(json.dumps(summary), flush=True)
    else:
        _print_summary(summary, task)
    return 0 if job.status in (Status.FINISHED, Status.STOPPED) else 1


def _start(args: argparse.Namespace, task: Task):
    """(the transfer.Start of --init-from, --freeze and --copied-lr-factor, its folder), or
    (None, None)."""
    if not args.init_from:
        if args.freeze or args.copied_lr_factor != 1.0:
            raise SpecError(Text("--freeze and --copied-lr-factor need --init-from RUN_DIR."))
        return None, None
    folder = Path(args.init_from)
    if args.init_from == "pretrained":
        if task.pretrained is None:
            raise SpecError(
                Text("No pretrained model for {task} ships with the app.", task=task.label)
            )
        folder = task.pretrained
    source = load_run(folder)
    if source.task.name != task.name:
        raise SpecError(Text("{folder} holds a model for {source}, not for {task}: it cannot be a "
                             "start (their layers have nothing in common).", folder=folder,
                             source=source.task.label, task=task.label))  # fmt: skip
    weights = source.weights()  # a pickle, a huge header, a cut file: SpecError in words
    freeze = tuple(x.strip() for x in args.freeze.split(",") if x.strip())
    start = transfer.Start(weights, source.name, freeze, args.copied_lr_factor, str(folder))
    return start.check(), folder


class _Progress:
    """A progress bar on stderr (a line per epoch when it is not a terminal), and JSON epochs."""

    def __init__(self, job: TrainingJob, as_json: bool):
        self.job, self.as_json = job, as_json
        self.epochs_shown = 0
        self.tty = sys.stderr.isatty()
        self.note_shown = False

    def show(self) -> None:
        job = self.job
        if job.data_note and not self.note_shown:
            print(_("note: {note}").format(note=job.data_note), file=sys.stderr)
            self.note_shown = True
        for record in job.log.epochs()[self.epochs_shown :]:
            self.epochs_shown += 1
            self._epoch(record)
        last = job.log.last_step()
        if self.tty and last and job.steps_per_epoch:
            epochs = job.task.epochs(job.config)
            total = job.total_steps
            done = last.step / total
            bar = "#" * int(30 * done) + "-" * (30 - int(30 * done))
            eta = last.seconds / done - last.seconds if done else 0
            line = _("epoch {epoch}/{epochs} step {step}/{total} loss {loss} {speed} {samples}/s "
                     "eta {eta}s ").format(epoch=last.epoch, epochs=epochs, step=last.step,
                                           total=total, loss=f"{last.loss:.4f}", eta=f"{eta:.0f}",
                                           speed=f"{last.samples_per_second:,.0f}",
                                           samples=_(job.task.samples))  # fmt: skip
            print(f"\r[{bar}] {line}", end="", file=sys.stderr, flush=True)

    def _epoch(self, r: EpochRecord) -> None:
        if self.as_json:
            print(json.dumps({"type": "epoch", **dataclasses.asdict(r)}), flush=True)
        val = (
            _("val loss {loss}").format(loss=f"{r.val_loss:.4f}") if r.val_loss is not None else ""
        )
        scored = self.job.task.score is not None  # a task without a score shows its losses
        if scored and r.val_accuracy is not None:
            val += " " + _("acc {accuracy}").format(accuracy=f"{r.val_accuracy:.4f}")
        train = _("train loss {loss}").format(loss=f"{r.train_loss:.4f}")
        if scored and r.train_accuracy is not None:
            train += " " + _("acc {accuracy}").format(accuracy=f"{r.train_accuracy:.4f}")
        line = _("epoch {epoch}: {train} {val} ({seconds}s)").format(
            epoch=r.epoch, train=train, val=val, seconds=f"{r.seconds:.1f}"
        )
        print(("\r" if self.tty else "") + line + " " * 20, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.tty:
            print(file=sys.stderr)


def _print_summary(s: dict, task: Task) -> None:
    print(f"{_(s['status'])}: {_(s['message'])}")
    reached = [(m, v) for m in task.metrics if (v := m.of(s)) is not None]
    if reached:  # the numbers the task declares, with their units
        print(
            ", ".join(
                f"{_(m.label)} {m.format(v)}" + (f" {_(m.unit)}" if m.unit else "")
                for m, v in reached
            )
        )
    if s.get("train_seconds") is not None:
        took = _("{epochs} epochs in {seconds}s of training, {speed} {samples}/s on {device}")
        print(took.format(
            epochs=s["epochs"], seconds=f"{s['train_seconds']:.1f}",
            speed=f"{s['samples_per_second']:,.0f}", samples=_(task.samples),
            device=s["device"]))  # fmt: skip
    if cost_text(s):
        print(
            _("cost: {cost} ({assumptions})").format(
                cost=cost_text(s), assumptions=settings.server_assumptions().text()
            )
        )
    if s.get("start_from"):
        frozen = ", ".join(s["frozen"]) or "-"
        print(_("started from {source}: {copied} weights copied, {new} new, {count} frozen "
                "({frozen})").format(source=s["start_from"], copied=len(s["copied"]),
                                     new=len(s["new"]), count=len(s["frozen"]),
                                     frozen=frozen))  # fmt: skip
    if s.get("classes"):
        kept = s["classes"]
        print(
            _("trained on classes {classes} only (as 0 to {last})").format(
                classes=", ".join(kept), last=len(kept) - 1
            )
        )
    if s.get("run_dir"):
        print(_("saved to {folder}").format(folder=s["run_dir"]))


# --- export and import ----------------------------------------------------------------------


def _export(args: argparse.Namespace) -> int:
    from playground.exchange import bundles

    run = load_run(args.run_dir)
    check = ""
    if args.format == "onnx":
        exported = run.task.onnx(run)
        content, default = exported.data, f"{run.name}.onnx"
        check = exported.check_text
    elif args.format == "script":
        content = run.task.script(run)
        if content is None:
            raise SpecError(
                Text("{task} runs have no training script to export.", task=run.task.label)
            )
        default = run.task.script_name(run)
    else:
        content, default = bundles.make_bundle(run), bundles.file_name(run)
    out = args.output or Path(default)
    try:
        out.write_bytes(content) if isinstance(content, bytes) else out.write_text(content)
    except OSError as e:
        raise SpecError(
            Text("{out} cannot be written ({why}).", out=out, why=e.strerror or e)
        ) from None
    print(_("Wrote {out} ({size} bytes).").format(out=out, size=f"{len(content):,}"))
    if check:
        print(_(check) + " " + _("It opens in Netron ({url}).").format(url=bundles.NETRON))
    return 0


def _import(args: argparse.Namespace) -> int:

    raw = read_file(args.bundle, N_("bundle"))
    run = bundle_import.import_bundle(raw, args.out or default_runs_dir(), None, args.bundle.name)
    lead = run.task.metrics[0]
    value = lead.of(run.summary)
    found = (
        ""
        if value is None
        else ", "
        + _("{metric} {value}").format(metric=_(lead.label).lower(), value=lead.format(value))
    )
    print(
        _("Imported {name} as {path}{found}.").format(
            name=args.bundle.name, path=run.path, found=found
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
