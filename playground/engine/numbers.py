"""The numbers a job's live view and a run's watch link show, each with its label, value,
change and which way is better; and the epoch count that a live job and an ended run show
alike."""

from __future__ import annotations

from dataclasses import dataclass

from playground.engine.i18n import _
from playground.engine.metrics import EpochRecord, StepRecord


@dataclass(frozen=True)
class Number:
    """One number of a job's live view: its label (st.metric's), value and change."""

    label: str
    value: str
    delta: str | None = None
    help: str = ""
    lower_is_better: bool = False  # a loss: its falling delta is shown as good (green)

    @property
    def delta_color(self) -> str:
        """st.metric's colour rule for the delta: green when it moves the better way."""
        return "inverse" if self.lower_is_better else "normal"


def epoch_number(
    steps: list[StepRecord], epochs: list[EpochRecord], total: int, ended: bool
) -> Number:
    """ "Epoch 2 / 3": the epoch it trains while it runs; once it ended, the epochs it completed,
    as its row in the runs table counts them (a run stopped in its first epoch: 0 / 3)."""
    last = steps[-1] if steps else None
    if not ended:
        return Number(_("Epoch"), f"{last.epoch if last else 0} / {total}")
    done = len(epochs)
    partial = last is not None and last.epoch > done
    why = _("Stopped during epoch {epoch}: {done} complete.").format(
        epoch=last.epoch if last else 0, done=done
    )
    return Number(_("Epoch"), f"{done} / {total}", help=why if partial else "")
