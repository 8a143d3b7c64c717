"""Inspect's first view: the network at a glance (the input, then one small picture a layer,
left to right), and one layer opened in full below it: a click on the glance, or the picker,
opens another. A Dropout layer passes its input on unchanged while the model answers, and a
Flatten only reshapes it, so neither repeats the pictures of the layer before it."""

from __future__ import annotations

import streamlit as st
import torch

from playground.engine.i18n import _
from playground.explain import figures
from playground.ui.chart_clicks import new_click
from playground.ui.model_picker import Choice

MAX_CHANNELS = 32  # feature maps drawn for the opened layer
SAME_AS_BEFORE = ("dropout", "flatten")  # while the model answers: the layer before's numbers
_OPEN, _GLANCE = "inspect-open", "inspect-overview"


def overview(choice: Choice, image, maps: list[torch.Tensor]) -> None:
    """The glance and the opened layer, for one input (`image`, H x W) and its `maps`."""
    shown = [i for i, layer in enumerate(choice.spec.layers) if layer.kind not in SAME_AS_BEFORE]
    names = {i: f"{i + 1} {_(choice.spec.layers[i].label)}" for i in shown}
    columns = [
        (_("Input"), image),
        *(
            (names[i].replace(" ", "<br>", 1), figures.layer_picture(maps[i][0].numpy()))
            for i in shown
        ),
    ]
    st.caption(
        _(
            "The network at a glance: each layer's four strongest maps (a dense layer's units "
            "as a grid). Click a layer to open it below."
        )
    )
    st.plotly_chart(figures.overview_figure(columns), key=_GLANCE, on_select="rerun",
                    selection_mode="points", config={"displayModeBar": False})  # fmt: skip
    click = new_click(_GLANCE)
    if click and 0 < click.get("curve_number", 0) <= len(shown):
        st.session_state[_OPEN] = shown[click["curve_number"] - 1]
    if st.session_state.get(_OPEN) not in shown:
        st.session_state[_OPEN] = shown[0]
    skipped = [i for i in range(len(choice.spec.layers)) if i not in shown]
    if skipped:
        st.caption(
            _(
                "Not drawn: {layers}. While the model answers, Dropout passes its input on "
                "unchanged and Flatten only lays it out in a row: the same numbers as the layer "
                "before."
            ).format(layers=", ".join(f"{i + 1} {_(choice.spec.layers[i].label)}" for i in skipped))
        )
    cols = st.columns([2, 1], vertical_alignment="bottom")
    opened = cols[0].selectbox(_("Open layer"), shown, format_func=names.get, key=_OPEN)
    shared = cols[1].toggle(_("One colour scale per layer"), True, key="inspect-shared")
    out = maps[opened]
    title = _("Layer {n}: {layer} -> {shape}").format(
        n=opened + 1,
        layer=_(choice.spec.layers[opened].label),
        shape="x".join(map(str, out.shape[1:])),
    )
    if out.dim() == 4:
        figure = figures.maps_figure(out[0][:MAX_CHANNELS], title, shared_scale=shared)
        if out.shape[1] > MAX_CHANNELS:
            st.caption(
                _("The first {n} of its {count} channels.").format(
                    n=MAX_CHANNELS, count=out.shape[1]
                )
            )
    else:
        figure = figures.bars_figure(out[0].tolist(), title)
    st.plotly_chart(figure, key=f"inspect-map-{opened}")
