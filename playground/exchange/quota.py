"""The disk a person's runs take, and the limits on it: each person's quota and the server's
cap on everyone's runs together (engine/settings.py). Every way a run comes into being (a job,
a copy of someone's shared run, an imported bundle) is checked here first; copies are made
here."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import torch

from playground.engine import history
from playground.engine.i18n import N_, Text
from playground.engine.memory import size_text
from playground.engine.records import SpecError
from playground.engine.settings import ServerSettings
from playground.exchange import own_texts
from playground.exchange.run_files import TASK, WEIGHTS, new_run_folder, save_weights, write_access
from playground.exchange.runs import Run, default_runs_dir, list_runs, load_run


class OverQuota(SpecError):
    """Saving this would pass a disk limit; `str()` says which, and that nothing was deleted."""


def check_room(
    owner: str | None,
    adding: int,
    limits: ServerSettings | None,
    root: str | Path | None = None,
    refused: str = N_("It was not saved"),
) -> None:
    """OverQuota if `adding` more bytes of `owner`'s would pass their quota or the server's
    cap on all people's runs (`limits`; None: no limits, as for the CLI). `refused` begins the
    message: "The copy of run X was not saved"."""
    if limits is None or owner is None:
        return
    quota, cap = limits.disk_quota_bytes, limits.disk_total_bytes
    owned = [r for r in list_runs(root) if r.owner is not None]
    if quota is not None:  # a person's runs and the texts they uploaded
        used = sum(folder_size(r.path) for r in owned if r.owner == owner)
        used += own_texts.size(owner, root)
        if used + adding > quota:
            raise OverQuota(
                Text(
                    "{refused}: your runs take {used}, and with {adding} more they would "
                    "pass the {quota} each person may keep on this server. Delete some runs "
                    "(in the runs table on Train) first; nothing is deleted for you.",
                    refused=refused,
                    used=size_text(used),
                    adding=size_text(adding),
                    quota=size_text(quota),
                )
            )
    if cap is not None:
        used = sum(folder_size(r.path) for r in owned) + own_texts.total(root)
        if used + adding > cap:
            raise OverQuota(
                Text(
                    "{refused}: this server's disk for everyone's runs is full ({used} of "
                    "{cap}). Delete runs you no longer need, or ask whoever runs the server "
                    "for room.",
                    refused=refused,
                    used=size_text(used),
                    cap=size_text(cap),
                )
            )


def disk_usage(owner: str, root: str | Path | None = None) -> int:
    """Bytes of the run folders `owner` owns, and of the text they uploaded."""
    runs = sum(folder_size(r.path) for r in list_runs(root) if r.owner == owner)
    return runs + own_texts.size(owner, root)


def folder_size(path: Path) -> int:
    """Bytes of the files of a run folder (they are all at its top level). A file that goes
    while it is counted (a temporary file a job renames into place) counts as nothing; a
    folder that has gone, as empty."""
    total = 0
    try:
        with os.scandir(path) as entries:
            for entry in entries:
                try:
                    if entry.is_file(follow_symlinks=False):
                        total += entry.stat(follow_symlinks=False).st_size
                except FileNotFoundError:
                    continue
    except FileNotFoundError:
        return 0
    return total


COPIED = (TASK, "spec.json", "config.json", "metrics.jsonl", "summary.json", WEIGHTS, history.FILE)


def copy_run(
    run: Run,
    owner: str | None,
    root: str | Path | None = None,
    weights: dict[str, torch.Tensor] | None = None,
    limits: ServerSettings | None = None,
) -> Run:
    """A copy of `run` (with `weights` instead of its own, e.g. a live job's newest) in a new
    folder that `owner` owns and has not shared; OverQuota first if it would not fit `limits`
    (the owner's quota and the server's disk cap)."""
    if weights is None and not run.has_weights:
        raise SpecError(Text("Run {name} has no saved weights to copy.", name=run.name))
    files = [
        f
        for f in (*COPIED, *run.task.own_files)
        if (run.path / f).exists() and not (weights and f == WEIGHTS)
    ]
    adding = sum((run.path / f).stat().st_size for f in files)
    adding += sum(t.numel() * t.element_size() for t in (weights or {}).values())
    check_room(owner, adding, limits, root, Text("The copy of {name} was not saved", name=run.name))
    path = new_run_folder(root or default_runs_dir(), f"copy-of-{getattr(run.spec, 'name', 'run')}")
    try:
        write_access(path, owner, None)  # first: a crash never leaves an example for everyone
        for file in files:
            shutil.copyfile(run.path / file, path / file)
        if weights is not None:
            save_weights(path, weights)
        return load_run(path)
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise
