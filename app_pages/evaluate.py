"""The Evaluate page: a model on the whole test set, and where it goes wrong."""

import streamlit as st

from playground.ui import model_picker, visibility
from playground.ui.inspect import evaluate_view, test_pass

st.title("Evaluate")
st.caption("How a model does on the whole test set, and where it goes wrong.")
choice = model_picker.pick("eval-model")
if choice is not None and choice.model is None:
    model_picker.no_weights_yet(choice)
if choice is None or choice.model is None:
    st.stop()
if choice.live:
    st.caption(
        f"Following the job as it trains: the test set is run again every "
        f"{evaluate_view.LIVE_SECONDS:.0f} s with its newest weights."
    )


def view() -> None:
    current = choice.refreshed()
    found = test_pass.results(current)
    if found is None:
        return
    data, scores = found
    matrix = evaluate_view.summary(data, scores)
    evaluate_view.confusion(data, scores.probabilities, matrix)
    evaluate_view.mistakes(data, scores.probabilities, matrix)
    st.subheader("Compare with another model")
    if st.toggle("Compare two models on the same test images", key="eval-compare"):
        second = model_picker.pick("eval-second", label="Second model")
        if second is not None:
            evaluate_view.compare(data, scores, current, second.refreshed())


st.fragment(view, run_every=visibility.every(evaluate_view.LIVE_SECONDS) if choice.live else None)()
