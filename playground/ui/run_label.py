"""A run as a picker names it: what it is, what it learned from, what it reached, how it ended
and when ("seed-cnn · MNIST digits · Test accuracy 99.12% · Dec 6 22:34"), so a run stopped
after 9 seconds never looks like the one that reached 99%."""

from __future__ import annotations

import time

from playground.engine.controls import duration_text
from playground.engine.i18n import _, day_and_time
from playground.exchange.runs import Run


def label(run: Run) -> str:
    """One line for `run` (an example, a run with no owner, says so)."""
    s = run.summary
    started = _started(run)
    parts = [str(s.get("name") or (run.name[16:] if started is not None else run.name))]
    data = run.task.data_label(run.config)
    if data:
        parts.append(_(data))
    status = s.get("status") or "unfinished"
    seconds = s.get("train_seconds")
    if status == "finished":
        reached = [n for n in run.task.result_numbers(s) if n.value != "-"]
        parts += [f"{_(n.label)} {n.value}" for n in reached[:1]] or [_("finished")]
    elif isinstance(seconds, (int, float)):
        parts.append(
            _("{status} after {time}").format(status=_(status), time=duration_text(seconds))
        )
    else:
        parts.append(_(status))
    if started is not None:
        parts.append(day_and_time(started))
    if run.owner is None:
        parts.append(_("example"))
    return " · ".join(parts)


def _started(run: Run) -> float | None:
    """When the run started, from its folder's name (YYYYmmdd-HHMMSS-name)."""
    try:
        return time.mktime(time.strptime(run.name[:15], "%Y%m%d-%H%M%S"))
    except ValueError:
        return None
