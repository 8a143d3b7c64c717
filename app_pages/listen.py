"""Listen: spoken digits in English and Chinese, heard as a model hears them: the waveform, the
spectrogram and the log-mel spectrogram, of the shipped voices or of one's own."""

import streamlit as st

from playground.engine.i18n import _
from playground.ui.listen import sound_view

st.title(_("Listen"))
st.caption(
    _(
        "A sound is a long row of numbers; a model hears it as a picture. Play a spoken digit "
        "(the app's synthetic voices, in English and Chinese), see its waveform, and turn it "
        "into the spectrogram a model reads."
    )
)
st.header(_("Sound as an image"))
sound_view.show(sound_view.pick_clip(), "listen-set")
st.header(_("Your own voice"))
mine = sound_view.own_recording()
if mine is not None:
    sound_view.show(mine, "listen-mine")
