"""A training job as it runs: controls, metrics, progress and curves, redrawn by a fragment.

While the job is active the fragment reruns every POLL_SECONDS and redraws from the job's
MetricsLog (only the fragment, not the page). When the job ends, one full rerun switches the
polling off and the page shows how it ended.
"""

from __future__ import annotations

import streamlit as st

from playground.engine.controls import duration_text
from playground.engine.i18n import _, ngettext
from playground.engine.metrics import Status
from playground.engine.owners import NotAllowed
from playground.engine.records import SpecError
from playground.serving.jobs import TrainingJob
from playground.serving.live_view import view_of
from playground.serving.manager import WatchedJob
from playground.ui import share, state, visibility
from playground.ui.job_status import badge, queue_text
from playground.ui.text import plain

POLL_SECONDS = 0.9
_NOTE = "live-note"  # a control that was refused, shown on the next run


def controls(job: TrainingJob) -> None:
    """For your own job: Pause / Resume, Stop and a new learning rate while it trains, Cancel
    while it waits, and Share. Each press checks again, on the server, that the job is yours."""
    if note := st.session_state.pop(_NOTE, None):
        st.error(plain(note), icon=":material/block:")
    if job.status is Status.QUEUED:
        cols = st.columns([1, 1, 4], vertical_alignment="bottom")
        cols[0].button(
            _("Cancel"),
            key="job-cancel",
            on_click=_act,
            args=(job.id, "stop"),
            icon=":material/cancel:",
            help=_("Leave the queue; nothing is saved."),
        )
        _share_button(cols[1], job)
    elif job.active:
        cols = st.columns([1, 1, 2, 1, 1], vertical_alignment="bottom")
        if job.status is Status.PAUSED:
            cols[0].button(
                _("Resume"),
                key="job-resume",
                on_click=_act,
                args=(job.id, "resume"),
                icon=":material/play_arrow:",
            )
        else:
            cols[0].button(
                _("Pause"),
                key="job-pause",
                on_click=_act,
                args=(job.id, "pause"),
                icon=":material/pause:",
            )
        cols[1].button(
            _("Stop"), key="job-stop", on_click=_act, args=(job.id, "stop"), icon=":material/stop:"
        )
        if job.changes_lr:  # a search sets each trial's own
            _learning_rate(job, cols[2], cols[3])
        _share_button(cols[4], job)
    else:
        _share_button(st, job)
    if job.share_token:
        share.share_box(job.share_token, "job")


def _act(job_id: str, action: str) -> None:
    try:
        getattr(state.manager().control(state.owner(), job_id), action)()
    except NotAllowed as e:
        st.session_state[_NOTE] = str(e)


def _share(job_id: str) -> None:
    try:
        state.manager().share(state.owner(), job_id)
    except NotAllowed as e:
        st.session_state[_NOTE] = str(e)


def _share_button(where, job: TrainingJob) -> None:
    where.button(
        _("Share"),
        key="job-share",
        on_click=_share,
        args=(job.id,),
        icon=":material/share:",
        disabled=job.share_token is not None,
        help=_("A link for others to watch this job live, read-only."),
    )


def _learning_rate(job: TrainingJob, field, apply) -> None:
    last = job.log.last_step()
    current = job.lr
    new_lr = field.number_input(
        _("Base learning rate"),
        min_value=1e-6,
        max_value=100.0,
        value=current,
        step=1e-4,
        format="%.6g",
        key=f"live-lr-{job.id}",
        help=_(
            "The rate the schedule scales (one-cycle: its peak); the chart shows the rate "
            "each step used. A new base applies from the next step."
        ),
    )
    if apply.button(_("Apply"), key="job-apply-lr", disabled=new_lr == current):
        try:
            state.manager().control(state.owner(), job.id).set_lr(new_lr)
        except (SpecError, NotAllowed) as e:
            st.error(plain(e))
        else:
            now = (
                _(" (now {lr} at step {step})").format(lr=f"{last.lr:.3g}", step=last.step)
                if last
                else ""
            )
            st.toast(
                _("Learning rate set to {lr}{now}; it applies from the next step.").format(
                    lr=f"{new_lr:g}", now=now
                )
            )
            st.rerun()


def view(job: TrainingJob | WatchedJob) -> None:
    """Metrics, progress and charts; live until the job ends (also while it waits to start)."""
    every = None if job.status.ended else visibility.every(POLL_SECONDS)

    @st.fragment(run_every=every)
    def live() -> None:
        _draw(job)
        if every and job.status.ended:
            st.rerun()  # a full run, so the page stops polling and shows the ending

    live()


def _draw(job: TrainingJob | WatchedJob) -> None:
    """The job's view as it is now: built once per new data for everyone who watches
    (live_view.py), only placed here."""
    st.markdown(f"**{plain(job.name)}** {badge(job)} {plain(_(job.message))}")
    if job.status is Status.QUEUED:
        st.info(queue_text(state.manager().spot(job)), icon=":material/hourglass_top:")
        return
    if job.data_note:
        st.info(plain(job.data_note), icon=":material/info:")
    view = view_of(job)
    cols = st.columns(max(1, len(view.numbers)))
    for col, number in zip(cols, view.numbers, strict=False):
        col.metric(number.label, number.value, number.delta, help=number.help or None,
                   delta_color=number.delta_color)  # fmt: skip
    if view.progress is not None:
        st.progress(view.progress[0], text=view.progress[1])
    else:
        _ending(job)
    if view.step_figure is not None:
        st.plotly_chart(view.step_figure, key="chart-loss")
    if view.epoch_figure is not None:
        st.plotly_chart(view.epoch_figure, key="chart-epochs")


def _ending(job: TrainingJob) -> None:
    s = job.summary
    took = s.get("train_seconds")
    took_text = _(" in {time}").format(time=duration_text(took)) if took is not None else ""
    status = job.status
    if status is Status.FINISHED and "members" in s:  # a sweep: its own words
        st.success(f"{plain(_(job.message))}{took_text}", icon=":material/check:")
    elif status is Status.FINISHED:
        acc = job.task.result_text(s)
        epochs = s.get("epochs", 0)
        done = ngettext("Finished {n} epoch", "Finished {n} epochs", epochs).format(n=epochs)
        st.success(f"{done}{took_text}{acc}.", icon=":material/check:")
    elif status is Status.STOPPED:
        trained = (
            _(" Trained for {time}.").format(time=duration_text(took)) if took is not None else ""
        )
        st.info(f"{plain(_(job.message))}{trained}", icon=":material/stop_circle:")
    elif status is Status.DIVERGED:
        st.error(f"{_('Diverged.')} {plain(_(job.message))}", icon=":material/warning:")
    else:
        st.error(f"{_('Failed.')} {plain(_(job.message))}", icon=":material/error:")
    if status in (Status.FINISHED, Status.STOPPED):
        advice = job.task.advice(job.config, job.log.epochs())
        if advice:
            st.warning(plain(advice), icon=":material/trending_flat:")
    if job.run_dir is not None:
        st.caption(_("Saved as run {name}.").format(name=plain(job.run_dir.name)))
