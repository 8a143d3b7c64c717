"""Which group a run belongs to, if any: a sweep of sizes or a comparison (`sweep.json`) or a
hyperparameter search (`search.json`) writes a small file beside each member's summary; the
runs table shows the group in a column of its own, so that a group's runs sort together."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from playground.engine.i18n import _

FILES = ("search.json", "sweep.json")


def about(run_dir: Path) -> dict | None:
    """The group file of a run folder (read once per version of it), or None."""
    for name in FILES:
        file = Path(run_dir) / name
        try:
            return _read(str(file), file.stat().st_mtime_ns)
        except (OSError, ValueError):
            continue
    return None


@functools.lru_cache(maxsize=4096)
def _read(file: str, _version: int) -> dict:
    found = json.loads(Path(file).read_text())
    if not isinstance(found, dict):
        raise ValueError(file)
    return found


def text(found: dict | None) -> str:
    """ "seed-cnn search · trial 3 of 8", "seed-cnn sweep · 2 of 5", or "-"."""
    if not found:
        return "-"
    name = str(found.get("name", ""))[:80]
    if found.get("kind") == "search":
        return _("{name} · trial {n} of {count}").format(
            name=name, n=found.get("trial", "?"), count=found.get("count", "?")
        )
    return _("{name} · {n} of {count}").format(
        name=name, n=int(found.get("index", 0)) + 1, count=found.get("count", "?")
    )


def pruned(found: dict | None) -> bool:
    return bool(found) and found.get("state") == "pruned"
