"""The Home page: what this is, where training runs, and a quick start."""

import streamlit as st

from playground.tasks.image import catalog
from playground.ui import state

st.title("Deep Learning Playground")
st.markdown(
    "Learn deep learning by doing it, on real PyTorch: put a network together from layers, "
    "train it while its loss and accuracy curves grow live, and see what each choice of "
    "optimizer, learning rate or layer does."
)
st.caption(f"Training runs on {state.machine_device()}.")

st.subheader("Quick start")
QUICK_START = [
    ("1. Pick a model", f"Start from a preset such as {catalog.PRESETS['seed-cnn'].label} or "
     "stack your own layers; the table shows each layer's shape and size.",
     "app_pages/build.py", "Build a model", ":material/construction:"),
    ("2. Train it", "Choose the data, optimizer and learning rate, press Start training and "
     "watch the curves. Pause, stop or change the learning rate while it runs.",
     "app_pages/train.py", "Train", ":material/monitoring:"),
    ("3. Draw", "Draw a digit and watch the model read it as you draw, with the steps that turn "
     "your drawing into what it sees. Every job is also saved as a run to compare on Train.",
     "app_pages/draw.py", "Draw", ":material/draw:"),
]  # fmt: skip
for col, (title, text, page, label, icon) in zip(st.columns(3), QUICK_START, strict=True):
    with col.container(border=True):
        st.markdown(f"**{title}**")
        st.write(text)
        st.page_link(page, label=label, icon=icon)

st.subheader("What is here")
for name, title, what in [
    ("build", "Build", "the layer stack editor, with shapes, parameters and a diagram"),
    ("train", "Train", "training settings, live curves, and every run so far"),
    ("draw", "Draw", "draw a digit; the model's answer and what it sees"),
    ("inspect", "Inspect", "feature maps, filters, saliency and Grad-CAM for one input"),
    ("evaluate", "Evaluate", "the whole test set: scores, confusion matrix, mistakes"),
    ("language", "Language", "build a small GPT, train it live and watch it learn to write; "
     "generate text and look inside: attention heads, the logit lens, embeddings"),
    ("scale", "Scaling lab", "why large models are large: train one model at several sizes, fit "
     "its power law, and see what every run cost in operations, energy and CO2"),
    ("concepts", "Concepts", "the theory, computed live: activations, losses, optimizers, "
     "backpropagation, regularisation"),
    ("playground2d", "Playground 2-D", "points in the plane and a small network bending its "
     "boundary as it learns; share an experiment by its link"),
]:  # fmt: skip
    st.page_link(f"app_pages/{name}.py", label=f"{title}: {what}")
with st.expander("Datasets"):
    for info in catalog.DATASETS.values():
        st.markdown(f"**{info.label}**: {info.description} {info.credit}")
