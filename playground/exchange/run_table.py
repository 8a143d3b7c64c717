"""The runs table's rows, and what differs between runs, in the words the table shows: each
run's task says what its row and its settings are (engine/task.py)."""

from __future__ import annotations

import json

from playground.exchange.runs import Run


def table_row(run: Run) -> dict:
    """One line of the runs table, in the words the table shows: the task's, then its cost."""
    s = run.summary
    return {
        **run.task.table_row(run),
        **{
            "FLOPs": _number(s.get("flops")),
            "energy (Wh)": _number(s.get("energy_wh")),
            "CO2 (g)": _number(s.get("co2_g")),
        },
    }


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def settings(run: Run) -> dict:
    """What a run was made with, flat: its model, then each of its settings."""
    return run.task.settings(run)


def differences(runs: list[Run]) -> dict[str, list]:
    """The settings whose values differ between runs: name -> one value per run (runs of other
    tasks show no value for settings they do not have)."""
    if len(runs) < 2:
        return {}
    each = [settings(r) for r in runs]
    names = list(dict.fromkeys(k for s in each for k in s))
    columns = {k: [s.get(k) for s in each] for k in names}
    return {k: v for k, v in columns.items() if len({json.dumps(x) for x in v}) > 1}
