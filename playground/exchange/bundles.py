"""Run bundles: a run as one zip to take away or hand out, and the same zip read back as a run.

A bundle holds <run>/spec.json, config.json, weights.safetensors, metrics.jsonl, summary.json,
model.onnx (checked, see onnx_export.py), train.py (standalone.py), curves.png and README.md, a
short model card. bundle_import.py reads one back: only the JSON files, the metrics and the
safetensors weights (the rest is for people), every name and size checked before anything is
unpacked, and never unpickled.
"""

from __future__ import annotations

import io
import zipfile

from playground.engine.records import SpecError
from playground.exchange.png_chart import curves_png
from playground.exchange.run_files import (
    WEIGHTS,
)
from playground.exchange.runs import Run
from playground.tasks.image import catalog, data, evaluation, models
from playground.tasks.image.export import onnx_export, standalone
from playground.tasks.image.fit import pass_batch_size
from playground.tasks.image.layers import shape_text
from playground.tasks.image.recipe import BY_NAME

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
