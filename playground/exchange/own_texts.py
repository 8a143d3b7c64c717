"""The texts people upload to train language models on, kept on the server for their owner
(beside the runs, in runs/.texts/<owner's digest>/, which the runs table does not list). They
count as runs do: toward their owner's quota and the server's cap on everyone's files
(exchange/quota.py), and are deleted after the retention period like runs. A person keeps one
text: a new upload replaces it, once it fits."""

from __future__ import annotations

import hashlib
import shutil
import time
from pathlib import Path

from playground.engine.i18n import N_
from playground.exchange.runs import default_runs_dir

FOLDER = ".texts"


def folder(owner: str, root: str | Path | None = None) -> Path:
    """Where `owner`'s text lives (its name says nothing of who the owner is)."""
    digest = hashlib.sha256(owner.encode()).hexdigest()[:24]
    return Path(root or default_runs_dir()) / FOLDER / digest


def kept(owner: str, root: str | Path | None = None) -> tuple[str, str] | None:
    """(file name, text) of `owner`'s kept text, or None (also when it cannot be read)."""
    where = folder(owner, root)
    found = sorted(where.glob("*.txt")) if where.is_dir() else []
    if not found:
        return None
    try:
        return found[-1].name, found[-1].read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def size(owner: str, root: str | Path | None = None) -> int:
    """Bytes of `owner`'s kept texts."""
    where = folder(owner, root)
    return sum(f.stat().st_size for f in where.glob("*.txt")) if where.is_dir() else 0


def total(root: str | Path | None = None) -> int:
    """Bytes of everyone's kept texts."""
    where = Path(root or default_runs_dir()) / FOLDER
    return sum(f.stat().st_size for f in where.glob("*/*.txt")) if where.is_dir() else 0


def keep(owner: str, name: str, text: str, root: str | Path | None = None, limits=None) -> None:
    """Keep `text` as `owner`'s (replacing the one before, if any); OverQuota in words, before
    anything is deleted or written, if it would pass `limits` (the owner's quota and the
    server's cap, as runs do)."""
    from playground.exchange.quota import check_room  # quota counts these texts: no cycle

    data = text.encode("utf-8")
    check_room(owner, max(0, len(data) - size(owner, root)), limits, root,
               refused=N_("The text was not kept"))  # fmt: skip
    where = folder(owner, root)
    where.mkdir(parents=True, exist_ok=True)
    for old in where.glob("*.txt"):
        old.unlink(missing_ok=True)
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in name)[:60] or "text.txt"
    target = where / (safe if safe.endswith(".txt") else safe + ".txt")
    partial = target.with_suffix(".partial")
    partial.write_bytes(data)
    partial.replace(target)


def expire(days: float, root: str | Path | None = None) -> int:
    """Delete the texts older than `days`; how many were deleted."""
    where = Path(root or default_runs_dir()) / FOLDER
    cutoff, gone = time.time() - days * 86400, 0
    for text in where.glob("*/*.txt") if where.is_dir() else ():
        if text.stat().st_mtime < cutoff:
            text.unlink(missing_ok=True)
            gone += 1
    for empty in where.glob("*") if where.is_dir() else ():
        if empty.is_dir() and not any(empty.iterdir()):
            shutil.rmtree(empty, ignore_errors=True)
    return gone
