"""Inside a VAE, on the Generate page: its 2-D latent space (test digits at their points, a
click decodes any point, the whole plane decoded on a grid), its reconstructions of test
digits, and the straight line between two digits (test ones, or the last one drawn on Draw)."""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from playground.engine.i18n import _
from playground.tasks.generate import figures, sampling, score
from playground.ui import last_drawing
from playground.ui.chart_clicks import new_click
from playground.ui.generate.real_digits import first_of, test_images

REACH = 3.0  # the latent plane drawn, from -REACH to REACH on both numbers
POINTS = 1000  # test digits placed in the plane
LATENT = "generate-latent"  # the latent chart's key: its selection holds a click
_PICKED = "generate-latent-picked"
DRAWING = "drawing"  # the interpolation's end that is the last drawing


def show(picked) -> None:
    """Every view, for a VAE (nothing for another family)."""
    if picked.spec.family != "vae":
        return
    st.subheader(_("Inside the VAE"))
    if picked.spec.latent == 2:
        _plane(picked)
    _reconstructions(picked)
    _line(picked)


@st.cache_data(max_entries=16, show_spinner=False)
def _means(key: str, dataset: str, _model):
    found = test_images(dataset)
    if found is None:
        return None
    x, y = found[0][:POINTS], found[1][:POINTS]
    with torch.no_grad():
        mean = _model.encode(x, y if _model.conditional else None)[0]
    return mean.tolist(), y.tolist()


def _plane(picked) -> None:
    model, spec = picked.model, picked.spec
    digit = 0
    if spec.conditional:
        digit = st.slider(_("Digit"), 0, 9, 7, key="generate-map-digit")
    clicked = new_click(LATENT)
    if clicked is not None and "x" in clicked:
        st.session_state[_PICKED] = (float(clicked["x"]), float(clicked["y"]))
    at = st.session_state.get(_PICKED)
    left, right = st.columns([3, 2])
    found = _means(picked.key, picked.dataset, model)
    if found is not None:
        fig = figures.latent_figure(*found, REACH, at)
        left.plotly_chart(fig, key=LATENT, on_select="rerun", selection_mode="points")
    with right:
        if at is not None:
            y = torch.tensor([digit]) if spec.conditional else None
            image = model.make(torch.tensor([at], dtype=torch.float32), y)
            said = _("Decoded at ({x:.2f}, {y:.2f})").format(x=at[0], y=at[1])
            st.image(sampling.grid(image, columns=1), width=140, clamp=True, caption=said)
        else:
            st.caption(_("Click anywhere in the plane: the decoder draws that point here."))
        st.image(sampling.grid(sampling.latent_map(model, digit=digit), columns=15, gap=0),
                 width=300, clamp=True)  # fmt: skip
        if spec.conditional:
            st.caption(_("The whole plane decoded as the digit above, from -3 to 3 (left to "
                         "right, top to bottom). Told the class, its two numbers hold only the "
                         "style: slant, width, stroke."))  # fmt: skip
        else:
            st.caption(_("The whole plane decoded, from -3 to 3 (left to right, top to bottom). "
                         "Neighbours look alike: the encoder put similar digits near each "
                         "other."))  # fmt: skip


def _reconstructions(picked) -> None:
    found = test_images(picked.dataset)
    if found is None:
        return
    x, y = found[0][:10], found[1][:10]
    again = sampling.reconstruct(picked.model, x, y)
    st.markdown(_("**Reconstructions**: ten test images (top) and what the decoder draws from "
                  "each one's point (bottom)."))  # fmt: skip
    st.image(sampling.grid(torch.cat([x, again]), columns=10), width=560, clamp=True)


def _line(picked) -> None:
    st.markdown(_("**Between two digits**: the straight line from one's point to the other's, "
                  "decoded."))  # fmt: skip
    drawn = last_drawing.get()
    options = [str(d) for d in range(10)] + ([DRAWING] if drawn is not None else [])
    name = {DRAWING: _("your last drawing")}

    def label(o: str) -> str:
        return name.get(o, _("a test {digit}").format(digit=o))

    cols = st.columns(2)
    a = cols[0].selectbox(_("From"), options, index=len(options) - 1 if drawn is not None else 1,
                          format_func=label, key="generate-from")  # fmt: skip
    b = cols[1].selectbox(_("To"), options, index=7, format_func=label, key="generate-to")
    ends = []
    for choice in (a, b):
        if choice == DRAWING:
            image = torch.from_numpy(np.asarray(drawn, dtype=np.float32)).unsqueeze(0)
            ends.append((image, _read_as(image)))
        else:
            image = first_of(picked.dataset, int(choice))
            if image is None:
                st.caption(_("This model's test images are not on this server."))
                return
            ends.append((image, int(choice)))
    images = sampling.interpolate(picked.model, ends[0][0], ends[1][0], ends[0][1], ends[1][1])
    st.image(sampling.grid(images, columns=len(images)), width=560, clamp=True)
    if drawn is None:
        st.caption(_("Draw a digit on Draw, and it can be one end of the line."))


def _read_as(image: torch.Tensor) -> int:
    """The class the app's classifier reads a drawing as (a model told the class needs one)."""
    return score.read(image.unsqueeze(0)).classes[0]
