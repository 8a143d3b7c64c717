"""Run bundles: a run as one zip to take away or hand out, and the same zip read back as a run.

A bundle holds <run>/spec.json, config.json, weights.safetensors, metrics.jsonl, summary.json,
model.onnx (checked, see onnx_export.py), train.py (standalone.py), curves.png and README.md, a
short model card. Reading one back takes only the JSON files, the metrics and the safetensors
weights (the rest is for people), checks every name and size before unpacking anything, and
never unpickles: a bundle with a pickle in it is refused, as are names that point outside it
and files that unpack far larger than they said.
"""

from __future__ import annotations

import io
import json
import math
import shutil
import time
import zipfile
from pathlib import Path, PurePosixPath

import safetensors.torch
import torch

from playground import catalog, data, evaluation, models, onnx_export, standalone, weights_check
from playground.layers import shape_text
from playground.memory import pass_batch_size
from playground.png_chart import curves_png
from playground.recipe import BY_NAME, TrainConfig
from playground.run_files import (
    WEIGHTS,
    clean_summary,
    new_run_folder,
    save_weights,
    write_access,
    write_atomic,
)
from playground.runs import OverQuota, Run, check_room, load_model, load_run
from playground.settings import ServerSettings
from playground.specs import ModelSpec, SpecError

KEPT = ("spec.json", "config.json", WEIGHTS, "metrics.jsonl", "summary.json")
REQUIRED = ("spec.json", "config.json", WEIGHTS)
FOR_PEOPLE = ("README.md", "train.py", "model.onnx", "curves.png")
LIMITS = {  # bytes, unpacked
    "spec.json": 1 << 20,
    "config.json": 1 << 20,
    "summary.json": 1 << 20,
    "metrics.jsonl": 64 << 20,
    WEIGHTS: 512 << 20,
}
MAX_FILES = 64
EXTRA_EXAMPLES = 10_000  # examples of one's own a fine-tune may add to the training split
PICKLES = (".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".bin", ".joblib", ".npy", ".npz")


class BundleError(SpecError):
    """A zip that cannot be read back as a run; the message says why in the user's words."""


# --- Making a bundle --------------------------------------------------------------------------


def file_name(run: Run) -> str:
    return f"{run.name}.zip"


def make_bundle(
    run: Run, onnx: onnx_export.OnnxFile | None = None, memory_budget: int | None = None
) -> bytes:
    """The run as zip bytes. The ONNX file is exported (and checked) unless given; a model
    that cannot be exported still gets a bundle, its model card saying why. The model card's
    test pass keeps to `memory_budget` (bytes; None: the default server's)."""
    if not run.has_weights:
        raise BundleError(f"Run {run.name} has no saved weights yet: there is no model to take.")
    onnx_note = ""
    if onnx is None:
        try:
            onnx = onnx_export.export_run(run)
        except SpecError as e:
            onnx_note = f"There is no model.onnx: {e.message}"
    log = run.log()
    files: dict[str, bytes | str] = {
        name: (run.path / name).read_bytes() for name in KEPT if (run.path / name).exists()
    }
    files["train.py"] = standalone.script(
        run.spec, run.config, origin=f"run {run.name}", summary=run.summary
    )
    if onnx is not None:
        files["model.onnx"] = onnx.data
    files["curves.png"] = curves_png(log)
    files["README.md"] = model_card(run, onnx, onnx_note, memory_budget)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            zf.writestr(f"{run.name}/{name}", content)
    return out.getvalue()


def model_card(
    run: Run,
    onnx: onnx_export.OnnxFile | None,
    onnx_note: str = "",
    memory_budget: int | None = None,
) -> str:
    """README.md of a bundle: what the model is, its data, settings, results and how to use it."""
    spec, config, s = run.spec, run.config, run.summary
    info = catalog.DATASETS.get(s.get("dataset", config.dataset), catalog.DATASETS[config.dataset])
    summary = models.summarize(spec)
    loss = catalog.LOSSES[config.loss]
    lines = [
        f"# {_md(s.get('name') or spec.name)}",
        "",
        f"A model made in Deep Learning Playground: run `{run.name}`"
        + (f", {s.get('status')}" if s.get("status") else ", unfinished")
        + ".",
        "",
        "## The model",
        "",
        f"{len(spec.layers)} layers, {summary.total_params:,} parameters, "
        f"{summary.total_macs:,} multiply-adds per image. Input: images "
        f"{shape_text(spec.input_shape)}, pixels scaled to 0-1, then normalised as "
        f"(x - {info.mean}) / {info.std}. Output: {summary.layers[-1].output_shape[0]} "
        f"numbers per image; {loss.label} trained them "
        f"({'sigmoids' if config.loss == 'bce' else 'softmax'} turns them into probabilities).",
        "",
        "| # | layer | output | parameters |",
        "| --- | --- | --- | --- |",
        *(
            f"| {r.index} | {r.label} | {shape_text(r.output_shape)} | {r.params:,} |"
            for r in summary.layers
        ),
        "",
        "## Data",
        "",
        f"{info.label}: {info.description} {info.credit}. "
        f"{config.val_fraction:.0%} of the training images were held out for validation "
        "(the same ones for every run)"
        + (f"; training used at most {config.train_limit:,} images" if config.train_limit else "")
        + ".",
        "",
        "## Settings",
        "",
        "| setting | value |",
        "| --- | --- |",
        *(f"| {BY_NAME[k].label} (`{k}`) | {v} |" for k, v in config.to_dict().items()),
        "",
        "## Results",
        "",
        _results(s),
        "",
        *_per_class(run, memory_budget),
        "![Loss and accuracy curves](curves.png)",
        "",
        "## The files",
        "",
        "- `weights.safetensors`: the weights (safetensors: loading it runs no code).",
        "- `model.onnx`: "
        + (onnx.check_text + f" It opens in Netron ({onnx_export.NETRON})." if onnx else onnx_note),
        "- `train.py`: trains the same model the same way, with only torch and torchvision: "
        "`python train.py` (or `--data-dir DIR` for a folder of IDX files).",
        "- `spec.json`, `config.json`, `metrics.jsonl`, `summary.json`: the run itself. Import "
        'this zip into a playground (Train page, Runs, "Import a run bundle") or with '
        "`python -m playground import THIS.zip`.",
        "",
        "## Use it in plain PyTorch",
        "",
        "```python",
        "import torch",
        "from safetensors.torch import load_file",
        "",
        "from train import Net  # the model's class, written out in train.py",
        "",
        "model = Net()",
        'model.load_state_dict(load_file("weights.safetensors"))',
        "model.eval()",
        f"x = torch.zeros(1, {', '.join(map(str, spec.input_shape))})  # pixels 0-1",
        f"x = (x - {info.mean}) / {info.std}",
        "print(model(x).argmax(1))  # the class it sees",
        "```",
        "",
    ]
    return "\n".join(lines)


def _results(s: dict) -> str:
    if s.get("test_accuracy") is None:
        return f"No test accuracy: {s.get('message') or 'the run did not finish'}"
    seconds = s.get("train_seconds")
    return (
        f"Test accuracy **{s['test_accuracy']:.2%}** (loss {s.get('test_loss', float('nan')):.4f}) "
        f"after {s.get('epochs')} epoch(s)"
        + (f", {seconds:.0f} s of training on {s.get('device', '?')}" if seconds else "")
        + "."
    )


def _per_class(run: Run, memory_budget: int | None) -> list[str]:
    """Precision, recall and F1 of each class on the test set, where the data is here."""
    config = run.config
    try:
        dataset = data.load(config.dataset, download=False, val_fraction=0.0)
        model = run.model()
    except (data.DataError, SpecError):
        return ["Per-class scores: the test set is not on this server.", ""]
    batch = pass_batch_size(run.spec, memory_budget)
    scores = evaluation.test_scores(model, dataset.test_x, dataset.test_y, dataset.info,
                                    config.loss, batch_size=batch)  # fmt: skip
    matrix = evaluation.confusion_matrix(dataset.test_y, scores.predicted,
                                         len(dataset.info.classes))  # fmt: skip
    rows = [
        f"| {c} | {x.precision:.3f} | {x.recall:.3f} | {x.f1:.3f} | {x.support:,} |"
        for c, x in zip(dataset.info.classes, evaluation.class_scores(matrix), strict=True)
    ]
    return [
        f"Per class, on {len(dataset.test_y):,} test images of {dataset.info.label} "
        f"(accuracy {scores.accuracy:.2%}):",
        "",
        "| class | precision | recall | F1 | images |",
        "| --- | --- | --- | --- | --- |",
        *rows,
        "",
    ]


def _md(text: str) -> str:
    return text.replace("\n", " ").replace("|", "/")[:80]


# --- Reading a bundle back ----------------------------------------------------------------------


def read_bundle(raw: bytes, what: str = "the bundle") -> dict[str, bytes]:
    """The run files in zip bytes, checked; BundleError says what is wrong."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
        members = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise BundleError(f"{what} is not a zip file: choose a bundle downloaded from the runs "
                          "table.") from None  # fmt: skip
    if len(members) > MAX_FILES:
        raise BundleError(f"{what} holds {len(members):,} files; a bundle holds fewer than "
                          f"{MAX_FILES}.")  # fmt: skip
    names = {}
    for m in members:
        if m.is_dir():
            continue
        _check_name(m.filename, what)
        names[m.filename] = m
    prefix = _common_folder(list(names))
    found: dict[str, zipfile.ZipInfo] = {}
    for full, m in names.items():
        name = full[len(prefix) :]
        if name.lower().endswith(PICKLES):
            raise BundleError(
                f"{what} holds {name}, a pickle file, and a pickle runs code when it is loaded: "
                "bundles carry weights only as safetensors. Nothing was imported."
            )
        if name in KEPT:
            found[name] = m
    missing = [n for n in REQUIRED if n not in found]
    if missing:
        raise BundleError(f"{what} has no {', '.join(missing)}: it is not a run bundle (one "
                          "comes from the runs table's \"Download bundle\").")  # fmt: skip
    return {name: _read_member(zf, m, LIMITS[name], what) for name, m in found.items()}


def _check_name(name: str, what: str) -> None:
    path = PurePosixPath(name)
    if (
        "\\" in name
        or name.startswith("/")
        or ".." in path.parts
        or (path.parts and ":" in path.parts[0])
        or any(ord(c) < 32 for c in name)
    ):
        raise BundleError(f"{what} holds a file named {name!r} that points outside the bundle; "
                          "it was refused and nothing was imported.")  # fmt: skip


def _common_folder(names: list[str]) -> str:
    """'run/' when every file is in the same top folder (as bundles are made), else ''."""
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and all("/" in n for n in names):
        return tops.pop() + "/"
    return ""


def _read_member(zf: zipfile.ZipFile, member: zipfile.ZipInfo, limit: int, what: str) -> bytes:
    """A member's bytes, never more than `limit`: the size a zip declares is not trusted."""
    too_big = BundleError(
        f"{member.filename} in {what} unpacks to more than {limit >> 20 or 1} MB: too large for "
        "a run (or a zip bomb). Nothing was imported."
    )
    if member.file_size > limit:
        raise too_big
    try:
        with zf.open(member) as f:
            content = f.read(limit + 1)
    except Exception as e:  # zlib.error, a bad CRC, an unknown compression: damage, in words
        raise BundleError(
            f"{member.filename} in {what} cannot be unpacked ({type(e).__name__}): the zip is "
            "damaged. Download the bundle again. Nothing was imported."
        ) from None
    if len(content) > limit:
        raise too_big
    return content


def import_bundle(
    raw: bytes,
    root: str | Path,
    owner: str | None,
    what: str = "the bundle",
    limits: ServerSettings | None = None,
) -> Run:
    """A new run in `root`, owned by `owner`, from a bundle's bytes: validated first (the
    model, the settings, weights that fit the model, read from their header before any tensor
    is made; room under `limits` for the unpacked files); nothing is left behind on failure."""
    files = read_bundle(raw, what)
    try:
        spec = ModelSpec.from_json(files["spec.json"])
        spec.validate()
        config = TrainConfig.from_json(files["config.json"])
        with torch.device("meta"):
            weights_check.check_fits(files[WEIGHTS], models.build(spec), f"The weights in {what}")
    except SpecError as e:
        raise BundleError(e.message if e.message.startswith("The weights") else
                          f"{what}: {e.message}") from None  # fmt: skip
    try:
        state = safetensors.torch.load(files[WEIGHTS])
        load_model(spec, state, what)
    except SpecError as e:
        raise BundleError(e.message) from None
    except Exception as e:  # safetensors has its own error types for damaged files
        raise BundleError(f"The weights in {what} cannot be read ({e}).") from None
    summary = _summary(files.get("summary.json"), what)
    if "metrics.jsonl" in files:
        files["metrics.jsonl"], cut = _capped_metrics(files["metrics.jsonl"], config)
        if cut:
            summary["message"] = (
                f"{summary['message']} {cut:,} metrics lines beyond what a run of "
                f"{config.epochs} epoch(s) writes were left out."
            )
    try:
        check_room(owner, sum(map(len, files.values())), limits, root,
                   f"{what} was not imported")  # fmt: skip
    except OverQuota as e:
        raise BundleError(e.message) from None
    path = new_run_folder(root, f"imported-{spec.name}")
    try:
        write_access(path, owner, None)
        write_atomic(path / "spec.json", files["spec.json"])
        write_atomic(path / "config.json", files["config.json"])
        save_weights(path, state)
        if "metrics.jsonl" in files:
            write_atomic(path / "metrics.jsonl", files["metrics.jsonl"])
        write_atomic(path / "summary.json", json.dumps(summary, indent=2))
        return load_run(path)
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise


def _capped_metrics(raw: bytes, config: TrainConfig) -> tuple[bytes, int]:
    """The metrics of a bundle, cut to the lines a run of its settings could have written
    (one a step, one an epoch, and room for examples added by fine-tuning); (bytes, lines
    cut)."""
    info = catalog.DATASETS[config.dataset]
    images = info.train_images * (1 - config.val_fraction)
    if config.train_limit:
        images = min(images, config.train_limit)
    steps = math.ceil((images + EXTRA_EXAMPLES) / config.batch_size) * config.epochs
    most = steps + config.epochs + 1
    lines = raw.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    if len(lines) <= most:
        return raw, 0
    return b"\n".join(lines[:most]) + b"\n", len(lines) - most


def _summary(raw: bytes | None, what: str) -> dict:
    summary = {}
    if raw is not None:
        try:
            summary = clean_summary(json.loads(raw))
        except (ValueError, RecursionError):
            summary = {}
    summary.setdefault("status", "finished" if "test_accuracy" in summary else "imported")
    summary.setdefault("message", f"Imported from {what}.")
    summary["imported_from"] = what
    summary["imported"] = time.time()
    return summary
