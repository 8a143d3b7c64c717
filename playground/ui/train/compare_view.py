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
    lines = {run.summary.get("name", run.name): (run.log().points(), run.log().epochs())
             for run in runs}  # fmt: skip
    st.plotly_chart(
        curves.compare_figure(lines, score=curves.common_score(r.task for r in runs)),
        key=f"chart-transfer-{job.id}",
    )
    if len(runs) == 2:
        st.info(plain(bought(runs[0].summary, runs[1].summary)), icon=":material/compare:")


def bought(start: dict, scratch: dict) -> str:
    """The sentence: points of accuracy (images) or nats of loss (language) at equal steps."""
    if isinstance(start.get("test_accuracy"), float) and isinstance(
        scratch.get("test_accuracy"), float
    ):
        gain = (start["test_accuracy"] - scratch["test_accuracy"]) * 100
        return _(
            "Starting from {source} bought {gain} points of test accuracy at equal steps "
            "({start} against {scratch} from scratch)."
        ).format(source=start.get("start_from", _("the trained model")), gain=f"{gain:+.1f}",
                 start=f"{start['test_accuracy']:.1%}",
                 scratch=f"{scratch['test_accuracy']:.1%}")  # fmt: skip
    if isinstance(start.get("val_loss"), float) and isinstance(scratch.get("val_loss"), float):
        gain = scratch["val_loss"] - start["val_loss"]
        return _(
            "Starting from {source} bought {gain} nats of validation loss at equal steps "
            "({start} against {scratch} from scratch)."
        ).format(source=start.get("start_from", _("the trained model")), gain=f"{gain:+.3f}",
                 start=f"{start['val_loss']:.3f}",
                 scratch=f"{scratch['val_loss']:.3f}")  # fmt: skip
    return _("One of the two runs did not finish, so there is nothing to compare yet.")
