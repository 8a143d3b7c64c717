"""What starting from a trained model bought: a CompareJob's two runs (from the model, from
scratch) overlaid, and a sentence with the difference at equal steps."""

from __future__ import annotations

import streamlit as st

from playground.engine.i18n import _
from playground.exchange.runs import load_run
from playground.serving import curves
from playground.serving.sweeps import CompareJob
from playground.ui.text import plain


def show(job: CompareJob) -> None:
    runs = []
    for found in job.done:
        try:
            runs.append(load_run(found["run_dir"]))
        except Exception:  # a run deleted since: the other is still shown
            continue
    if not runs:
        st.caption(_("The comparison appears when the first of its two runs has finished."))
        return
    lines = {
        run.summary.get("name", run.name): (run.log().points(), run.log().epochs()) for run in runs
    }
    st.plotly_chart(
        curves.compare_figure(lines, score=curves.common_score(r.task for r in runs)),
        key=f"chart-transfer-{job.id}",
    )
    if len(runs) == 2:
        said = bought(runs[0].task, runs[0].summary, runs[1].summary)
        st.info(plain(said), icon=":material/compare:")


def bought(task, start: dict, scratch: dict) -> str:
    """The sentence: what starting from a trained model bought at equal steps, in the task's
    leading metric (points of test accuracy for images, nats per token of loss for language)."""
    lead = task.metrics[0]
    ours, theirs = lead.of(start), lead.of(scratch)
    if ours is None or theirs is None:
        return _("One of the two runs did not finish, so there is nothing to compare yet.")
    gain = theirs - ours if lead.lower_is_better else ours - theirs  # > 0: the start helped
    source = start.get("start_from", _("the trained model"))
    if lead.percent:
        text = _(
            "Starting from {source} bought {gain} points of {metric} at equal steps "
            "({start} against {scratch} from scratch)."
        )
        amount = f"{gain * 100:+.1f}"
    else:
        text = _(
            "Starting from {source} bought {gain} of {metric} at equal steps "
            "({start} against {scratch} from scratch)."
        )
        amount = f"{gain:+.3f}" + (f" {_(lead.unit)}" if lead.unit else "")
    return text.format(source=source, gain=amount, metric=_(lead.label).lower(),
                       start=lead.format(ours), scratch=lead.format(theirs))  # fmt: skip
