"""Privacy: train a model with differential privacy, and see what a model gives away (a
membership attack) and what privacy costs (accuracy and time against epsilon)."""

import streamlit as st

from playground.engine.i18n import _
from playground.ui.privacy import lab

st.title(_("Privacy"))
st.caption(
    _(
        "A model learns from its data, and it also remembers it: asked about an image, it is "
        "surer of the ones it trained on, and an attacker can tell which they were. "
        "Differential privacy bounds what any one image can change, at a price in accuracy."
    )
)
st.header(_("What a model gives away"))
lab.attack_lab()
st.header(_("Train privately"))
lab.train_privately()
st.header(_("The price of privacy"))
lab.price_of_privacy()
