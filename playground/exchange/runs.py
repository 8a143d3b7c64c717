"""Run folders on disk, read back: so a training run outlives the server.

runs/<YYYYmmdd-HHMMSS>-<name>/ holds spec.json, config.json, metrics.jsonl (one record a line,
appended while training), weights.safetensors, summary.json and access.json (its owner and share
token). Everything read back is validated; nothing in a run folder is ever executed. A run with
no owner (made by the CLI, or before runs had owners) is a read-only example for everyone.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file
from torch import nn

from playground import ROOT
from playground.engine import history, metrics, owners
from playground.engine.i18n import N_, Text
from playground.engine.metrics import MetricsLog
from playground.engine.owners import NotAllowed
from playground.engine.records import SpecError, parse_json
from playground.engine.task import Task, for_spec
from playground.engine.task import named as task_named
from playground.exchange.run_files import (
    ACCESS,
    DEFAULT_TASK,
    WEIGHTS,
    clean_summary,
    read_access,
    read_task,
    write_access,
)


def default_runs_dir() -> Path:
    """Where runs are kept: $PLAYGROUND_RUNS_DIR, else runs/ beside the app."""
    return Path(os.environ.get("PLAYGROUND_RUNS_DIR") or ROOT / "runs")


@dataclass(frozen=True)
class Run:
    path: Path
    spec: Any  # the task's model spec
    config: Any  # the task's training settings
    summary: dict  # empty while the run is still training (or if it died)
    owner: str | None = None  # None: an example that everyone sees and nobody changes
    share: str | None = None  # the token of its watch link, once its owner has shared it
    task_name: str = DEFAULT_TASK

    @property
    def task(self) -> Task:
        return task_named(self.task_name)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def has_weights(self) -> bool:
        return (self.path / WEIGHTS).exists()

    def visible_to(self, owner: str | None) -> bool:
        """Its owner sees it, and everyone sees an example (a run with no owner)."""
        return self.owner is None or self.owner == owner

    def editable_by(self, owner: str | None) -> bool:
        return self.owner is not None and self.owner == owner

    def log(self) -> MetricsLog:
        """The run's step and epoch records, bounded as a live job's are (read_log)."""
        return read_log(self.path / "metrics.jsonl")

    @property
    def damage(self) -> str | None:
        """What is wrong with a finished run's files, in words, or None."""
        if not self.summary:
            return None  # still being written (or cut short: its summary says nothing yet)
        bad = self.log().skipped
        if bad:
            return Text("{bad:,} line(s) of metrics.jsonl could not be read", bad=bad)
        return None

    def weights(self) -> dict[str, torch.Tensor]:
        file = self.path / WEIGHTS
        if not file.exists():
            raise SpecError(Text("Run {name} has no saved weights.", name=self.name))
        try:
            return load_file(str(file))
        except Exception as e:  # safetensors raises its own error types for damaged files
            raise SpecError(
                Text("The weights of run {name} cannot be read ({e}).", name=self.name, e=e)
            ) from None

    def model(self) -> nn.Module:
        """The run's model on the CPU with its saved weights, in eval mode."""
        return load_model(self.spec, self.weights(), self.name, self.task)

    def history(self) -> list[history.Snapshot]:
        """Its weights at a few moments of training (history.py), oldest first."""
        return history.load(self.path)


MAX_LINE = 64 * 1024  # a metrics record is ~200 bytes; a longer line is damage


def read_log(file: Path) -> MetricsLog:
    """A metrics.jsonl file as a MetricsLog: streamed line by line into the log's bounded
    memory, lines that are not records counted in `.skipped`; read again only when the file
    changes."""
    try:
        stat = file.stat()
    except OSError:
        return MetricsLog()
    return _read_log(str(file), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=32)
def _read_log(file: str, _size: int, _mtime: int) -> MetricsLog:
    log = MetricsLog()
    with open(file, "rb") as f:
        while line := f.readline(MAX_LINE):
            if not line.endswith(b"\n") and len(line) == MAX_LINE:
                while (rest := f.readline(MAX_LINE)) and not rest.endswith(b"\n"):
                    pass  # the rest of an overlong line
                log.skipped += 1
                continue
            try:
                log.add(metrics.from_dict(json.loads(line)))
            except (ValueError, TypeError, RecursionError):
                log.skipped += 1  # a line cut short by a crash, or not a record at all
    return log


def load_model(
    spec, state: dict[str, torch.Tensor], what: str = N_("the file"), task: Task | None = None
) -> nn.Module:
    """Build `spec` (a model of `task`, default: the task whose spec it is) and load `state`
    into it; SpecError if they do not match."""
    model = (task or for_spec(spec)).build(spec)
    try:
        model.load_state_dict(state)
    except RuntimeError as e:
        first = str(e).splitlines()[0]
        raise SpecError(
            Text("The weights in {what} do not fit its model ({first}).", what=what, first=first)
        ) from None
    return model.eval()


def load_run(path: str | Path) -> Run:
    """Read and validate a run folder; SpecError, saying what is wrong, if it is not one."""
    path = Path(path)
    task = task_named(read_task(path))
    try:
        spec = task.spec_from_dict(parse_json(_read(path / "spec.json"), N_("model spec")))
        config = task.config_from_dict(
            parse_json(_read(path / "config.json"), N_("training config"))
        )
    except FileNotFoundError as e:
        raise SpecError(
            Text(
                "{name} is not a run folder (it has no {name2}).",
                name=path.name,
                name2=Path(e.filename).name,
            )
        ) from None
    except OSError as e:
        raise SpecError(
            Text("{name} cannot be read ({value}).", name=path.name, value=e.strerror or e)
        ) from None
    summary = {}
    if (path / "summary.json").exists():
        try:
            summary = clean_summary(json.loads(_read(path / "summary.json")))
        except (ValueError, RecursionError, OSError):
            summary = {}
    return Run(path, spec, config, summary, *read_access(path), task.name)


def _read(file: Path) -> bytes:
    if file.stat().st_size > MAX_JSON:
        raise SpecError(
            Text(
                "{name} is larger than {value} KB: not one we wrote.",
                name=file.name,
                value=MAX_JSON // 1024,
            )
        )
    return file.read_bytes()


MAX_JSON = 1024 * 1024


@dataclass(frozen=True)
class DamagedRun:
    """A folder in the runs folder that cannot be read as a run, and why."""

    path: Path
    why: str
    owner: str | None

    @property
    def name(self) -> str:
        return self.path.name


def list_runs(root: str | Path | None = None) -> list[Run]:
    """All readable runs under `root`, newest first."""
    return _scan(root)[0]


def damaged_runs(root: str | Path | None = None) -> list[DamagedRun]:
    """The folders under `root` that should be runs but cannot be read, newest first."""
    return _scan(root)[1]


RECENT_NS = 2_000_000_000
_folders: dict[Path, tuple[int, Run | DamagedRun]] = {}  # folder -> (its mtime, what it holds)
_folders_lock = threading.Lock()


def _scan(root: str | Path | None) -> tuple[list[Run], list[DamagedRun]]:
    """Every run folder under `root`, read again only where the folder changed since the last
    scan (every file in it is written to a temporary name and renamed into place, which
    changes the folder's time): a scan of hundreds of runs is a listing and a stat each."""
    root = Path(root or default_runs_dir())
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name, reverse=True)
    except OSError:
        return [], []
    runs, damaged, now = [], [], time.time_ns()
    for entry in entries:
        if entry.name.startswith(".") or not entry.is_dir(follow_symlinks=False):
            continue
        path = Path(entry.path)
        try:
            stamp = entry.stat().st_mtime_ns
        except OSError:
            continue  # deleted while listed
        with _folders_lock:
            known = _folders.get(path)
        # a folder changed in the last seconds is read again: a coarse clock may not show a
        # second change in the same tick
        if known is None or known[0] != stamp or now - stamp < RECENT_NS:
            found = _read_folder(path)
            if found is None:
                continue
            known = (stamp, found)
            with _folders_lock:
                _folders[path] = known
        (runs if isinstance(known[1], Run) else damaged).append(known[1])
    seen = {r.path for r in runs} | {d.path for d in damaged}
    with _folders_lock:  # forget deleted folders
        for gone in [p for p in _folders if p.parent == root and p not in seen]:
            del _folders[gone]
    return runs, damaged


def _read_folder(path: Path) -> Run | DamagedRun | None:
    """The run in a folder, the damage that stops it from being one, or None if the folder is
    not a run folder at all."""
    if not (path / "spec.json").exists() and not (path / ACCESS).exists():
        return None
    try:
        return load_run(path)
    except SpecError as e:
        return DamagedRun(path, e.message, read_access(path)[0])
    except Exception as e:  # one bad folder never breaks the list
        return DamagedRun(path, f"{type(e).__name__}: {e}", read_access(path)[0])


def visible_runs(owner: str | None, root: str | Path | None = None) -> list[Run]:
    """`owner`'s runs and the examples, newest first."""
    return [r for r in list_runs(root) if r.visible_to(owner)]


def delete_run(run: Run | DamagedRun, owner: str | None) -> None:
    """Delete a run of `owner`'s (or a damaged folder of theirs); NotAllowed for anyone
    else's, for examples, and for a run that is already gone."""
    if run.owner is None or run.owner != owner:
        raise _not_yours(run)
    try:
        shutil.rmtree(run.path)
    except FileNotFoundError:
        raise NotAllowed(Text("Run {name} was already deleted.", name=run.name)) from None


def share_run(run: Run, owner: str | None) -> str:
    """The token of the run's watch link, made on the first share; NotAllowed if not `owner`'s."""
    if not run.editable_by(owner):
        raise _not_yours(run)
    if run.share:
        return run.share
    token = owners.new_token()
    write_access(run.path, run.owner, token)
    return token


def find_shared(token: str, root: str | Path | None = None) -> Run | None:
    """The run whose watch link has `token`, if any (compared in constant time)."""
    if not owners.is_token(token):
        return None
    return next((r for r in list_runs(root) if owners.same_token(r.share, token)), None)


def expire_runs(days: float, root: str | Path | None = None, keep: set = frozenset()) -> list[str]:
    """Delete the owned runs older than `days` (examples stay, and runs in `keep`); return the
    names deleted."""
    cutoff = time.time() - days * 86400
    gone = []
    for run in list_runs(root):
        if run.owner is None or run.path in keep:
            continue
        if (run.path / "config.json").stat().st_mtime < cutoff:
            shutil.rmtree(run.path, ignore_errors=True)
            gone.append(run.name)
    return gone


def _not_yours(run: Run | DamagedRun) -> NotAllowed:
    if run.owner is None:
        return NotAllowed(
            Text(
                "Run {name} is an example that everyone shares: it cannot be changed.",
                name=run.name,
            )
        )
    return owners.not_yours(N_("run"))
