"""A fine-tune's progress on the page that started it (Draw's "Teach it my handwriting",
Listen's "Teach it your voice"): its state and step while it is queued or trains, redrawn every
second; then its error, or what the page shows of a finished one."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from playground.engine.i18n import _
from playground.engine.metrics import Status
from playground.serving.jobs import TrainingJob
from playground.ui import state, visibility
from playground.ui.job_status import badge, progress_text, queue_text
from playground.ui.text import plain


def progress(job: TrainingJob, finished: Callable[[TrainingJob], None]) -> None:
    """The fine-tune `job`'s line; once it finished, `finished(job)` draws what it made."""
    every = None if job.status.ended else visibility.every(1.0)

    @st.fragment(run_every=every)
    def show() -> None:
        st.markdown(_("**Fine-tuning** {badge} {progress_text}").format(
            badge=badge(job), progress_text=progress_text(job)))  # fmt: skip
        if job.status is Status.QUEUED:
            st.caption(queue_text(state.manager().spot(job)))
        if every and job.status.ended:
            st.rerun()  # the whole page: the fine-tuned model may be its model now
        if not job.status.ended:
            return
        if job.status is not Status.FINISHED:
            st.error(plain(job.message))
            return
        finished(job)

    show()
