"""Listen: say a digit, in English or Chinese, and see the model hear it; teach it your voice;
sound as a model hears it (waveform, spectrogram, log-mel); train a listening model of one's
own."""

import streamlit as st

from playground.engine.i18n import _
from playground.ui.listen import hear_view, sound_view, train_view, voice
from playground.ui.train import watch

st.title(_("Listen"))
watch.instead()  # a watch link shows the watched job, run or sweep instead
st.caption(
    _(
        "Say a digit, in English or Chinese, and see a model hear it: the answer, how sure it "
        "is, and which part of the sound decided it. Then teach it your voice in a minute."
    )
)
listener = hear_view.pick_model()
st.header(_("Say a digit"))
if listener is None:
    st.info(_("No model that listens yet: train one below (about two minutes)."),
            icon=":material/hearing:")  # fmt: skip
else:
    hear_view.say_a_digit(listener)
st.header(_("Teach it your voice"))
if listener is not None:
    voice.panel(listener)
st.header(_("Sound as an image"))
sound_view.show(sound_view.pick_clip(mine=hear_view.last()), "listen-set")
st.header(_("Train one"))
train_view.train_one()
