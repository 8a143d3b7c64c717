"""The runs table's rows, and what differs between runs, in the words the table shows."""

from __future__ import annotations

import json

from playground.exchange.runs import Run
from playground.tasks.image import models
from playground.tasks.image.specs import ModelSpec


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
