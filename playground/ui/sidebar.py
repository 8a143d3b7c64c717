"""The sidebar every page shows: the model of the page's own kind (an image classifier on the
image pages, a language model on Language), the device, and this person's job of that kind;
a lab shows the device and whatever job this person has."""

from __future__ import annotations

import streamlit as st

from playground.engine.i18n import _
from playground.ui import identity, image_session, state, task_ui, visibility
from playground.ui.job_status import badge, progress_text
from playground.ui.pages import Page
from playground.ui.text import plain

POLL_SECONDS = 2.0


def render(page: Page) -> None:
    """The sidebar of `page`. Where the page shows its job live itself, the sidebar does not
    poll as well (two fragments polling at once made the charts miss redraws)."""
    with st.sidebar:
        words = {"model": _("Model"), "data": _("Data"), "device": _("Device")}
        model = task_ui.of(page.task).model_lines if page.model else None
        if model is not None:
            name, size, data = model()
            st.markdown(f"**{words['model']}:** {plain(name)}  \n{size}")
            st.markdown(f"**{words['data']}:** {data}")
        st.markdown(f"**{words['device']}:** {_device(page.task)}")
        job = _job_of(page.task)
        if job is not None:
            poll = not job.status.ended and not page.live
            _job_status(job.id, visibility.every(POLL_SECONDS) if poll else None, page.live)
        identity.account()


def _device(task: str | None) -> str:
    if task == "image" and image_session.config().device != "auto":
        return image_session.config().device
    return state.machine_device()


def _job_of(task: str | None):
    """This person's job of `task`; on a lab, whichever job they have."""
    if task is not None:
        return state.job(task=task)
    mine = state.manager().jobs_of(state.owner())
    return next((j for j in mine if not j.status.ended), None)


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
