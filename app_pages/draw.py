"""The Draw page: draw a digit and see a model read it; teach it your handwriting."""

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from playground.engine.i18n import _
from playground.explain.drawing import prepare
from playground.ui import last_drawing, model_picker, visibility
from playground.ui.inspect import draw_view, teach

LIVE_SECONDS = 2.0

st.title(_("Draw a digit"))
choice = model_picker.pick(teach.PICKER)
if choice is not None and tuple(choice.spec.input_shape) != (1, 28, 28):
    st.error(
        _(
            "This model takes inputs of shape {input_shape}, not a 28x28 drawing: "
            "pick another model."
        ).format(input_shape=list(choice.spec.input_shape)),
        icon=":material/error:",
    )
    choice = None


def board() -> None:
    current = choice.refreshed() if choice is not None else None  # a live job's newest weights
    left, right = st.columns([1, 1])
    with left:
        stroke = st.slider(_("Stroke width"), 8, 40, 22, key="draw-stroke")
        canvas = st_canvas(
            stroke_width=stroke,
            stroke_color="#FFFFFF",
            background_color="#000000",
            height=280,
            width=280,
            drawing_mode="freedraw",
            return_image_data=True,
            key="draw-canvas",
        )
    image = getattr(canvas, "image_data", None)
    steps = draw_view.current_steps()
    prepared = prepare(np.asarray(image), steps) if image is not None else None
    with right:
        answer = draw_view.prediction(current, prepared)
    draw_view.step_toggles()
    if prepared is not None and not prepared.empty:
        last_drawing.keep(prepared.image)  # for Inspect and Generate
        st.subheader(_("What the model sees"))
        draw_view.what_the_model_sees(prepared)
        st.page_link(
            "app_pages/inspect.py",
            label=_("Look inside: this drawing layer by layer on Inspect"),
            icon=":material/visibility:",
        )
    teach.panel(current, prepared, answer)


# A stroke reruns only this part of the page, so the answer comes sooner. With the live job
# chosen it also reruns every few seconds: the same drawing, answered by newer weights.
live = choice is not None and choice.live
st.fragment(board, run_every=visibility.every(LIVE_SECONDS) if live else None)()
