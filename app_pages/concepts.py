"""The Concepts page: the theory behind training, computed live in five labs."""

import streamlit as st

from playground.engine.i18n import _
from playground.ui.concepts import concepts_view, optimizer_race

st.title(_("Concepts"))
st.caption(
    _(
        "The ideas training is built on, each as a small lab. Every number here is computed by "
        "PyTorch as you change the inputs: its layers, autograd and optimizers."
    )
)
labs = st.tabs(
    [
        _("Activation functions"),
        _("Loss functions"),
        _("Optimizers"),
        _("Backpropagation"),
        _("Regularisation"),
    ]
)
with labs[0]:
    concepts_view.activations()
with labs[1]:
    concepts_view.loss_functions()
with labs[2]:
    optimizer_race.race()
with labs[3]:
    concepts_view.backpropagation()
with labs[4]:
    concepts_view.regularisation_lab()
