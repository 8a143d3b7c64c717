"""How long a run takes to leave the playground: the ONNX export with its onnxruntime check,
the training script, the bundle (which includes both, a model card and per-class scores) and
reading a bundle back; for each preset and for the pretrained model, on this CPU.

python -m benchmarks.bench_export
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import torch

from benchmarks.report import table, write_section
from playground.exchange import bundle_import, bundles
from playground.exchange.run_files import RunWriter
from playground.exchange.runs import load_run
from playground.tasks.image import catalog, models
from playground.tasks.image.export import onnx_export, pretrained, standalone
from playground.tasks.image.recipe import TrainConfig
from playground.tasks.image.specs import ModelSpec


def a_run(spec: ModelSpec, root: Path):
    """A run folder of `spec` with fresh weights (export does not care how well it learned)."""
    config = TrainConfig(**{**TrainConfig().to_dict(), **catalog.PRESETS[spec.name].recipe})
    writer = RunWriter(root, spec.name, spec, config)
    torch.manual_seed(0)
    writer.save_weights(models.build(spec).state_dict())
    writer.finish({"status": "finished", "message": "Finished.", "epochs": config.epochs})
    return load_run(writer.path)


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main() -> None:
    root = Path(tempfile.mkdtemp())
    runs = [a_run(ModelSpec.from_preset(name), root) for name in catalog.PRESETS]
    runs.append(pretrained.run())
    onnx_export.export_run(runs[0])  # warm-up: the first export imports the exporter
    rows = []
    for run in runs:
        onnx, onnx_s = timed(lambda run=run: onnx_export.export_run(run))
        _, script_s = timed(lambda run=run: standalone.script(run.spec, run.config))
        raw, bundle_s = timed(lambda run=run, onnx=onnx: bundles.make_bundle(run, onnx))
        _, import_s = timed(lambda raw=raw: bundle_import.import_bundle(raw, root / "in", "user:x"))
        name = "pretrained (bn-cnn)" if run.path == pretrained.FOLDER else run.spec.name
        rows.append([name, f"{onnx_s:.2f}", f"{onnx.max_difference:.1e}",
                     f"{len(onnx.data) / 1e6:.2f}", f"{script_s * 1000:.1f}",
                     f"{bundle_s:.2f}", f"{len(raw) / 1e6:.2f}", f"{import_s:.2f}"])  # fmt: skip
    body = f"""
Each preset with fresh weights, and the pretrained model. ONNX: export
(`torch.onnx.export(..., dynamo=True)`, dynamic batch) plus the onnxruntime check on 64 test
images; bundle: everything else in the zip given the ONNX file (script, curves PNG, model card
with per-class scores on the test set that is on disk); import: unzip, check and write a run.

{
        table(
            rows,
            [
                "model",
                "ONNX (s)",
                "max difference",
                "ONNX (MB)",
                "script (ms)",
                "bundle (s)",
                "bundle (MB)",
                "import (s)",
            ],
        )
    }

Targets: an export the runs table can wait for (under 10 s); a script in well under a second.
"""
    command = "python -m benchmarks.bench_export"
    write_section("export-speed", "Export: ONNX, script, bundle", command, body)
    print(body)


if __name__ == "__main__":
    main()
