"""The Evaluate page: a model on the whole test set, and where it goes wrong."""

import streamlit as st

from playground.engine.i18n import N_, _
from playground.ui import model_picker, visibility
from playground.ui.inspect import evaluate_view, whole_test_set

st.title(_("Evaluate"))
st.caption(_("How a model does on the whole test set, and where it goes wrong."))
choice = model_picker.pick("eval-model")
if choice is not None and choice.model is None:
    model_picker.no_weights_yet(choice)
if choice is None or choice.model is None:
    st.stop()
model_picker.keep_state_for(choice, evaluate_view.MODEL_STATE)
if choice.live:
    st.caption(
        _(
            "Following the job as it trains: the test set is run again every "
            "{LIVE_SECONDS:.0f} s with its newest weights."
        ).format(LIVE_SECONDS=evaluate_view.LIVE_SECONDS)
    )


def view() -> None:
    current = choice.refreshed()
    found = whole_test_set.results(current)
    if found is None:
        return
    data, scores = found
    matrix = evaluate_view.summary(data, scores)
    evaluate_view.confusion(data, scores.probabilities, matrix)
    evaluate_view.mistakes(data, scores.probabilities, matrix)
    st.subheader(_("Compare with another model"))
    if st.toggle(_("Compare two models on the same test images"), key="eval-compare"):
        second = model_picker.pick("eval-second", label=N_("Second model"))
        if second is not None:
            evaluate_view.compare(data, scores, current, second.refreshed())


st.fragment(view, run_every=visibility.every(evaluate_view.LIVE_SECONDS) if choice.live else None)()
