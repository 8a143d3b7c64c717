"""A job's weights at a few moments of its training, to replay how a model learned: before the
first step, after a few early steps (where kernels change most) and at each epoch's end.

Bounded: at most MAX_SNAPSHOTS and MAX_BYTES of weights per job (less under a small memory
budget: jobs.py); when full, the moment whose
neighbours are closest is dropped (never the first or the newest), so the history stays spread
over the whole run. Saved with the run as history.safetensors (one tensor per snapshot and
weight, the moments in its metadata): loading it runs no code.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from playground.engine.i18n import N_, Text

FILE = "history.safetensors"
EARLY_STEPS = (1, 5, 20, 100)  # besides step 0 and each epoch's end
MAX_SNAPSHOTS = 40
MAX_BYTES = 64 << 20


@dataclass(frozen=True)
class Snapshot:
    step: int  # optimizer steps done (0: before training)
    epoch: int  # epochs completed
    label: str  # "before training", "step 20", "epoch 3"
    state: dict[str, torch.Tensor]  # CPU state dict


def label_for(step: int, epoch: int, epoch_end: bool) -> str:
    if step == 0:
        return N_("before training")
    return Text("epoch {epoch}", epoch=epoch) if epoch_end else Text("step {step}", step=step)


class WeightHistory:
    """Snapshots, lock-guarded: the training thread adds, pages read."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self._lock = threading.Lock()
        self._snapshots: list[Snapshot] = []
        self.max_bytes = max_bytes  # of weights kept, over all snapshots

    def add(self, step: int, epoch: int, state: dict[str, torch.Tensor], epoch_end: bool) -> None:
        """Keep a copy of `state` (already a CPU copy: it is kept as it is)."""
        snapshot = Snapshot(step, epoch, label_for(step, epoch, epoch_end), state)
        size = sum(t.numel() * t.element_size() for t in state.values())
        limit = max(2, min(MAX_SNAPSHOTS, self.max_bytes // max(1, size)))
        with self._lock:
            if self._snapshots and self._snapshots[-1].step == step:
                if epoch_end:  # an epoch's end at a step kept already: say so
                    self._snapshots[-1] = snapshot
                return
            else:
                self._snapshots.append(snapshot)
            while len(self._snapshots) > limit:
                self._drop_one()

    def _drop_one(self) -> None:
        """Drop the moment (not the first or the newest) whose neighbours are closest."""
        s = self._snapshots
        i = min(range(1, len(s) - 1), key=lambda i: s[i + 1].step - s[i - 1].step)
        del s[i]

    def snapshots(self) -> list[Snapshot]:
        with self._lock:
            return list(self._snapshots)

    def __len__(self) -> int:
        with self._lock:
            return len(self._snapshots)


def save(history: WeightHistory, folder: Path) -> None:
    """Write history.safetensors in a run folder (whole, then renamed into place)."""
    snapshots = history.snapshots()
    if not snapshots:
        return
    tensors = {
        f"{i}/{k}": v.contiguous() for i, s in enumerate(snapshots) for k, v in s.state.items()
    }
    moments = [{"step": s.step, "epoch": s.epoch, "label": s.label} for s in snapshots]
    temporary = folder / f".{FILE}.{os.getpid()}.{threading.get_ident()}.tmp"
    save_file(tensors, str(temporary), metadata={"moments": json.dumps(moments)})
    os.replace(temporary, folder / FILE)


def _label(moment: dict) -> str:
    """A saved moment's label, made again so that it reads in the reader's language."""
    end = str(moment["label"]).startswith("epoch")
    return label_for(int(moment["step"]), int(moment["epoch"]), end)


def load(folder: Path) -> list[Snapshot]:
    """The snapshots saved in a run folder ([] if none, or if the file cannot be read)."""
    file = folder / FILE
    if not file.exists():
        return []
    try:
        with safe_open(str(file), "pt") as f:
            moments = json.loads((f.metadata() or {}).get("moments", "[]"))
            states: dict[int, dict[str, torch.Tensor]] = {}
            for key in f.keys():  # noqa: SIM118 - safe_open has keys(), not iteration
                index, _, name = key.partition("/")
                states.setdefault(int(index), {})[name] = f.get_tensor(key)
        return [
            Snapshot(int(m["step"]), int(m["epoch"]), _label(m), states[i])
            for i, m in enumerate(moments)
            if i in states
        ]
    except Exception:  # a damaged history is no history; the run itself is fine
        return []
