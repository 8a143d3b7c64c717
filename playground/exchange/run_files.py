"""Writing a run folder: made once with a fresh name, each file written whole (to a temporary
name, then renamed into place), so that a crash leaves the old file or the new one, never half.

runs/<YYYYmmdd-HHMMSS>-<name>/ gets access.json (its owner and share token, first of all),
task.json (which task, engine/task.py, made it), spec.json, config.json, metrics.jsonl
(appended while training), weights.safetensors (each epoch) and summary.json (at the end).
runs.py reads them back.
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
import time
from pathlib import Path

import torch
from safetensors.torch import save_file

from playground.engine import metrics, owners
from playground.engine.i18n import Text
from playground.engine.task import DEFAULT as DEFAULT_TASK

WEIGHTS = "weights.safetensors"
ACCESS = "access.json"
TASK = "task.json"


class RunWriter:
    """Creates a run folder and fills it as a job trains."""

    def __init__(
        self,
        root: str | Path,
        name: str,
        spec,
        config,
        owner: str | None = None,
        share: str | None = None,
        task: str = DEFAULT_TASK,
        files: dict[str, bytes] | None = None,
    ):
        self.path = new_run_folder(root, name)
        if owner is not None or share is not None:  # the CLI's runs are examples: no file
            write_access(self.path, owner, share)  # first: a crash never leaves it ownerless
        if task != DEFAULT_TASK:  # image runs are as they were before tasks: no task.json
            write_task(self.path, task)
        write_atomic(self.path / "spec.json", spec.to_json())
        write_atomic(self.path / "config.json", config.to_json())
        for name, content in (files or {}).items():  # the task's own (a tokenizer)
            write_atomic(self.path / name, content)

    @classmethod
    def reopen(cls, path: Path) -> RunWriter:
        """A writer that goes on filling an existing run folder (a job found after a restart)."""
        writer = cls.__new__(cls)
        writer.path = path
        return writer

    def append(self, records: list) -> None:
        with open(self.path / "metrics.jsonl", "a") as f:
            f.writelines(json.dumps(metrics.to_dict(r)) + "\n" for r in records)

    def save_weights(self, state: dict[str, torch.Tensor]) -> None:
        save_weights(self.path, state)

    def finish(self, summary: dict) -> None:
        message = summary.get("message")
        if isinstance(message, Text):  # so that it reads in any language when shown later
            summary = {**summary, "message_text": message.to_json()}
        write_atomic(self.path / "summary.json", json.dumps(summary, indent=2))


def new_run_folder(root: str | Path, name: str) -> Path:
    """An empty folder <root>/<time>-<name as a slug>, never one that exists already."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.")[:40] or "run"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path, n = root / f"{stamp}-{slug}", 1
    while True:
        try:
            path.mkdir()
            return path
        except FileExistsError:
            n += 1
            path = root / f"{stamp}-{slug}-{n}"


def write_atomic(file: Path, content: str | bytes) -> None:
    """Write to a temporary name, then rename into place: a crash leaves the old file or the
    new one, never half of one."""
    temporary = file.with_name(f".{file.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    if isinstance(content, str):
        temporary.write_text(content)
    else:
        temporary.write_bytes(content)
    os.replace(temporary, file)


def save_weights(folder: Path, state: dict[str, torch.Tensor]) -> None:
    temporary = folder / f".{WEIGHTS}.{os.getpid()}.{threading.get_ident()}.tmp"
    save_file({k: v.contiguous() for k, v in state.items()}, str(temporary))
    os.replace(temporary, folder / WEIGHTS)


def write_task(folder: Path, task: str) -> None:
    write_atomic(folder / TASK, json.dumps({"task": task}))


def read_task(folder: Path) -> str:
    """The name of the task that made a run folder; runs from before tasks are image runs."""
    try:
        data = json.loads((folder / TASK).read_text())
    except (OSError, ValueError):
        return DEFAULT_TASK
    task = data.get("task") if isinstance(data, dict) else None
    return task if isinstance(task, str) else DEFAULT_TASK


def write_access(folder: Path, owner: str | None, share: str | None) -> None:
    write_atomic(folder / ACCESS, json.dumps({"owner": owner, "share": share}))


def read_access(folder: Path) -> tuple[str | None, str | None]:
    """(owner, share token) of a run folder; (None, None) for a run from before owners."""
    try:
        data = json.loads((folder / ACCESS).read_text())
    except (OSError, ValueError):
        return None, None
    if not isinstance(data, dict):
        return None, None
    owner, share = data.get("owner"), data.get("share")
    return (
        owner if isinstance(owner, str) and owner else None,
        share if owners.is_token(share) else None,
    )


# What a summary holds and the kind of each value: a summary read back from a folder or a
# bundle keeps only values of the right kind, so nothing that shows a run can trip on a string
# where a number belongs. Other keys stay if they are plain numbers or short text.
NUMBERS = frozenset({
    "test_accuracy", "test_loss", "best_val_accuracy", "train_seconds", "validation_seconds",
    "samples_per_second", "epochs", "steps", "started", "ended", "imported", "temperature",
    "ece_before", "ece_after", "pass_batch_size",
})  # fmt: skip
TEXTS = frozenset(
    {"name", "model", "dataset", "status", "message", "device", "node", "imported_from"}
)
MAX_TEXT = 2000
NAMES = frozenset({"copied", "new", "frozen", "classes"})  # lists of weight names or labels
MAX_NAMES = 4096


def _names(value: object) -> bool:
    """A list of weight names or labels, not too long."""
    return (
        isinstance(value, list)
        and len(value) <= MAX_NAMES
        and all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value)
    )


def _numbers(value: object) -> bool:
    """A short list of finite numbers (a task's numbers per class, say)."""
    return (
        isinstance(value, list)
        and len(value) <= MAX_NAMES
        and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            for v in value
        )
    )


def clean_summary(data: object) -> dict:
    """A summary as code may rely on: numbers finite, texts short; anything else left out."""
    if not isinstance(data, dict):
        return {}
    clean = {}
    for key, value in data.items():
        if not isinstance(key, str) or len(key) > 64:
            continue
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if number and not math.isfinite(value):
            continue
        if key in NUMBERS:
            if number:
                clean[key] = value
        elif key in TEXTS:
            if isinstance(value, str):
                clean[key] = value[:MAX_TEXT]
        elif number or isinstance(value, bool) or value is None:
            clean[key] = value
        elif isinstance(value, str):
            clean[key] = value[:MAX_TEXT]
        elif key in NAMES and _names(value):
            clean[key] = [v[:200] if isinstance(v, str) else v for v in value]
        elif _numbers(value):
            clean[key] = list(value)
    if isinstance(clean.get("message"), str) and isinstance(data.get("message_text"), dict):
        clean["message"] = Text.from_json(data["message_text"], clean["message"])
    return clean


def mark_interrupted(path: Path, message: str) -> None:
    """Say in a run folder with no summary that the server stopped while it trained."""
    if path.is_dir() and not (path / "summary.json").exists():
        write_atomic(
            path / "summary.json", json.dumps({"status": "interrupted", "message": message})
        )
