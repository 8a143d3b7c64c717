"""The sidebar every page shows: current model, dataset, device and the session's job."""

from __future__ import annotations

import streamlit as st

from playground.engine.i18n import _
from playground.engine.records import SpecError
from playground.tasks.image import catalog, models
from playground.ui import identity, state, visibility
from playground.ui.job_status import badge, progress_text
from playground.ui.text import plain

POLL_SECONDS = 2.0


def render(page_is_live: bool = False) -> None:
    """The sidebar; `page_is_live` when the page itself shows the job live (then the sidebar
    does not poll as well: two fragments polling at once made the charts miss redraws)."""
    spec, config = state.spec(), state.config()
    with st.sidebar:
        try:
            total = models.summarize(spec).total_params
            model = _("{layers} layers, {parameters} parameters").format(
                layers=len(spec.layers), parameters=f"{total:,}"
            )
        except SpecError:
            model = _("does not validate yet: see Build")
        words = {"model": _("Model"), "dataset": _("Dataset"), "device": _("Device")}
        st.markdown(f"**{words['model']}:** {plain(spec.name)}  \n{model}")
        st.markdown(f"**{words['dataset']}:** {_(catalog.DATASETS[config.dataset].label)}")
        device = state.machine_device() if config.device == "auto" else config.device
        st.markdown(f"**{words['device']}:** {device}")
        job = state.job()
        if job is not None:
            poll = not job.status.ended and not page_is_live
            _job_status(job.id, visibility.every(POLL_SECONDS) if poll else None, page_is_live)
        identity.account()


def _job_status(job_id: str, every: float | None, page_is_live: bool) -> None:
    @st.fragment(run_every=every)
    def show() -> None:
        job = state.manager().owned(state.owner(), job_id)
        if job is None:
            return
        progress = _("live on this page") if page_is_live and job.active else progress_text(job)
        word = _("Job")
        st.markdown(f"**{word}:** {plain(job.name)}  \n{badge(job)}  \n{progress}")
        if every and job.status.ended:
            st.rerun()  # one full run to switch polling off everywhere

    show()
