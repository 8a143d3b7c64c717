"""A training job as it runs: controls, metrics, progress and curves, redrawn by a fragment.

While the job is active the fragment reruns every POLL_SECONDS and redraws from the job's
MetricsLog (only the fragment, not the page). When the job ends, one full rerun switches the
polling off and the page shows how it ended.
"""

from __future__ import annotations

import streamlit as st

from playground import catalog, plots
from playground.jobs import TrainingJob
from playground.metrics import Status
from playground.specs import SpecError
from playground.training import stall_advice
from playground.ui.sidebar import badge

POLL_SECONDS = 0.9


def controls(job: TrainingJob) -> None:
    """Pause / Resume, Stop, and a new learning rate for the running job."""
    if not job.active:
        return
    cols = st.columns([1, 1, 2, 1], vertical_alignment="bottom")
    if job.status is Status.PAUSED:
        cols[0].button(
            "Resume", key="job-resume", on_click=job.resume, icon=":material/play_arrow:"
        )
    else:
        cols[0].button(
            "Pause",
            key="job-pause",
            on_click=job.pause,
            icon=":material/pause:",
            disabled=job.status is Status.QUEUED,
        )
    cols[1].button("Stop", key="job-stop", on_click=job.stop, icon=":material/stop:")
    last = job.log.last_step()
    current = job.controls.lr or job.config.lr
    new_lr = cols[2].number_input(
        "Learning rate of the running job",
        min_value=1e-6,
        max_value=100.0,
        value=current,
        step=1e-4,
        format="%.6g",
        key=f"live-lr-{job.id}",
        help="Changes apply from the next step (the schedule then follows the new value).",
    )
    if cols[3].button("Apply", key="job-apply-lr", disabled=new_lr == current):
        try:
            job.set_lr(new_lr)
        except SpecError as e:
            st.error(e.message)
        else:
            now = f" (now {last.lr:.3g} at step {last.step})" if last else ""
            st.toast(f"Learning rate set to {new_lr:g}{now}; it applies from the next step.")
            st.rerun()


def view(job: TrainingJob) -> None:
    """Metrics, progress and charts; live while the job is active."""
    every = POLL_SECONDS if job.active else None

    @st.fragment(run_every=every)
    def live() -> None:
        _draw(job)
        if every and job.status.ended:
            st.rerun()  # a full run, so the page stops polling and shows the ending

    live()


def _draw(job: TrainingJob) -> None:
    steps, epochs = job.log.steps(), job.log.epochs()
    last = steps[-1] if steps else None
    st.markdown(f"**{job.name}** {badge(job)} {job.message}")
    if job.data_note:
        st.info(job.data_note, icon=":material/info:")
    cols = st.columns(4)
    epoch = last.epoch if last else 0
    cols[0].metric("Epoch", f"{epoch} / {job.config.epochs}")
    smoothed = plots.smooth([s.loss for s in steps[-200:]])[-1] if steps else None
    cols[1].metric(
        "Train loss",
        "-" if smoothed is None else f"{smoothed:.4f}",
        help="Smoothed over the last batches.",
    )
    vals = [e.val_accuracy for e in epochs if e.val_accuracy is not None]
    delta = f"{vals[-1] - vals[-2]:+.2%}" if len(vals) > 1 else None
    cols[2].metric("Val accuracy", f"{vals[-1]:.2%}" if vals else "-", delta)
    cols[3].metric("Samples/s", f"{last.samples_per_second:,.0f}" if last else "-")
    if not job.status.ended:
        total = job.total_steps
        done = last.step if last else 0
        text = f"Step {done:,} of {total:,}" if total else "Loading the data"
        if last and total and done < total:
            eta = (total - done) * last.seconds / done
            text += f" · about {_duration(eta)} left"
        st.progress(min(1.0, done / total) if total else 0.0, text=text)
    else:
        _ending(job)
    if steps:
        st.plotly_chart(plots.step_loss_figure(steps), key="chart-loss")
    if epochs:
        st.plotly_chart(_epoch_figure(job.id, epochs), key="chart-epochs")


def _epoch_figure(job_id: str, epochs: list) -> dict:
    """The per-epoch figure, built once per new epoch: between epochs every poll sends the
    same figure, which the browser then need not redraw."""
    cache = st.session_state.setdefault("live.epoch_figure", {})
    key = (job_id, len(epochs))
    if key not in cache:
        cache.clear()
        cache[key] = plots.epoch_figure(epochs)
    return cache[key]


def _ending(job: TrainingJob) -> None:
    s = job.summary
    took = s.get("train_seconds")
    took_text = f" in {_duration(took)}" if took is not None else ""
    status = job.status
    if status is Status.FINISHED:
        test = s.get("test_accuracy")
        acc = f": test accuracy {test:.2%}" if test is not None else ""
        epochs = s.get("epochs", 0)
        done = f"{epochs} epoch" + ("s" if epochs != 1 else "")
        st.success(f"Finished {done}{took_text}{acc}.", icon=":material/check:")
    elif status is Status.STOPPED:
        trained = f" Trained for {_duration(took)}." if took is not None else ""
        st.info(f"{job.message}{trained}", icon=":material/stop_circle:")
    elif status is Status.DIVERGED:
        st.error(f"Diverged. {job.message}", icon=":material/warning:")
    else:
        st.error(f"Failed. {job.message}", icon=":material/error:")
    if status in (Status.FINISHED, Status.STOPPED):
        classes = len(catalog.DATASETS[job.config.dataset].classes)
        advice = stall_advice(job.config, job.log.epochs(), classes)
        if advice:
            st.warning(advice, icon=":material/trending_flat:")
    if job.run_dir is not None:
        st.caption(f"Saved as run {job.run_dir.name}.")


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    return f"{minutes // 60} h {minutes % 60} min"
