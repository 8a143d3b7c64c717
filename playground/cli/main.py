"""Command line: python -m playground train | data | eval | export | import.

python -m playground train --preset seed-cnn --dataset mnist --json
python -m playground data import ~/Downloads/mnist
python -m playground eval runs/20260101-120000-seed-cnn
python -m playground export runs/20260101-120000-seed-cnn --format bundle -o seed-cnn.zip
python -m playground import seed-cnn.zip
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
import time
from pathlib import Path

from playground.engine import settings
from playground.engine.devices import pick_device
from playground.engine.metrics import EpochRecord, Status
from playground.engine.records import SpecError
from playground.exchange import bundle_import
from playground.exchange.runs import default_runs_dir, load_run
from playground.serving.jobs import TrainingJob
from playground.tasks.image import catalog, idx
from playground.tasks.image.data import DataError, default_data_dir, load
from playground.tasks.image.fit import pass_batch_size
from playground.tasks.image.recipe import REGISTRIES, SETTINGS, Setting, TrainConfig
from playground.tasks.image.specs import ModelSpec
from playground.tasks.image.training import evaluate, prepare


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except (SpecError, DataError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m playground", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    t = sub.add_parser("train", help="train a model and save it as a run")
    what = t.add_mutually_exclusive_group()
    what.add_argument(
        "--preset", choices=catalog.PRESETS, help="a ready-made model (default seed-cnn)"
    )
    what.add_argument(
        "--spec", type=Path, help="a model spec JSON file (as the Build page exports)"
    )
    t.add_argument("--config", type=Path, help="a training config JSON file; flags override it")
    t.add_argument(
        "--data-dir", type=Path, help=f"folder of datasets (default {default_data_dir()})"
    )
    for setting in SETTINGS:  # one flag per training setting: recipe.py's table
        t.add_argument(setting.flag, **_flag_options(setting))
    t.add_argument("--name", help="the run's name (default: the model's)")
    t.add_argument("--out", type=Path, help=f"folder for runs (default {default_runs_dir()})")
    t.add_argument("--no-save", action="store_true", help="do not write a run folder")
    t.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="train on a Ray cluster: auto, ray://host:10001, or local (one started here)",
    )
    t.add_argument(
        "--json", action="store_true", help="print a JSON object per epoch and a summary"
    )
    t.set_defaults(run=_train)

    d = sub.add_parser("data", help="import datasets into the data folder, or show what is there")
    dsub = d.add_subparsers(required=True, metavar="ACTION")
    imp = dsub.add_parser("import", help="copy a folder's IDX files into the data folder")
    imp.add_argument("source", type=Path, help="folder with the four IDX files (gz or raw)")
    imp.add_argument(
        "--dataset",
        choices=[n for n, i in catalog.DATASETS.items() if i.torchvision],
        default="mnist",
    )
    imp.add_argument("--data-dir", type=Path)
    imp.set_defaults(run=_data_import)
    show = dsub.add_parser("show", help="list the datasets in the data folder")
    show.add_argument("--data-dir", type=Path)
    show.set_defaults(run=_data_show)

    e = sub.add_parser("eval", help="evaluate a saved run on a test set")
    e.add_argument("run_dir", type=Path)
    e.add_argument("--dataset", choices=catalog.DATASETS, help="default: the run's own")
    e.add_argument("--data-dir", type=Path)
    e.add_argument("--device", default="auto")
    e.add_argument("--json", action="store_true")
    e.set_defaults(run=_eval)

    x = sub.add_parser("export", help="a run as ONNX, a standalone training script, or a bundle")
    x.add_argument("run_dir", type=Path, help="a run folder (or playground/assets/pretrained)")
    x.add_argument("--format", choices=("onnx", "script", "bundle"), default="bundle")
    x.add_argument("-o", "--output", type=Path, help="the file to write (default: a name here)")
    x.set_defaults(run=_export)

    i = sub.add_parser("import", help="a run bundle (.zip) into the runs folder")
    i.add_argument("bundle", type=Path)
    i.add_argument("--out", type=Path, help=f"folder for runs (default {default_runs_dir()})")
    i.set_defaults(run=_import)
    return parser


# --- train ----------------------------------------------------------------------------------


def _flag_options(s: Setting) -> dict:
    """argparse's options for a setting's flag: its type, choices, and help with its range."""
    if s.kind is bool:
        return {"action": argparse.BooleanOptionalAction, "default": None, "help": s.help}
    text = s.help
    if s.low is not None:
        text += f" ({s.range_text}, default {s.default})"
    elif s.choices == "devices":
        text += " (auto, cpu, cuda, cuda:N or mps)"
    choices = list(REGISTRIES[s.choices]) if s.choices in REGISTRIES else None
    return {"type": s.kind, "choices": choices, "help": text.replace("%", "%%")}


def build_config(args: argparse.Namespace, spec: ModelSpec) -> TrainConfig:
    """Defaults, then the preset's recipe, then --config, then flags."""
    values = dict(catalog.PRESETS[spec.name].recipe) if spec.name in catalog.PRESETS else {}
    if args.config:
        values.update(TrainConfig.from_json(_read(args.config, "training config")).to_dict())
    flags = {s.name: getattr(args, s.name) for s in SETTINGS if getattr(args, s.name) is not None}
    if "optimizer" in flags and "lr" not in flags:  # a new optimizer comes with its usual lr
        flags["lr"] = catalog.OPTIMIZERS[flags["optimizer"]].lr
    values.update(flags)
    return TrainConfig.from_dict({**TrainConfig().to_dict(), **values})


def _train(args: argparse.Namespace) -> int:
    if args.spec:
        spec = ModelSpec.from_json(_read(args.spec, "model spec"))
    else:
        spec = ModelSpec.from_preset(args.preset or "seed-cnn")
    config = build_config(args, spec)
    pick_device(config.device)  # a missing GPU is a usage error, said before anything starts
    runs_dir = None if args.no_save else (args.out or default_runs_dir())
    job = _job_class(args.ray)(
        spec, config, name=args.name, data_dir=args.data_dir, runs_dir=runs_dir
    )
    progress = _Progress(job, as_json=args.json)
    job.start()
    try:
        while not job.wait(0.25):
            progress.show()
    except KeyboardInterrupt:
        print("\nstopping...", file=sys.stderr)
        job.stop()
        job.wait()
    progress.show()
    progress.close()
    summary = {"type": "summary", **job.summary, "status": job.status.value, "message": job.message}
    summary.setdefault("test_accuracy", None)
    summary["data_note"] = job.data_note
    summary["run_dir"] = str(job.run_dir) if job.run_dir else None
    if args.json:
        print(json.dumps(summary), flush=True)
    else:
        _print_summary(summary)
    return 0 if job.status in (Status.FINISHED, Status.STOPPED) else 1


def _job_class(ray_address: str | None) -> type[TrainingJob]:
    """A thread here, or (--ray) an actor on the cluster, reported the same way."""
    if not ray_address:
        return TrainingJob
    from playground import ray_jobs  # Ray only when asked for

    try:
        ray_jobs.connect(ray_address)
    except ray_jobs.ClusterUnavailable as e:
        raise SpecError(str(e)) from None
    return ray_jobs.RayJob


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
            print(f"note: {job.data_note}", file=sys.stderr)
            self.note_shown = True
        for record in job.log.epochs()[self.epochs_shown :]:
            self.epochs_shown += 1
            self._epoch(record)
        last = job.log.last_step()
        if self.tty and last and job.steps_per_epoch:
            total = job.steps_per_epoch * job.config.epochs
            done = last.step / total
            bar = "#" * int(30 * done) + "-" * (30 - int(30 * done))
            eta = last.seconds / done - last.seconds if done else 0
            print(
                f"\r[{bar}] epoch {last.epoch}/{job.config.epochs} step {last.step}/{total} "
                f"loss {last.loss:.4f} {last.samples_per_second:,.0f} img/s eta {eta:.0f}s ",
                end="",
                file=sys.stderr,
                flush=True,
            )

    def _epoch(self, r: EpochRecord) -> None:
        if self.as_json:
            print(json.dumps({"type": "epoch", **dataclasses.asdict(r)}), flush=True)
        val = (
            f"val loss {r.val_loss:.4f} acc {r.val_accuracy:.4f}" if r.val_loss is not None else ""
        )
        line = (
            f"epoch {r.epoch}: train loss {r.train_loss:.4f} acc {r.train_accuracy:.4f} "
            f"{val} ({r.seconds:.1f}s)"
        )
        print(("\r" if self.tty else "") + line + " " * 20, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.tty:
            print(file=sys.stderr)


def _print_summary(s: dict) -> None:
    print(f"{s['status']}: {s['message']}")
    if s.get("test_accuracy") is not None:
        print(f"test accuracy {s['test_accuracy']:.4f}, test loss {s['test_loss']:.4f}")
    if s.get("train_seconds") is not None:
        print(
            f"{s['epochs']} epochs in {s['train_seconds']:.1f}s of training, "
            f"{s['samples_per_second']:,.0f} images/s on {s['device']}"
        )
    if s.get("run_dir"):
        print(f"saved to {s['run_dir']}")


# --- data -----------------------------------------------------------------------------------


def _data_import(args: argparse.Namespace) -> int:
    info = catalog.DATASETS[args.dataset]
    files = idx.find(args.source, info.raw_folder)
    if files is None:
        raise DataError(
            f"{args.source} does not hold the four {info.label} IDX files (train-images, "
            "train-labels, t10k-images, t10k-labels; gz or raw)."
        )
    idx.load(files, len(info.classes), info.input_shape[1:])  # refuse damaged files up front
    target = Path(args.data_dir or default_data_dir()) / info.raw_folder / "raw"
    target.mkdir(parents=True, exist_ok=True)
    for part, path in files.items():
        dims = 3 if part.endswith("images") else 1
        name = f"{part}-idx{dims}-ubyte" + (".gz" if path.suffix == ".gz" else "")
        for stale in target.glob(f"{part}*"):
            stale.unlink()
        shutil.copyfile(path, target / name)
    print(f"Imported {info.label} into {target}.")
    return 0


def _data_show(args: argparse.Namespace) -> int:
    folder = Path(args.data_dir or default_data_dir())
    print(f"Data folder: {folder}")
    for name, info in catalog.DATASETS.items():
        if name == "mnist-sample":
            print(f"  {name}: bundled with the app")
            continue
        files = idx.find(folder, info.raw_folder)
        if files is None:
            print(f"  {name}: not here (downloaded on first use when online)")
            continue
        try:
            data = load(name, folder, val_fraction=0.0, download=False)
            print(f"  {name}: {len(data.train_y):,} train, {len(data.test_y):,} test images")
        except DataError as e:
            print(f"  {name}: damaged: {e}")
    return 0


# --- eval -----------------------------------------------------------------------------------


def _eval(args: argparse.Namespace) -> int:
    run = load_run(args.run_dir)
    dataset = args.dataset or run.config.dataset
    device = pick_device(args.device)
    data = load(dataset, args.data_dir, val_fraction=0.0, device=device)
    model = prepare(run.model(), device, run.config.channels_last)
    start = time.perf_counter()
    loss, accuracy = evaluate(
        model, data.test_x, data.test_y, run.config.loss, data.info,
        batch_size=pass_batch_size(run.spec, settings.load().memory_budget_bytes),
        channels_last=run.config.channels_last,
    )  # fmt: skip
    result = {
        "run": str(run.path),
        "dataset": data.name,
        "test_accuracy": accuracy,
        "test_loss": loss,
        "images": len(data.test_y),
        "seconds": round(time.perf_counter() - start, 3),
        "data_note": data.note,
    }
    if args.json:
        print(json.dumps(result))
    else:
        if data.note:
            print(f"note: {data.note}", file=sys.stderr)
        print(f"{run.name} on {data.info.label}: accuracy {accuracy:.4f}, loss {loss:.4f}")
    return 0


# --- export and import ----------------------------------------------------------------------


def _export(args: argparse.Namespace) -> int:
    from playground import standalone  # onnx is slow to import
    from playground.exchange import bundles
    from playground.tasks.image.export import onnx_export

    run = load_run(args.run_dir)
    check = ""
    if args.format == "onnx":
        exported = onnx_export.export_run(run)
        content, default = exported.data, f"{run.name}.onnx"
        check = exported.check_text
    elif args.format == "script":
        content = standalone.script(run.spec, run.config, origin=f"run {run.name}",
                                    summary=run.summary)  # fmt: skip
        default = standalone.file_name(run.spec)
    else:
        content, default = bundles.make_bundle(run), bundles.file_name(run)
    out = args.output or Path(default)
    try:
        out.write_bytes(content) if isinstance(content, bytes) else out.write_text(content)
    except OSError as e:
        raise SpecError(f"{out} cannot be written ({e.strerror or e}).") from None
    print(f"Wrote {out} ({len(content):,} bytes).")
    if check:
        print(check + f" It opens in Netron ({onnx_export.NETRON}).")
    return 0


def _import(args: argparse.Namespace) -> int:

    raw = _read(args.bundle, "bundle")
    run = bundle_import.import_bundle(raw, args.out or default_runs_dir(), None, args.bundle.name)
    accuracy = run.summary.get("test_accuracy")
    found = f", test accuracy {accuracy:.2%}" if isinstance(accuracy, float) else ""
    print(f"Imported {args.bundle.name} as {run.path}{found}.")
    return 0


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise SpecError(f"The {what} file {path} cannot be read ({e.strerror or e}).") from None


if __name__ == "__main__":
    sys.exit(main())
