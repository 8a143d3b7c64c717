"""Inspect's "Worked convolution": click a pixel of a conv layer's feature map and see how it
was made, as CNN Explainer shows it, for any model built here."""

from __future__ import annotations

import streamlit as st
import torch

from playground.engine.i18n import _
from playground.explain import inside, inspect_plots
from playground.ui.chart_clicks import new_click
from playground.ui.model_picker import Choice

_CHART = "inspect-worked-map"
_ROW, _COL = "inspect-worked-row", "inspect-worked-col"


def worked(choice: Choice, x: torch.Tensor, maps: list[torch.Tensor]) -> None:
    model, spec = choice.model, choice.spec
    convs = inside.conv_layers(model)
    if not convs:
        st.caption(
            _("This model has no conv layers: Linear layers are one sum each, shown as bars.")
        )
        return
    cols = st.columns(2)
    layer = cols[0].selectbox(
        _("Conv layer"),
        convs,
        key="inspect-worked-layer",
        format_func=lambda i: _("Layer {value}: {label}").format(
            value=i + 1, label=spec.layers[i].label
        ),
    )
    out = maps[layer][0]  # (C, h, w)
    channel = (
        int(cols[1].number_input(_("Channel"), 1, out.shape[0], 1, key="inspect-worked-ch")) - 1
    )
    h, w = out.shape[1:]
    clicked = new_click(_CHART)
    if clicked and "customdata" in clicked:
        st.session_state[_ROW], st.session_state[_COL] = (int(v) for v in clicked["customdata"][:2])
    if (
        st.session_state.get(_ROW, 0) >= h
        or st.session_state.get(_COL, 0) >= w
        or (_ROW not in st.session_state)
    ):
        top = int(out[channel].argmax())  # start where the map is brightest
        st.session_state[_ROW], st.session_state[_COL] = top // w, top % w
    row, col = st.session_state[_ROW], st.session_state[_COL]
    left, right = st.columns([1, 1])
    with left:
        st.caption(_("Click a pixel of the map to see how its value was made."))
        st.plotly_chart(
            inspect_plots.clickable_map_figure(
                out[channel],
                _("Layer {value}, channel {value2}").format(value=layer + 1, value2=channel + 1),
                (row, col),
            ),
            key=_CHART,
            on_select="rerun",
            selection_mode="points",
            config={"displayModeBar": False},
        )
        pick = st.columns(2)
        pick[0].number_input(_("Row"), 0, h - 1, key=_ROW)
        pick[1].number_input(_("Column"), 0, w - 1, key=_COL)
    with right:
        _explain(inside.worked_convolution(model, x, layer, channel, row, col, maps))


def _explain(worked: inside.WorkedConvolution) -> None:
    cin, k = worked.patch.shape[0], worked.patch.shape[-1]
    activation = _("no activation") if worked.activation == "none" else worked.activation
    where = _(
        "**Row {row}, column {col}**: the {k}x{k} kernel of channel {channel} lies over "
        "the layer's input there"
    ).format(row=worked.row, col=worked.col, k=k, channel=worked.channel + 1)
    if cin > 1:
        where += _(" (all {cin} input channels)").format(cin=cin)
    st.markdown(
        where + _("; each input value is multiplied by the kernel's weight at the same place.")
    )
    st.markdown(
        _(
            "Sum of the {numel:,} products = `{total:.5f}`  \n\\+ bias `{bias:+.5f}` = "
            "`{pre_activation:.5f}`  \n{activation} → **`{value:.5f}`**  \nThe feature "
            "map holds `{map_value:.5f}` (they differ by {abs:.1e})."
        ).format(
            numel=worked.products.numel(),
            total=worked.total,
            bias=worked.bias,
            pre_activation=worked.pre_activation,
            activation=activation,
            value=worked.value,
            map_value=worked.map_value,
            abs=abs(worked.value - worked.map_value),
        )
    )
    if cin > inspect_plots.MAX_WORKED_CHANNELS:
        st.caption(
            _("Input channels {value}-{cin} are not drawn; their products are in the sum.").format(
                value=inspect_plots.MAX_WORKED_CHANNELS + 1, cin=cin
            )
        )
    st.plotly_chart(
        inspect_plots.worked_figure(worked),
        key="inspect-worked-figure",
        config={"displayModeBar": False},
    )
