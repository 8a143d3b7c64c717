"""The Home page: a trained model reading what you draw, on the first screen, and every page
of the app as a card (from the one table of pages that the navigation reads too)."""

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from playground.datasets import image_sets
from playground.engine.i18n import _
from playground.explain.drawing import Steps, prepare
from playground.ui import model_picker, pages, state
from playground.ui.inspect import draw_view

st.title(_("Deep Learning Playground"))
st.markdown(
    _(
        "Learn deep learning by doing it, on real PyTorch: put a network together from layers, "
        "train it while its loss and accuracy curves grow live, and see what each choice of "
        "optimizer, learning rate or layer does."
    )
)


@st.fragment
def try_it() -> None:
    """A stroke reruns only this: the pretrained model's answer as soon as the mouse lifts."""
    choice = model_picker.load(model_picker.PRETRAINED)
    left, right = st.columns([1, 1])
    with left:
        st.subheader(_("Draw a digit"))
        canvas = st_canvas(
            stroke_width=22, stroke_color="#FFFFFF", background_color="#000000", height=280,
            width=280, drawing_mode="freedraw", return_image_data=True, key="home-canvas",
        )  # fmt: skip
    image = getattr(canvas, "image_data", None)
    prepared = prepare(np.asarray(image), Steps()) if image is not None else None
    with right:
        st.subheader(_("What a trained network reads"))
        draw_view.prediction(choice, prepared, key="home")
        st.page_link(
            "app_pages/draw.py",
            label=_("More on Draw: what it sees, teach it your handwriting"),
            icon=":material/draw:",
        )
        st.page_link(
            "app_pages/train.py", label=_("Train your own on Train"), icon=":material/monitoring:"
        )


try_it()
st.caption(_("Training runs on {device}.").format(device=state.machine_device()))

listed = pages.all_pages()
for section in pages.sections(listed):
    shown = [p for p in listed if p.section == section and p.url]
    if not shown:
        continue
    st.subheader(_(section))
    for first in range(0, len(shown), 5):  # rows of five cards of one size, every page a card
        for col, page in zip(st.columns(5), shown[first : first + 5], strict=False):
            with col.container(border=True, height="stretch"):
                st.page_link(page.file, label=_(page.title), icon=page.icon)
                st.caption(_(page.what))
with st.expander(_("Datasets")):
    for info in image_sets.DATASETS.values():
        st.markdown(f"**{_(info.label)}**: {_(info.description)} {_(info.credit)}")
