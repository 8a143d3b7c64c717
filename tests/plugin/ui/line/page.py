"""Line fitting: train a line through generated points and watch it (a one-file page)."""

import streamlit as st

from playground.engine.i18n import _
from playground.tasks.line.task import LineConfig, LineSpec
from playground.ui import state
from playground.ui.train import live

st.title(_("Line fitting"))
st.caption(_("A line through generated points."))
if st.button(_("Train a line"), key="line-train", disabled=state.busy_reason() is not None):
    state.start_job(LineSpec(), LineConfig(epochs=4))
if (job := state.job("line")) is not None:
    live.controls(job)
    live.view(job)
