"""Generate: a model that makes digits. Ask the ready one (or yours) for a digit, train your
own in about a minute, and watch what it makes as it learns."""

import streamlit as st

from playground.engine.i18n import _
from playground.engine.records import SpecError
from playground.ui import state
from playground.ui.generate import diffusion_view, score_view, vae_view, view
from playground.ui.text import plain
from playground.ui.train import live, watch

st.title(_("Generate"))
watch.instead()  # a watch link shows the watched job, run or sweep instead
st.caption(
    _(
        "Models that make images: a variational autoencoder, a GAN and a diffusion model "
        "learn to draw the digits they see, and draw new ones from random numbers."
    )
)

picked = view.pick_model()
if picked is None:
    st.info(_("No model that makes digits yet: train one below (about a minute)."),
            icon=":material/auto_awesome:")  # fmt: skip
else:
    view.digits(picked)
    score_view.show(picked)
    score_view.terms(picked.epochs, "generate-terms")
    vae_view.show(picked)
    diffusion_view.show(picked)
    score_view.gan_over_training(picked)
    view.timeline(picked.spec, picked.snapshots)

st.header(_("Train one"))
chosen = view.form()
busy = state.busy_reason()
if st.button(_("Start training"), key="generate-start", type="primary",
             disabled=chosen is None or busy is not None, help=_(busy) if busy else None,
             icon=":material/play_arrow:"):  # fmt: skip
    try:
        state.start_job(*chosen)
        st.session_state[view.FOLLOW] = True  # its model is shown once it has weights
        st.rerun()
    except SpecError as e:
        st.error(plain(e.message), icon=":material/error:")
if (job := state.job("generate")) is not None:
    live.controls(job)
    live.view(job)
    view.now(job)
