"""Run folders on disk, so a training run outlives the server.

runs/<YYYYmmdd-HHMMSS>-<name>/ holds spec.json, config.json, metrics.jsonl (one record a line,
appended while training), weights.safetensors and summary.json. Everything read back is
validated; nothing in a run folder is ever executed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from playground import metrics, models
from playground.data import ROOT
from playground.specs import ModelSpec, SpecError, TrainConfig

WEIGHTS = "weights.safetensors"


def default_runs_dir() -> Path:
    """Where runs are kept: $PLAYGROUND_RUNS_DIR, else runs/ beside the app."""
    return Path(os.environ.get("PLAYGROUND_RUNS_DIR") or ROOT / "runs")


class RunWriter:
    """Creates a run folder and fills it as a job trains."""

    def __init__(self, root: str | Path, name: str, spec: ModelSpec, config: TrainConfig):
        root = Path(root)
        root.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.")[:40] or "run"
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path, n = root / f"{stamp}-{slug}", 1
        while True:
            try:
                path.mkdir()
                break
            except FileExistsError:
                n += 1
                path = root / f"{stamp}-{slug}-{n}"
        self.path = path
        (path / "spec.json").write_text(spec.to_json())
        (path / "config.json").write_text(config.to_json())

    def append(self, records: list) -> None:
        with open(self.path / "metrics.jsonl", "a") as f:
            f.writelines(json.dumps(metrics.to_dict(r)) + "\n" for r in records)

    def save_weights(self, state: dict[str, torch.Tensor]) -> None:
        save_file({k: v.contiguous() for k, v in state.items()}, str(self.path / WEIGHTS))

    def finish(self, summary: dict) -> None:
        (self.path / "summary.json").write_text(json.dumps(summary, indent=2))


@dataclass(frozen=True)
class Run:
    path: Path
    spec: ModelSpec
    config: TrainConfig
    summary: dict  # empty while the run is still training (or if it died)

    @property
    def name(self) -> str:
        return self.path.name

    def metrics(self) -> list:
        """The run's step and epoch records; lines that cannot be read are skipped."""
        records = []
        file = self.path / "metrics.jsonl"
        if file.exists():
            for line in file.read_text().splitlines():
                try:
                    records.append(metrics.from_dict(json.loads(line)))
                except (ValueError, TypeError):
                    continue  # a line cut short by a crash
        return records

    def weights(self) -> dict[str, torch.Tensor]:
        file = self.path / WEIGHTS
        if not file.exists():
            raise SpecError(f"Run {self.name} has no saved weights.")
        try:
            return load_file(str(file))
        except Exception as e:  # safetensors raises its own error types for damaged files
            raise SpecError(f"The weights of run {self.name} cannot be read ({e}).") from None

    def model(self) -> nn.Module:
        """The run's model on the CPU with its saved weights, in eval mode."""
        return load_model(self.spec, self.weights(), self.name)


def load_model(
    spec: ModelSpec, state: dict[str, torch.Tensor], what: str = "the file"
) -> nn.Module:
    """Build `spec` and load `state` into it; SpecError if they do not match."""
    model = models.build(spec)
    try:
        model.load_state_dict(state)
    except RuntimeError as e:
        first = str(e).splitlines()[0]
        raise SpecError(f"The weights in {what} do not fit its model ({first}).") from None
    return model.eval()


def load_run(path: str | Path) -> Run:
    """Read and validate a run folder; SpecError if it is not one."""
    path = Path(path)
    try:
        spec = ModelSpec.from_json((path / "spec.json").read_bytes())
        spec.validate()
        config = TrainConfig.from_json((path / "config.json").read_bytes())
    except FileNotFoundError as e:
        raise SpecError(
            f"{path.name} is not a run folder (it has no {Path(e.filename).name})."
        ) from None
    except OSError as e:
        raise SpecError(f"{path.name} cannot be read ({e}).") from None
    summary = {}
    if (path / "summary.json").exists():
        try:
            summary = json.loads((path / "summary.json").read_text())
        except ValueError:
            summary = {}
        if not isinstance(summary, dict):
            summary = {}
    return Run(path, spec, config, summary)


def list_runs(root: str | Path | None = None) -> list[Run]:
    """All readable runs under `root`, newest first."""
    root = Path(root or default_runs_dir())
    if not root.is_dir():
        return []
    runs = []
    for path in sorted(root.iterdir(), reverse=True):
        if path.is_dir():
            try:
                runs.append(load_run(path))
            except SpecError:
                continue  # not a run folder, or one from a broken version
    return runs


def delete_run(run: Run) -> None:
    shutil.rmtree(run.path)


def table_row(run: Run) -> dict:
    """One line of the runs table, in the words the table shows."""
    s, c = run.summary, run.config
    best = s.get("best_val_accuracy")
    seconds = s.get("train_seconds")
    return {
        "run": run.name,
        "name": s.get("name", run.spec.name),
        "preset": run.spec.name,
        "dataset": s.get("dataset", c.dataset),
        "optimizer": c.optimizer,
        "lr": c.lr,
        "epochs": f"{s.get('epochs', 0)} / {c.epochs}" if s else f"? / {c.epochs}",
        "best val accuracy": best if isinstance(best, (int, float)) else None,
        "test accuracy": s.get("test_accuracy"),
        "time (s)": round(seconds, 1) if isinstance(seconds, (int, float)) else None,
        "status": s.get("status", "unfinished"),
    }


def settings(run: Run) -> dict:
    """What a run was made with: its model, its layers in words, then each TrainConfig field."""
    return {"model": run.spec.name, "layers": _layers(run.spec), **run.config.to_dict()}


def differences(runs: list[Run]) -> dict[str, list]:
    """The settings whose values differ between runs: name -> one value per run."""
    if len(runs) < 2:
        return {}
    each = [settings(r) for r in runs]
    columns = {k: [s[k] for s in each] for k in each[0]}
    return {k: v for k, v in columns.items() if len({json.dumps(x) for x in v}) > 1}


def _layers(spec: ModelSpec) -> str:
    return " > ".join(models.layer_label(x.kind, x.resolved_params(), x.activation) for x in
                      spec.layers)  # fmt: skip
