"""The Playground 2-D page: points in the plane and a small network bending its boundary."""

import streamlit as st

from playground.engine.i18n import _
from playground.playground2d import data
from playground.playground2d.experiment import CUSTOM, ExperimentError
from playground.ui import visibility
from playground.ui.playground2d import playground2d_edit, playground2d_settings, playground2d_view

st.title(_("Playground 2-D"))
exp = playground2d_view.experiment()
if "text" not in exp.hide:
    st.caption(
        _(
            "Teach a small network to split points in the plane, and watch its boundary bend as it "
            "learns. Every setting is in the page's address: copy it to share this experiment."
        )
    )
playground2d_view.link_warning()
bar = st.container()  # Play, one step, reset and how it learns: above the board, as in TFP
buttons, how = bar.container(), bar.container()
settings, board = st.columns([1, 3])
with settings:
    new = playground2d_settings.data_settings(exp)
    new = playground2d_settings.feature_settings(new)
with board:
    view = st.container()  # the boundary and the network, first on the screen (filled below)
    new = playground2d_settings.network_settings(new)
    pts = playground2d_view.points(new)
with how:
    new = playground2d_settings.training_settings(new, pts.kind)
with board:
    new = playground2d_settings.more_settings(new)
    new = playground2d_settings.view_settings(new)
try:
    new.validate(pts.kind)
except ExperimentError as e:
    playground2d_view.cannot_run(e)
    st.stop()
playground2d_view.keep(new)
playground2d_view.sync_url(new, pts)
if new.dataset == CUSTOM and "text" not in new.hide:
    if len(pts.y) > data.MAX_LINK_POINTS:
        st.caption(
            _(
                "Your {count:,} points are kept in this session only: a link carries up "
                "to {MAX_LINK_POINTS}."
            ).format(count=len(pts.y), MAX_LINK_POINTS=data.MAX_LINK_POINTS)
        )
    else:
        st.caption(_("Your own points travel in the page's address: a link shares them too."))
run = playground2d_view.trainer(new, pts)

with buttons:
    playing = playground2d_view.controls(run)
with board:
    label = playground2d_view.click_to_add(pts) if "points" not in new.hide else None
    if "weights" not in new.hide:
        playground2d_edit.weights_box(run)
with view:
    st.fragment(
        playground2d_view.live,
        run_every=visibility.every(playground2d_view.REFRESH_SECONDS) if playing else None,
    )(run, label, playing)
playground2d_settings.lessons(exp)
playground2d_settings.tf_link(exp)
