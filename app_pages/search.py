"""Search: hyperparameter search you can watch. Choose the settings to try, and watch Optuna's
trials train, the weak ones pruned, and the answer form."""

import streamlit as st

from playground.engine.i18n import _
from playground.ui.search import form, live_view
from playground.ui.train import watch

st.title(_("Search"))
watch.instead()  # a watch link shows the watched job, run or search instead
st.caption(
    _(
        "Which learning rate, which batch size? Pick the settings to try and their ranges; "
        "Optuna proposes each trial's recipe, learns where the good ones lie, and stops the weak "
        "ones early. Every trial is an ordinary run, watched live here."
    )
)
job = live_view.running()
if job is not None:
    live_view.show(job)
st.header(_("Start a search"))
form.form()
