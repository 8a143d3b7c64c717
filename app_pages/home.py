"""The Home page: what this is, where training runs, and a quick start."""

import streamlit as st

from playground.engine.i18n import _
from playground.tasks.image import catalog
from playground.ui import state

st.title(_("Deep Learning Playground"))
st.markdown(
    _(
        "Learn deep learning by doing it, on real PyTorch: put a network together from layers, "
        "train it while its loss and accuracy curves grow live, and see what each choice of "
        "optimizer, learning rate or layer does."
    )
)
st.caption(_("Training runs on {device}.").format(device=state.machine_device()))

st.subheader(_("Quick start"))
QUICK_START = [
    (_("1. Pick a model"), _("Start from a preset such as {preset} or stack your own layers; "
     "the table shows each layer's shape and size.").format(
         preset=_(catalog.PRESETS["seed-cnn"].label)),
     "app_pages/build.py", _("Build a model"), ":material/construction:"),
    (_("2. Train it"), _("Choose the data, optimizer and learning rate, press Start training "
     "and watch the curves. Pause, stop or change the learning rate while it runs."),
     "app_pages/train.py", _("Train"), ":material/monitoring:"),
    (_("3. Draw"), _("Draw a digit and watch the model read it as you draw, with the steps that "
     "turn your drawing into what it sees. Every job is also saved as a run to compare on "
     "Train."),
     "app_pages/draw.py", _("Draw"), ":material/draw:"),
]  # fmt: skip
for col, (title, text, page, label, icon) in zip(st.columns(3), QUICK_START, strict=True):
    with col.container(border=True):
        st.markdown(f"**{title}**")
        st.write(text)
        st.page_link(page, label=label, icon=icon)

st.subheader(_("What is here"))
for name, title, what in [
    ("build", _("Build"), _("the layer stack editor, with shapes, parameters and a diagram")),
    ("train", _("Train"), _("training settings, live curves, and every run so far")),
    ("draw", _("Draw"), _("draw a digit; the model's answer and what it sees")),
    ("inspect", _("Inspect"), _("feature maps, filters, saliency and Grad-CAM for one input")),
    ("evaluate", _("Evaluate"), _("the whole test set: scores, confusion matrix, mistakes")),
    ("language", _("Language"), _("build a small GPT, train it live and watch it learn to "
     "write; generate text and look inside: attention heads, the logit lens, embeddings")),
    ("scale", _("Scaling lab"), _("why large models are large: train one model at several "
     "sizes, fit its power law, and see what every run cost in operations, energy and CO2")),
    ("concepts", _("Concepts"), _("the theory, computed live: activations, losses, "
     "optimizers, backpropagation, regularisation")),
    ("playground2d", _("Playground 2-D"), _("points in the plane and a small network bending "
     "its boundary as it learns; share an experiment by its link")),
]:  # fmt: skip
    st.page_link(f"app_pages/{name}.py", label=_("{title}: {what}").format(title=title, what=what))
with st.expander(_("Datasets")):
    for info in catalog.DATASETS.values():
        st.markdown(f"**{_(info.label)}**: {_(info.description)} {_(info.credit)}")
