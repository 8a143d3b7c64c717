"""Run bundles: a run as one zip to take away or hand out, and the same zip read back as a run.

A bundle holds <run>/task.json, spec.json, config.json, weights.safetensors, metrics.jsonl,
summary.json, curves.png, and what the run's task writes: model.onnx (checked), train.py and
README.md, a short model card. bundle_import.py reads one back: only the JSON files, the
metrics and the safetensors weights (the rest is for people), every name and size checked
before anything is unpacked, and never unpickled.
"""

from __future__ import annotations

import io
import zipfile

from playground.engine.i18n import Text, _
from playground.engine.records import SpecError
from playground.exchange.png_chart import curves_png
from playground.exchange.run_files import TASK, WEIGHTS
from playground.exchange.runs import Run

KEPT = ("spec.json", "config.json", WEIGHTS, "metrics.jsonl", "summary.json")
TASK_FILE = TASK  # besides KEPT, in bundles of every task but image classification
NETRON = "https://netron.app"  # where an ONNX file opens as a diagram
REQUIRED = ("spec.json", "config.json", WEIGHTS)
FOR_PEOPLE = ("README.md", "train.py", "model.onnx", "curves.png")
LIMITS = {  # bytes, unpacked
    TASK: 1 << 10,
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


def make_bundle(run: Run, onnx=None, memory_budget: int | None = None) -> bytes:
    """The run as zip bytes, for any task (its model card, script and ONNX file are the
    task's). The ONNX file is exported (and checked) unless given; a model that cannot be
    exported still gets a bundle, its model card saying why. What the card computes (a test
    pass) keeps to `memory_budget` (bytes; None: the default server's)."""
    if not run.has_weights:
        raise BundleError(
            Text("Run {name} has no saved weights yet: there is no model to take.", name=run.name)
        )
    task = run.task
    about = {"weights.safetensors": _("the weights (safetensors: loading it runs no code).")}
    if onnx is None:
        try:
            onnx = task.onnx(run)
        except SpecError as e:
            about["model.onnx"] = _("There is no model.onnx: {why}").format(why=e.message)
    files: dict[str, bytes | str] = {
        name: (run.path / name).read_bytes()
        for name in (TASK_FILE, *KEPT, *task.own_files)
        if (run.path / name).exists()
    }
    if onnx is not None:
        files["model.onnx"] = onnx.data
        about["model.onnx"] = (
            onnx.check_text + " " + _("It opens in Netron ({netron}).").format(netron=NETRON)
        )
    script = task.script(run)
    if script is not None:
        files["train.py"] = script
        about["train.py"] = _(
            "trains the same model the same way, with only torch and torchvision: "
            "`python train.py` (or `--data-dir DIR` for a folder of its data)."
        )
    about["spec.json`, `config.json`, `metrics.jsonl`, `summary.json"] = _(
        'the run itself. Import this zip into a playground (the runs table, "Import a run '
        'bundle") or with `python -m playground import THIS.zip`.'
    )
    files["curves.png"] = curves_png(run.log(), run.task.score)
    files["README.md"] = task.model_card(run, about, memory_budget)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            zf.writestr(f"{run.name}/{name}", content)
    return out.getvalue()
