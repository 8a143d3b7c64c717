"""A job's state in a line, as the sidebar, the Train page and Draw's fine-tuning all show it:
a coloured badge, its progress, and its place in the queue."""

from __future__ import annotations

from playground.engine.controls import duration_text
from playground.engine.i18n import N_, _
from playground.engine.metrics import ACCURACY, Status
from playground.serving.jobs import TrainingJob
from playground.serving.manager import QueueSpot

_BADGES = {
    Status.QUEUED: ("gray", N_("queued")),
    Status.RUNNING: ("blue", N_("training")),
    Status.PAUSED: ("orange", N_("paused")),
    Status.FINISHED: ("green", N_("finished")),
    Status.STOPPED: ("gray", N_("stopped")),
    Status.DIVERGED: ("red", N_("diverged")),
    Status.FAILED: ("red", N_("failed")),
}


def badge(job: TrainingJob) -> str:
    color, word = _BADGES[job.status]
    return f":{color}-badge[{_(word)}]"


def progress_text(job: TrainingJob) -> str:
    """'epoch 2 / 3 · val accuracy 98.7%' from the job's records."""
    last, epochs = job.log.last_step(), job.log.epochs()
    parts = []
    if last is not None:
        parts.append(
            _("epoch {epoch} / {epochs}").format(
                epoch=last.epoch, epochs=job.task.epochs(job.config)
            )
        )
    vals = [e.val_accuracy for e in epochs if e.val_accuracy is not None]
    score = job.task.score
    if vals and score is not None and score != ACCURACY:
        value = score.format(vals[-1])
        parts.append(_("val {score} {value}").format(score=_(score.label), value=value))
    elif vals and score is not None:
        parts.append(_("val accuracy {value}").format(value=f"{vals[-1]:.1%}"))
    lead = job.task.metrics[0]  # what it reached, as its task declares
    if (reached := lead.of(job.summary)) is not None:
        parts.append(
            _("{metric} {value}").format(metric=_(lead.label).lower(), value=lead.format(reached))
        )
    return " · ".join(parts)


def queue_text(spot: QueueSpot | None) -> str:
    """'Position 2 in the queue: it starts in about 4 min.'"""
    if spot is None:
        return _("Starting.")
    where = (
        _("Next in the queue")
        if spot.position == 1
        else _("Position {n} in the queue").format(n=spot.position)
    )
    if spot.seconds is None:
        return _("{where}: the start time is not known yet.").format(where=where)
    if spot.seconds < 1:
        return _("{where}: it starts in a moment.").format(where=where)
    if spot.at_most:
        text = _("{where}: it starts at the latest in {time}.")
    else:
        text = _("{where}: it starts in about {time}.")
    return text.format(where=where, time=duration_text(spot.seconds))
