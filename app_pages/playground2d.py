import streamlit as st

from playground.toy.experiment import CUSTOM, ExperimentError
from playground.ui import toy_view, visibility

st.title("Playground 2-D")
st.caption(
    "Teach a small network to split points in the plane, and watch its boundary bend as it "
    "learns. Every setting is in the page's address: copy it to share this experiment."
)
exp = toy_view.experiment()
toy_view.link_warning()
toy_view.lessons()
settings, board = st.columns([1, 3])
with settings:
    new = toy_view.data_settings(exp)
    new = toy_view.feature_settings(new)
with board:
    new = toy_view.network_settings(new)
    pts = toy_view.points(new)
    new = toy_view.training_settings(new, pts.kind)
try:
    new.validate(pts.kind)
except ExperimentError as e:
    toy_view.cannot_run(e)
    st.stop()
toy_view.keep(new)
toy_view.sync_url(new)
if new.dataset == CUSTOM:
    st.caption("Your own points are kept in this session only: the link does not carry them.")
run = toy_view.trainer(new, pts)

with board:
    toy_view.controls(run)
    label = toy_view.click_to_add(pts.kind)
    show_test = st.toggle("Show test points", False, key="toy-show-test")
    playing = run.snapshot().playing
    st.fragment(
        toy_view.live, run_every=visibility.every(toy_view.REFRESH_SECONDS) if playing else None
    )(run, show_test, label, playing)
