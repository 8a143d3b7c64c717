"""The Inspect page: what each layer computes for one input, and what the answer rests on."""

import streamlit as st

from playground.datasets.images import DataError, load
from playground.engine.i18n import _
from playground.ui import model_picker, visibility
from playground.ui.inspect import inspect_view
from playground.ui.text import plain

st.title(_("Inspect"))
st.caption(_("What each layer computes for one input, and which pixels the answer depends on."))
top = st.columns([2, 3])  # the model and the input side by side: the overview fits the screen
with top[0]:
    choice = model_picker.pick("inspect-model")
if choice is not None and choice.model is None:
    model_picker.no_weights_yet(choice)
if choice is None or choice.model is None:
    st.stop()
model_picker.keep_state_for(choice, inspect_view.MODEL_STATE)
try:
    data = load(choice.dataset.name)
except DataError as e:
    st.error(plain(e))
    st.stop()
with top[1]:
    source = inspect_view.choose(choice, data)
if source is None:
    st.stop()
if choice.live:
    st.caption(
        _(
            "Following the job as it trains: redrawn every {LIVE_SECONDS:.0f} s with "
            "its newest weights."
        ).format(LIVE_SECONDS=inspect_view.LIVE_SECONDS)
    )


def view() -> None:
    inspect_view.panels(choice.refreshed(), source, data)


st.fragment(view, run_every=visibility.every(inspect_view.LIVE_SECONDS) if choice.live else None)()
