import streamlit as st

from playground.ui import evaluate_view, model_picker

st.title("Evaluate")
st.caption("How a model does on the whole test set, and where it goes wrong.")
choice = model_picker.pick("eval-model")
if choice is not None and choice.model is None:
    st.info("The job has no weights yet: they appear after its first steps.")
elif choice is not None:
    found = evaluate_view.results(choice)
    if found is not None:
        data, probs = found
        matrix = evaluate_view.summary(data, probs)
        evaluate_view.confusion(data, probs, matrix)
        evaluate_view.mistakes(data, probs, matrix)
