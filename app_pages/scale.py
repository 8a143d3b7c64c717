"""The scaling lab: train one model family at several sizes, fit its power law, and put the
cost of every run beside its result."""

import streamlit as st

from playground.engine.i18n import _
from playground.ui.scale import lab, start
from playground.ui.train import watch

st.title(_("Scaling lab"))
watch.instead()  # a watch link shows the watched job, run or sweep instead
st.caption(
    _(
        "Why are large models large? Because loss falls as a power of size: L(N) = a N^-alpha + c. "
        "Train the same model at several sizes on the same budget, watch the points fall on a line "
        "on log-log axes, and read your own exponent beside the papers'."
    )
)
job = start.running()
if job is not None:
    start.live_sweep(job)
st.header(_("Start a sweep"))
start.sweep_form()
st.header(_("Look at a sweep"))
chosen = lab.pick(prefer=job.sweep_id if job is not None else None)
if chosen is not None:
    lab.show(chosen)
