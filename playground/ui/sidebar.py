"""The sidebar every page shows: current model, dataset, device and the session's job."""

from __future__ import annotations

import streamlit as st

from playground import catalog, models
from playground.jobs import TrainingJob
from playground.metrics import Status
from playground.specs import SpecError
from playground.ui import identity, state, visibility
from playground.ui.text import plain

POLL_SECONDS = 2.0

_BADGES = {
    Status.QUEUED: ("gray", "queued"),
    Status.RUNNING: ("blue", "training"),
    Status.PAUSED: ("orange", "paused"),
    Status.FINISHED: ("green", "finished"),
    Status.STOPPED: ("gray", "stopped"),
    Status.DIVERGED: ("red", "diverged"),
    Status.FAILED: ("red", "failed"),
}


def render(page_is_live: bool = False) -> None:
    """The sidebar; `page_is_live` when the page itself shows the job live (then the sidebar
    does not poll as well: two fragments polling at once made the charts miss redraws)."""
    spec, config = state.spec(), state.config()
    with st.sidebar:
        try:
            total = models.summarize(spec).total_params
            model = f"{len(spec.layers)} layers, {total:,} parameters"
        except SpecError:
            model = "does not validate yet: see Build"
        st.markdown(f"**Model:** {plain(spec.name)}  \n{model}")
        st.markdown(f"**Dataset:** {catalog.DATASETS[config.dataset].label}")
        device = state.machine_device() if config.device == "auto" else config.device
        st.markdown(f"**Device:** {device}")
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
        progress = "live on this page" if page_is_live and job.active else progress_text(job)
        st.markdown(f"**Job:** {plain(job.name)}  \n{badge(job)}  \n{progress}")
        if every and job.status.ended:
            st.rerun()  # one full run to switch polling off everywhere

    show()


def badge(job: TrainingJob) -> str:
    color, word = _BADGES[job.status]
    return f":{color}-badge[{word}]"


def progress_text(job: TrainingJob) -> str:
    """'epoch 2 / 3 · val accuracy 98.7%' from the job's records."""
    last, epochs = job.log.last_step(), job.log.epochs()
    parts = []
    if last is not None:
        parts.append(f"epoch {last.epoch} / {job.config.epochs}")
    vals = [e.val_accuracy for e in epochs if e.val_accuracy is not None]
    if vals:
        parts.append(f"val accuracy {vals[-1]:.1%}")
    test = job.summary.get("test_accuracy")
    if test is not None:
        parts.append(f"test accuracy {test:.2%}")
    return " · ".join(parts)
