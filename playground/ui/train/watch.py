"""The presenter's view: a job or run that its owner shared, watched through `?watch=<token>`.

Watchers see the metrics and curves (live while the job trains) and no control. "Use this
model" copies the model into the watcher's own runs; the original is never touched.
"""

from __future__ import annotations

import streamlit as st

from playground.engine.i18n import N_, Text, _
from playground.engine.numbers import Number
from playground.engine.owners import NotAllowed
from playground.engine.records import SpecError
from playground.exchange import quota, runs
from playground.serving import curves
from playground.serving.manager import WatchedJob
from playground.ui import share, state, task_ui
from playground.ui.text import plain
from playground.ui.train import live

_NOTE = "watch-note"


def instead() -> None:
    """On a watch link (someone's job, run or sweep, read-only), that instead of the page: it is
    shown and the page's script stops here."""
    if token := share.token():
        page(token)
        st.stop()


def page(token: str) -> None:
    """Everything the Train page shows for a watch link."""
    job = state.manager().watched(token)
    run = None if job is not None else runs.find_shared(token)
    if job is None and run is None:
        st.error(
            _(
                "This watch link does not lead to a job or a run on this server: the run may have "
                "been deleted, or the link cut short. Ask its owner to share it again."
            ),
            icon=":material/link_off:",
        )
        return
    if note := st.session_state.pop(_NOTE, None):
        st.info(plain(note))
    if job is not None and getattr(job, "kind", "") == "search":
        from playground.ui.search import live_view  # the search page's own view

        st.caption(_("Shared with you: you are watching someone's search live, read-only."))
        live_view.show(job, watching=True)
        return
    if job is not None:
        st.caption(_("Shared with you: you are watching someone's job live, read-only."))
        live.view(job)
        _use_button(job.latest_weights() is not None and job.run_dir is not None, token)
    else:
        st.caption(_("Shared with you: someone's finished run, read-only."))
        _run(run)
        _use_button(run.has_weights, token)


def _run(run: runs.Run) -> None:
    s = run.summary
    st.markdown(f"**{plain(s.get('name', run.name))}** · {plain(s.get('status', '?'))}")
    task, seconds = run.task, s.get("train_seconds")
    numbers = [
        *task.result_numbers(s),
        Number(N_("Epochs"), f"{s.get('epochs', '?')} / {task.epochs(run.config)}"),
        Number(N_("Training time (s)"), f"{seconds:.1f}" if isinstance(seconds, float) else "-"),
    ]
    for col, number in zip(st.columns(len(numbers)), numbers, strict=True):
        col.metric(_(number.label), number.value, number.delta, delta_color=number.delta_color,
                   help=number.help or None)  # fmt: skip
    log = run.log()
    points, epochs = log.points(), log.epochs()
    if points:
        st.plotly_chart(curves.step_loss_figure(points), key="watch-loss")
    if epochs:
        st.plotly_chart(curves.epoch_figure(epochs, task.score), key="watch-epochs")


def _use_button(ready: bool, token: str) -> None:
    st.button(
        _("Use this model"),
        key="watch-use",
        on_click=_use,
        args=(token,),
        disabled=not ready,
        icon=":material/content_copy:",
        help=_("Copies the model and its weights into your own runs, as your current model.")
        if ready
        else _("It has no weights to copy yet."),
    )


def _use(token: str) -> None:
    """Copy the shared model into this person's runs and make it their current model."""
    owner = state.owner()
    job: WatchedJob | None = state.manager().watched(token)
    try:
        if job is not None:
            latest = job.latest_weights()
            if latest is None or job.run_dir is None:
                raise SpecError(
                    Text("The job has no weights yet: try again after its first steps.")
                )
            copy = quota.copy_run(
                runs.load_run(job.run_dir),
                owner,
                weights=latest[1],
                limits=state.manager().settings,
            )
        else:
            run = runs.find_shared(token)
            if run is None:
                raise SpecError(Text("The shared run is gone."))
            copy = quota.copy_run(run, owner, limits=state.manager().settings)
    except (SpecError, NotAllowed, OSError) as e:
        st.session_state[_NOTE] = Text("The model was not copied: {why}", why=e)
        return
    copied = _("Copied into your runs as {name}.").format(name=copy.name)
    use = task_ui.use_of(copy)  # what "use" means for a model of its task
    done = use.apply(copy) if use is not None else None
    st.session_state[_NOTE] = f"{copied} {done}" if done else copied
