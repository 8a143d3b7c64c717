"""Say a digit, on the Listen page: the model that hears (the one that ships, this session's
job, or a run its owner may see), a recording from the microphone, a file or the test voices,
and what the model heard in it: the digit, its ten probabilities, the spectrogram it read and
which parts of it decided the answer."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st
import torch

from playground.datasets import spoken
from playground.engine.i18n import _
from playground.engine.records import DataError
from playground.exchange.runs import load_run, visible_runs
from playground.tasks.listen.hearing import attribution, hear
from playground.tasks.listen.task import LISTEN
from playground.ui import state
from playground.ui.listen import figures, sound_view
from playground.ui.listen.actions import PICK
from playground.ui.run_label import label as run_label
from playground.ui.text import plain

LIVE = "live"  # the pick that means this session's job
FOLLOW = "listen-follow"  # a job was just started here: hear with it once it has weights
SOURCE = "listen-source"
FLUSH = 0.02  # seconds: the answer leaves for the browser before the figures are made
LAST = "listen-last"  # the last recording heard, for Sound as an image


@dataclass(frozen=True)
class Listener:
    """The model that hears, and what names its weights (views cache under it)."""

    model: torch.nn.Module
    spec: object
    key: str
    label: str


@st.cache_resource(max_entries=8, show_spinner=False)
def _model_of(folder: str, modified: float):
    return load_run(Path(folder)).model()


def _ready() -> Path | None:
    found = LISTEN.pretrained
    return found if found is not None and (found / "weights.safetensors").exists() else None


def pick_model() -> Listener | None:
    """The model that hears (a choice among the ready one, this session's job and the runs its
    owner may see), or None if there is none."""
    job = state.job("listen")
    options = {}
    if (ready := _ready()) is not None:
        options[str(ready)] = _("Ready model (ships with the app): a CNN, English and Chinese")
    if job is not None and job.latest_weights() is not None:
        options[LIVE] = _("This session's model (training: {status})").format(
            status=_(job.status.value))  # fmt: skip
    for run in visible_runs(state.owner()):
        if run.task is LISTEN and run.has_weights:
            options[str(run.path)] = run_label(run)
    if not options:
        return None
    if LIVE in options and st.session_state.pop(FOLLOW, False):
        st.session_state[PICK] = LIVE
    if (chosen := st.session_state.pop(f"{PICK}-next", None)) in options:  # a tuned model
        st.session_state[PICK] = chosen
    if st.session_state.get(PICK) not in options:
        st.session_state[PICK] = next(iter(options))
    chosen = st.selectbox(_("The model that listens"), list(options), format_func=options.get,
                          key=PICK)  # fmt: skip
    if chosen == LIVE:
        version = job.latest_weights()[0]
        return Listener(job.inference_model(), job.spec, f"job {job.id} {version}",
                        options[LIVE])  # fmt: skip
    modified = (Path(chosen) / "weights.safetensors").stat().st_mtime
    run = load_run(Path(chosen))
    return Listener(_model_of(chosen, modified), run.spec, f"{chosen} {modified}",
                    options[chosen])  # fmt: skip


def recording(key: str, label: str) -> np.ndarray | None:
    """A clip from the microphone or a file (a sentence where it is not one), or None; the
    recording's id is kept under `{key}-id` (so that a page can tell a new one)."""
    cols = st.columns(2)
    said = cols[0].audio_input(label, sample_rate=spoken.RATE, key=f"{key}-mic")
    given = cols[1].file_uploader(_("Or give a recording"), type=["wav", "flac", "ogg"],
                                  key=f"{key}-file")  # fmt: skip
    source = said or given
    st.session_state[f"{key}-id"] = getattr(source, "file_id", None)
    if source is None:
        return None
    try:
        clip, note = spoken.read_recording(source.getvalue())
    except DataError as e:
        st.error(plain(_(str(e))), icon=":material/mic_off:")
        return None
    if note:
        st.caption(plain(_(note)))
    return clip


def last() -> np.ndarray | None:
    """The last recording of one's own that the page heard, if any."""
    return st.session_state.get(LAST)


@st.fragment
def say_a_digit(listener: Listener) -> None:
    """A recording of one's own or a test voice's, and what the model heard in it. A fragment:
    a new recording reruns this view alone, so the answer comes without the rest of the page."""
    mine, voice = _("My voice"), _("A test voice (never heard in training)")
    where = st.segmented_control(_("Listen to"), [mine, voice], default=mine, key=SOURCE)
    if where == voice:
        clip = sound_view.pick_clip(test_only=True)
    else:
        clip = recording("listen-say", _("Say a digit"))
    if clip is not None and where != voice:
        st.session_state[LAST] = clip
    if clip is None:
        st.caption(_("Press the microphone, say one digit (zero to nine, or 零 to 九), and "
                     "press it again; or give a WAV, FLAC or OGG file."))  # fmt: skip
        return
    answer(listener, clip)


@contextmanager
def one_thread():
    """This small model's work on one thread: on a busy server its two threads waited on each
    other (80 ms for a 5 ms answer). The count is set back at once: a thread started meanwhile
    takes torch's last count as its own, and a training job's must stay what it was."""
    was = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(was)


@st.cache_data(max_entries=32, show_spinner=False)
def _why(key: str, clip: np.ndarray, digit: int, _model, _spec) -> np.ndarray:
    """The attribution of `digit` in `clip` by the model named `key`: made once, not on every
    rerun of the page (a slider of Sound as an image, another section's widget)."""
    with one_thread():
        return attribution(_model, _spec, clip, digit)


def answer(listener: Listener, clip: np.ndarray) -> None:
    with one_thread():
        heard = hear(listener.model, listener.spec, clip)
    seconds = heard.seconds
    p = heard.probabilities[heard.digit]
    st.markdown(_("### It heard **{digit}** ({p:.0%} sure)").format(digit=heard.digit, p=p))
    st.caption(_("{label}: answered in {ms:.0f} ms.").format(label=listener.label,
                                                             ms=seconds * 1000))  # fmt: skip
    time.sleep(FLUSH)  # the server's loop sends the answer before the figures hold the GIL
    st.audio(sound_view.wav(clip), format="audio/wav")
    st.plotly_chart(figures.probabilities(heard.probabilities, heard.digit),
                    key="listen-probabilities")  # fmt: skip
    cols = st.columns(2)
    cols[0].plotly_chart(figures.heard(heard.features, listener.spec.hop, False),
                         key="listen-heard")  # fmt: skip
    found = _why(listener.key, clip, heard.digit, listener.model, listener.spec)
    cols[1].plotly_chart(figures.heard(found, listener.spec.hop, True), key="listen-why")
    st.caption(_("Red cells raised the score of {digit}, blue ones lowered it: the model "
                 "decided on the sounds in red.").format(digit=heard.digit))  # fmt: skip
