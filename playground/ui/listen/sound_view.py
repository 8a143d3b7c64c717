"""Sound as an image, on the Listen page: a spoken digit of the shipped set (or one's own
recording) played, drawn as a waveform, and turned into the spectrogram and log-mel spectrogram
a model reads, with the settings that make them and what each changes."""

from __future__ import annotations

import io

import numpy as np
import soundfile as sf
import streamlit as st

from playground.datasets import spoken
from playground.engine.i18n import N_, _
from playground.ui.listen import figures

WINDOWS = (64, 128, 256, 512, 1024)


@st.cache_resource(show_spinner=False)
def _data() -> tuple[spoken.SpokenDigits, ...]:
    return spoken.load()


def wav(clip: np.ndarray) -> bytes:
    out = io.BytesIO()
    sf.write(out, clip, spoken.RATE, format="WAV")
    return out.getvalue()


def pick_clip(test_only: bool = False, mine: np.ndarray | None = None) -> np.ndarray:
    """A clip of the shipped set, by language, digit and voice (test voices said so; only
    they, with `test_only`), or `mine`, one's last recording, where one chooses it."""
    train, test = _data()
    key = "listen-test" if test_only else "listen"
    if mine is not None and st.toggle(_("My last recording"), key=f"{key}-mine"):
        return mine
    cols = st.columns(3)
    language = cols[0].selectbox(_("Language"), list(spoken.LANGUAGES), key=f"{key}-language",
                                 format_func=lambda k: _(spoken.LANGUAGES[k]))  # fmt: skip
    digit = cols[1].selectbox(_("Digit"), list(range(10)), index=7, key=f"{key}-digit")
    parts = (test,) if test_only else (train, test)
    found = [(part, i) for part in parts for i in range(len(part))
             if part.languages[i] == language and part.digits[i] == digit]  # fmt: skip
    labels = [f"{part.voices[i]}" + (f" ({_('test voice')})" if part is test else "")
              for part, i in found]  # fmt: skip
    which = cols[2].selectbox(_("Voice"), range(len(found)), format_func=labels.__getitem__,
                              key=f"{key}-voice")  # fmt: skip
    part, i = found[which]
    return part.clips[i]


def show(clip: np.ndarray, key: str) -> None:
    """Play `clip`; its waveform; its spectrogram with the window, hop and mels chosen here."""
    st.audio(wav(clip), format="audio/wav")
    st.plotly_chart(figures.waveform(clip), key=f"{key}-wave")
    cols = st.columns(3)
    n_fft = cols[0].select_slider(_("Window (samples)"), WINDOWS, value=256, key=f"{key}-window",
                                  help=_(WINDOW_HELP))  # fmt: skip
    hop = cols[1].select_slider(_("Hop (samples)"), [w // 2 for w in WINDOWS] + [1024],
                                value=128, key=f"{key}-hop", help=_(HOP_HELP))  # fmt: skip
    mels = cols[2].slider(_("Mel bands (0: plain spectrogram)"), 0, 80, 40, 10,
                          key=f"{key}-mels", help=_(MELS_HELP))  # fmt: skip
    st.plotly_chart(figures.spectrogram(clip, n_fft, hop, mels), key=f"{key}-spectrogram")


WINDOW_HELP = N_(
    "How many samples each column looks at: a long window tells frequencies apart finely but "
    "blurs when they happen; a short one the other way round."
)
HOP_HELP = N_("How far the window moves between columns: a smaller hop, more columns.")
MELS_HELP = N_(
    "Bands spaced as the ear hears pitch (close together low, far apart high), each summing the "
    "frequencies under it: fewer numbers, with what tells words apart kept."
)
