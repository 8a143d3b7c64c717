"""Deep Learning Playground: the Streamlit entry point.

The pages (Build, Train, Draw, Inspect, Evaluate, Concepts, Playground 2-D) are on their way;
for now this says so and shows what the engine can already do from the command line.
"""

import streamlit as st

st.set_page_config(page_title="Deep Learning Playground", page_icon="🧠", layout="wide")
st.title("Deep Learning Playground")
st.write(
    "Learn deep learning by doing it: build a network, train it while its curves grow, look "
    "inside it and draw digits for it to read. The pages are coming soon."
)
st.subheader("Already working: the engine, from the command line")
st.code("python -m playground train --preset seed-cnn --dataset mnist-sample", language="bash")
