"""Teach it your voice, on the Listen page: recordings of each digit, kept for their owner
(every third of a digit held back as the honest test), a short fine-tune of the model that
listens on them mixed with the app's voices, in the background like any job, and its answers
on them before and after."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import streamlit as st
import torch

from playground.engine.i18n import _, ngettext
from playground.engine.records import SpecError
from playground.serving.jobs import TrainingJob
from playground.tasks.listen.model import probabilities
from playground.tasks.listen.recipe import FINE_TUNE, REPEAT, ListenConfig
from playground.ui import fine_tune, state
from playground.ui.listen import hear_view
from playground.ui.listen.actions import PICK
from playground.ui.text import plain

MOST = 100  # recordings one person keeps
HELD_EVERY = 3  # the third, sixth... recording of each digit is held back
_JOB, _BEFORE, _AFTER, _SHOWN = "voice-job", "voice-before", "voice-after", "voice-shown"
_KEPT = "voice-kept"  # the id of the recording last kept (it is kept once)


@dataclass(frozen=True)
class Recording:
    clip: np.ndarray  # one second at 8 kHz
    digit: int
    held: bool  # held back from the fine-tune: the honest test


@st.cache_resource(show_spinner=False)
def _store() -> tuple[dict[str, list[Recording]], threading.Lock]:
    """Every owner's recordings (this server's memory: a restart forgets them)."""
    return {}, threading.Lock()


def mine() -> list[Recording]:
    found, lock = _store()
    with lock:
        return list(found.get(state.owner(), []))


def _keep(clip: np.ndarray, digit: int) -> str | None:
    """Keep a recording of `digit`; a sentence if it cannot be kept."""
    found, lock = _store()
    with lock:
        own = found.setdefault(state.owner(), [])
        if len(own) >= MOST:
            return _("You keep {most} recordings at most: clear them to record more.").format(
                most=MOST)  # fmt: skip
        before = sum(r.digit == digit for r in own)
        own.append(Recording(clip, digit, before % HELD_EVERY == HELD_EVERY - 1))
    return None


def _clear() -> None:
    found, lock = _store()
    with lock:
        found.pop(state.owner(), None)


def panel(listener: hear_view.Listener) -> None:
    digit = st.selectbox(_("The digit you will say"), range(10), key="voice-digit")
    clip = hear_view.recording("voice", _("Say {digit}").format(digit=digit))
    new = clip is not None and st.session_state.get("voice-id") != st.session_state.get(_KEPT)
    if new and st.button(_("Keep this recording"), key="voice-keep", icon=":material/add:"):
        if (why := _keep(clip, digit)) is not None:
            st.error(why)
        else:
            st.session_state[_KEPT] = st.session_state.get("voice-id")  # kept once
            st.rerun()
    elif clip is not None and not new:
        st.caption(_("Kept. Record the next one."))
    own = mine()
    if not own:
        st.caption(_("Record each digit a few times (five of each is plenty): every third "
                     "recording of a digit is held back to test the model honestly."))  # fmt: skip
        return
    _counts(own)
    job = state.manager().owned(state.owner(), st.session_state.get(_JOB))
    busy = job is not None and not job.status.ended
    reason = state.busy_reason()
    training = [r for r in own if not r.held]
    cols = st.columns(2)
    if cols[0].button(_("Fine-tune on my voice"), key="voice-start", type="primary",
                      disabled=reason is not None or not training,
                      help=reason or (None if training else _("Keep a recording first.")),
                      icon=":material/record_voice_over:") and _start(listener, own):  # fmt: skip
        st.rerun()
    if cols[1].button(_("Clear my recordings"), key="voice-clear", disabled=busy):
        _clear()
        st.rerun()
    if job is not None:
        _progress(job, own)


def _counts(own: list[Recording]) -> None:
    rows = [{_("digit"): d, _("to learn from"): sum(r.digit == d and not r.held for r in own),
             _("held back"): sum(r.digit == d and r.held for r in own)}
            for d in range(10) if any(r.digit == d for r in own)]  # fmt: skip
    st.caption(ngettext("You kept {count} recording.", "You kept {count} recordings.",
                        len(own)).format(count=len(own)))  # fmt: skip
    st.dataframe(rows, hide_index=True, key="voice-counts")


def _answers(model, spec, own: list[Recording]) -> list[int]:
    clips = torch.from_numpy(np.stack([r.clip for r in own]))
    return probabilities(model, clips, spec).argmax(dim=1).tolist()


def _start(listener: hear_view.Listener, own: list[Recording]) -> bool:
    training = [r for r in own if not r.held]
    clips = torch.from_numpy(np.stack([r.clip for r in training]))
    digits = torch.tensor([r.digit for r in training])
    spec = listener.spec
    try:
        job = state.new_job(spec, ListenConfig.from_dict({**ListenConfig().to_dict(), **FINE_TUNE}),
                            name=f"{spec.name}-my-voice",
                            initial_weights={k: v.clone() for k, v in
                                             listener.model.state_dict().items()},
                            extra=(clips, digits, REPEAT))  # fmt: skip
        state.submit(job)
    except SpecError as e:
        st.error(plain(e.message), icon=":material/error:")
        return False
    st.session_state[_JOB] = job.id
    st.session_state[_BEFORE] = (len(own), _answers(listener.model, spec, own))
    return True


def _progress(job: TrainingJob, own: list[Recording]) -> None:
    fine_tune.progress(job, lambda job: _before_after(job, own))


def _before_after(job: TrainingJob, own: list[Recording]) -> None:
    count, before = st.session_state.get(_BEFORE, (0, []))
    after = st.session_state.get(_AFTER)
    if after is None or after[0] != (job.id, len(own)):
        after = st.session_state[_AFTER] = (
            (job.id, len(own)),
            _answers(job.inference_model(), job.spec, own),
        )
    after = after[1]
    rows = []
    for i, r in enumerate(own):
        was = before[i] if i < count and i < len(before) else None
        rows.append({_("you said"): r.digit,
                     _("held back"): "✓" if r.held else "",
                     _("before"): "-" if was is None else was, _("after"): after[i]})  # fmt: skip
    st.dataframe(rows, hide_index=True, key="voice-table")
    held = [i for i, r in enumerate(own[:count]) if r.held]
    if held:
        right = lambda answers: sum(answers[i] == own[i].digit for i in held)  # noqa: E731
        st.success(_("On your held-back recordings, which it never learned from: {before} of "
                     "{count} right before, {after} after.").format(
            before=right(before), after=right(after), count=len(held)))  # fmt: skip
    else:
        learned = sum(a == r.digit for a, r in zip(after, own, strict=False))
        st.success(_("It now hears {right} of your {count} recordings right (keep a third "
                     "recording of a digit to test it on one it never learned from).").format(
            right=learned, count=len(own)))  # fmt: skip
    if job.run_dir is not None and job.id not in st.session_state.setdefault(_SHOWN, set()):
        st.session_state[_SHOWN].add(job.id)  # the tuned model listens next, chosen once
        st.session_state[f"{PICK}-next"] = str(job.run_dir)
        st.rerun(scope="app")
