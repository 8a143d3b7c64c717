"""The image task's own commands: `data import` and `data show` (the MNIST-like IDX files of
the data folder) and `eval` (a run on a test set). The CLI (playground/cli/) adds them."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import torch

from playground.datasets import idx, image_sets
from playground.datasets.images import default_data_dir, load
from playground.engine import settings
from playground.engine.devices import pick_device
from playground.engine.i18n import Text, _
from playground.engine.records import DataError
from playground.exchange.runs import load_run
from playground.tasks.image.fit import pass_batch_size
from playground.tasks.image.training import evaluate, prepare


def add_commands(sub) -> None:
    """`data` and `eval`, on the CLI's subparsers."""
    d = sub.add_parser(
        "data", help=_("import datasets into the data folder, or show what is there")
    )
    dsub = d.add_subparsers(required=True, metavar="ACTION")
    imp = dsub.add_parser("import", help=_("copy a folder's IDX files into the data folder"))
    imp.add_argument("source", type=Path, help=_("folder with the four IDX files (gz or raw)"))
    imp.add_argument(
        "--dataset",
        choices=[n for n, i in image_sets.DATASETS.items() if i.torchvision],
        default="mnist",
    )
    imp.add_argument("--data-dir", type=Path)
    imp.set_defaults(run=_data_import)
    show = dsub.add_parser("show", help=_("list the datasets in the data folder"))
    show.add_argument("--data-dir", type=Path)
    show.set_defaults(run=_data_show)

    e = sub.add_parser("eval", help=_("evaluate a saved run on a test set"))
    e.add_argument("run_dir", type=Path)
    e.add_argument("--dataset", choices=image_sets.DATASETS, help=_("default: the run's own"))
    e.add_argument("--data-dir", type=Path)
    e.add_argument("--device", default="auto")
    e.add_argument("--json", action="store_true")
    e.set_defaults(run=_eval)

    a = sub.add_parser("attack", help=_("a membership-inference attack on a saved run: what it "
                                        "gives away about its training images"))  # fmt: skip
    a.add_argument("run_dir", type=Path)
    a.add_argument("--data-dir", type=Path)
    a.add_argument("--json", action="store_true")
    a.set_defaults(run=_attack)


def _attack(args: argparse.Namespace) -> int:
    from playground.tasks.image import membership
    from playground.tasks.image.task import IMAGE

    run = load_run(args.run_dir)
    if run.task_name != IMAGE.name or not run.has_weights:
        raise DataError(Text("{run} is not a trained image classifier: the attack asks one about "
                             "its training images.", run=run.name))  # fmt: skip
    data = IMAGE.load_data(run.config, args.data_dir, None, torch.device("cpu"))
    found, _images = membership.attack(run, data)
    s = run.summary
    result = {"run": str(run.path), **found.to_dict(), "epsilon": s.get("epsilon"),
              "delta": s.get("delta"), "test_accuracy": s.get("test_accuracy")}  # fmt: skip
    if args.json:
        print(json.dumps(result))
        return 0
    print(_("{run}: the loss-threshold attack has AUC {auc} and advantage {advantage} on {n} "
            "training and {n2} unseen images (a coin: 0.5 and 0).").format(
        run=run.name, auc=f"{found.auc:.3f}", advantage=f"{found.advantage:.3f}",
        n=len(found.member_losses), n2=len(found.unseen_losses)))  # fmt: skip
    return 0


def _data_import(args: argparse.Namespace) -> int:
    info = image_sets.DATASETS[args.dataset]
    files = idx.find(args.source, info.raw_folder)
    if files is None:
        raise DataError(
            Text(
                "{source} does not hold the four {label} IDX files (train-images, "
                "train-labels, t10k-images, t10k-labels; gz or raw).",
                source=args.source,
                label=info.label,
            )
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
    print(_("Imported {label} into {target}.").format(label=_(info.label), target=target))
    return 0


def _data_show(args: argparse.Namespace) -> int:
    folder = Path(args.data_dir or default_data_dir())
    print(_("Data folder: {folder}").format(folder=folder))
    for name, info in image_sets.DATASETS.items():
        if name == "mnist-sample":
            print("  " + _("{name}: bundled with the app").format(name=name))
            continue
        files = idx.find(folder, info.raw_folder, info.flat)
        if files is None:
            print(
                "  " + _("{name}: not here (downloaded on first use when online)").format(name=name)
            )
            continue
        try:
            data = load(name, folder, val_fraction=0.0, download=False)
            print(
                "  "
                + _("{name}: {train} train, {test} test images").format(
                    name=name, train=f"{len(data.train_y):,}", test=f"{len(data.test_y):,}"
                )
            )
        except DataError as e:
            print("  " + _("{name}: damaged: {why}").format(name=name, why=_(str(e))))
    return 0


def _eval(args: argparse.Namespace) -> int:
    run = load_run(args.run_dir)
    dataset = args.dataset or run.config.dataset
    device = pick_device(args.device)
    keep = image_sets.parse_classes(run.config.classes) if dataset == run.config.dataset else ()
    data = load(dataset, args.data_dir, val_fraction=0.0, classes=keep, device=device)
    model = prepare(run.model(), device, run.config.channels_last)
    start = time.perf_counter()
    loss, accuracy = evaluate(
        model,
        data.test_x,
        data.test_y,
        run.config.loss,
        data.info,
        batch_size=pass_batch_size(run.spec, settings.load().memory_budget_bytes),
        channels_last=run.config.channels_last,
    )
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
            print(_("note: {note}").format(note=_(data.note)), file=sys.stderr)
        print(
            _("{run} on {dataset}: accuracy {accuracy}, loss {loss}").format(
                run=run.name,
                dataset=_(data.info.label),
                accuracy=f"{accuracy:.4f}",
                loss=f"{loss:.4f}",
            )
        )
    return 0
