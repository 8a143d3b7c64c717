"""What the server was doing, kept on disk, so that its next start can say what a restart did.

Jobs live in the server's memory: a restart loses the queue and stops what was training. The
manager rewrites a small journal (runs/.jobs.json) whenever a job joins, starts or ends; the next
start reads it, marks the run folders of jobs that were training as interrupted (their weights of
the last finished epoch stay), and has a note for each owner of a job that was lost.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from playground.engine.i18n import Text
from playground.exchange import run_files

FILE = ".jobs.json"


def write(folder: str | Path, jobs: list) -> None:
    """Record the jobs that are waiting or training (TrainingJob objects)."""
    entries = [
        {"id": j.id, "owner": j.owner, "name": j.name, "status": j.status.value,
         "run_dir": str(j.run_dir) if j.run_dir else None}
        for j in jobs
        if not j.status.ended
    ]  # fmt: skip
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    run_files.write_atomic(folder / FILE, json.dumps(entries))


def recover(folder: str | Path, alive: set = frozenset()) -> dict[str, list[str]]:
    """After a restart: mark interrupted runs, empty the journal, and return owner -> notes.
    Jobs whose ids are in `alive` (on a cluster, found again) were not interrupted."""
    file = Path(folder) / FILE
    try:
        entries = json.loads(file.read_text())
    except (OSError, ValueError):
        return {}
    when = time.strftime("%H:%M on %d %b", time.localtime(file.stat().st_mtime))
    notes: dict[str, list[str]] = {}
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("owner"), str):
            continue
        if entry.get("id") in alive:
            continue
        name = str(entry.get("name", "a job"))[:100]
        restarted = Text(
            "The server restarted (after {when}) while your job {name} was", when=when, name=name
        )
        if entry.get("status") == "queued":
            note = Text(
                "{restarted} waiting in the queue, and the queue was lost: start it again.",
                restarted=restarted,
            )
        else:
            note = Text(
                "{restarted} training: it stopped there, and its run keeps the weights "
                "of its last finished epoch.",
                restarted=restarted,
            )
            run_dir = entry.get("run_dir")
            if isinstance(run_dir, str) and Path(run_dir).parent == Path(folder):
                run_files.mark_interrupted(Path(run_dir), note)
        notes.setdefault(entry["owner"], []).append(note)
    return notes
