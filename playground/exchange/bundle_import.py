"""A run bundle read back as a run, checked before anything is kept: every name and size, the
weights' header against the model built on the meta device (before the weights are unpacked),
the settings, a summary of the right types, metrics cut to what such a run writes, and room
under the owner's quota and the server's disk cap. Nothing in a bundle is ever executed or
unpickled; a bundle that fails leaves nothing behind.
"""

from __future__ import annotations

import io
import json
import shutil
import time
import zipfile
from pathlib import Path, PurePosixPath

import safetensors.torch
import torch

from playground.engine.i18n import N_, Text
from playground.engine.records import SpecError, parse_json
from playground.engine.settings import ServerSettings
from playground.engine.task import DEFAULT as DEFAULT_TASK
from playground.engine.task import named as task_named
from playground.engine.task import tasks
from playground.exchange import weights_check
from playground.exchange.bundles import KEPT, LIMITS, MAX_FILES, PICKLES, REQUIRED, BundleError
from playground.exchange.quota import OverQuota, check_room
from playground.exchange.run_files import (
    TASK,
    WEIGHTS,
    clean_summary,
    new_run_folder,
    save_weights,
    write_access,
    write_atomic,
    write_task,
)
from playground.exchange.runs import Run, load_model, load_run


def open_bundle(raw: bytes, what: str = N_("the bundle")) -> tuple[zipfile.ZipFile, dict]:
    """The zip in `raw` and its run files (name -> member), every name checked; BundleError
    says what is wrong. Nothing is unpacked yet."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
        members = zf.infolist()
    except Exception:  # BadZipFile, and whatever a damaged directory makes zipfile raise
        raise BundleError(
            Text(
                "{what} is not a zip file: choose a bundle downloaded from the runs table.",
                what=what,
            )
        ) from None
    if len(members) > MAX_FILES:
        raise BundleError(Text(
"{what} holds {count:,} files; a bundle holds fewer than {MAX_FILES}.",
what=what, count=len(members), MAX_FILES=MAX_FILES))  # fmt: skip
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
                Text(
                    "{what} holds {name}, a pickle file, and a pickle runs code when it is "
                    "loaded: bundles carry weights only as safetensors. Nothing was imported.",
                    what=what,
                    name=name,
                )
            )
        if name in KEPT or name == TASK or name in _task_files():
            found[name] = m
    missing = [n for n in REQUIRED if n not in found]
    if missing:
        raise BundleError(
            Text(
                "{what} has no {join}: it is not a run bundle (one comes from the runs "
                'table\'s "Download bundle").',
                what=what,
                join=", ".join(missing),
            )
        )
    return zf, found


def _check_name(name: str, what: str) -> None:
    path = PurePosixPath(name)
    if (
        "\\" in name
        or name.startswith("/")
        or ".." in path.parts
        or (path.parts and ":" in path.parts[0])
        or any(ord(c) < 32 for c in name)
    ):
        raise BundleError(
            Text(
                "{what} holds a file named {name!r} that points outside the bundle; it "
                "was refused and nothing was imported.",
                what=what,
                name=name,
            )
        )


def _common_folder(names: list[str]) -> str:
    """'run/' when every file is in the same top folder (as bundles are made), else ''."""
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and all("/" in n for n in names):
        return tops.pop() + "/"
    return ""


def _read_weights(zf: zipfile.ZipFile, member: zipfile.ZipInfo, task, spec, what: str):
    """The safetensors weights of a bundle, their header checked against the model (built on
    the meta device) before the rest is unpacked."""
    with torch.device("meta"):
        model = task.build(spec)
    try:
        with zf.open(member) as f:
            return weights_check.read_checked(
                f, model, LIMITS[WEIGHTS], Text("The weights in {what}", what=what)
            )
    except SpecError as e:
        raise BundleError(Text("{message} Nothing was imported.", message=e.message)) from None
    except Exception as e:  # zlib.error, a bad CRC: damage, in words
        raise BundleError(
            Text(
                "The weights in {what} cannot be unpacked ({name__}): the zip is "
                "damaged. Download the bundle again. Nothing was imported.",
                what=what,
                name__=type(e).__name__,
            )
        ) from None


def _read_member(zf: zipfile.ZipFile, member: zipfile.ZipInfo, limit: int, what: str) -> bytes:
    """A member's bytes, never more than `limit`: the size a zip declares is not trusted."""
    too_big = BundleError(
        Text(
            "{filename} in {what} unpacks to more than {megabytes} MB: too large for a "
            "run (or a zip bomb). Nothing was imported.",
            filename=member.filename,
            what=what,
            megabytes=limit >> 20 or 1,
        )
    )
    if member.file_size > limit:
        raise too_big
    try:
        with zf.open(member) as f:
            content = f.read(limit + 1)
    except Exception as e:  # zlib.error, a bad CRC, an unknown compression: damage, in words
        raise BundleError(
            Text(
                "{filename} in {what} cannot be unpacked ({name__}): the zip is damaged. "
                "Download the bundle again. Nothing was imported.",
                filename=member.filename,
                what=what,
                name__=type(e).__name__,
            )
        ) from None
    if len(content) > limit:
        raise too_big
    return content


def import_bundle(
    raw: bytes,
    root: str | Path,
    owner: str | None,
    what: str = N_("the bundle"),
    limits: ServerSettings | None = None,
) -> Run:
    """A new run in `root`, owned by `owner`, from a bundle's bytes: validated first (the
    model, the settings, weights that fit the model, read from their header before any tensor
    is made; room under `limits` for the unpacked files); nothing is left behind on failure."""
    zf, members = open_bundle(raw, what)
    try:
        task = task_named(
            _task_name(
                _read_member(zf, members[TASK], LIMITS[TASK], what) if TASK in members else None
            )
        )
    except SpecError as e:
        raise BundleError(Text("{what}: {message}", what=what, message=e.message)) from None
    sizes = {**LIMITS, **task.own_files}
    files = {
        n: _read_member(zf, m, sizes[n], what)
        for n, m in members.items()
        if n != WEIGHTS and n in sizes
    }
    try:
        spec = task.spec_from_dict(parse_json(files["spec.json"], N_("model spec")))
        config = task.config_from_dict(parse_json(files["config.json"], N_("training config")))
    except SpecError as e:
        raise BundleError(Text("{what}: {message}", what=what, message=e.message)) from None
    files[WEIGHTS] = _read_weights(zf, members[WEIGHTS], task, spec, what)
    try:
        state = safetensors.torch.load(files[WEIGHTS])
        load_model(spec, state, what, task)
        task.check_files(spec, config, files)  # a tokenizer that fits the model, and no other
    except SpecError as e:
        raise BundleError(Text("{what}: {message}", what=what, message=e.message)) from None
    except Exception as e:  # safetensors has its own error types for damaged files
        raise BundleError(
            Text("The weights in {what} cannot be read ({e}).", what=what, e=e)
        ) from None
    summary = _summary(files.get("summary.json"), what)
    if "metrics.jsonl" in files:
        files["metrics.jsonl"], cut = _capped(files["metrics.jsonl"], task.max_records(config))
        if cut:
            summary["message"] = Text(
                "{message} {cut:,} metrics lines beyond what a run of {epochs} "
                "epoch(s) writes were left out.",
                message=summary["message"],
                cut=cut,
                epochs=task.epochs(config),
            )
    try:
        check_room(owner, sum(map(len, files.values())), limits, root,
                   Text("{what} was not imported", what=what))  # fmt: skip
    except OverQuota as e:
        raise BundleError(e.message) from None
    path = new_run_folder(root, f"imported-{getattr(spec, 'name', task.name)}")
    try:
        write_access(path, owner, None)
        if task.name != DEFAULT_TASK:
            write_task(path, task.name)
        write_atomic(path / "spec.json", files["spec.json"])
        write_atomic(path / "config.json", files["config.json"])
        save_weights(path, state)
        if "metrics.jsonl" in files:
            write_atomic(path / "metrics.jsonl", files["metrics.jsonl"])
        for name in task.own_files:
            if name in files:
                write_atomic(path / name, files[name])
        write_atomic(path / "summary.json", json.dumps(summary, indent=2))
        return load_run(path)
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise


def _capped(raw: bytes, most: int) -> tuple[bytes, int]:
    """The metrics of a bundle, cut to `most` lines (what a run of its settings could have
    written: the task says); (bytes, lines cut)."""
    lines = raw.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    if len(lines) <= most:
        return raw, 0
    return b"\n".join(lines[:most]) + b"\n", len(lines) - most


def _task_files() -> set[str]:
    """Every file that a run folder of some task may hold besides the common ones."""
    return {name for task in tasks().values() for name in task.own_files}


def _task_name(raw: bytes | None) -> str:
    """The task a bundle says made it (bundles from before tasks are image runs)."""
    if raw is None:
        return DEFAULT_TASK
    data = parse_json(raw, N_("task file"))
    name = data.get("task") if isinstance(data, dict) else None
    if not isinstance(name, str):
        raise SpecError(Text("its task.json does not name a task."))
    return name


def _summary(raw: bytes | None, what: str) -> dict:
    summary = {}
    if raw is not None:
        try:
            summary = clean_summary(json.loads(raw))
        except (ValueError, RecursionError):
            summary = {}
    summary.setdefault("status", "finished" if "test_accuracy" in summary else "imported")
    summary.setdefault("message", Text("Imported from {what}.", what=what))
    summary["imported_from"] = what
    summary["imported"] = time.time()
    return summary
