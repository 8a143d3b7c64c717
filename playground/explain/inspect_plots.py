"""Figures for Inspect's deeper views: one feature map whose pixels can be clicked, a
convolution worked out (patch, kernel, products, with their numbers), and a replay curve.
Data in, go.Figure out, as in plots.py."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground.engine.i18n import _
from playground.explain.inside import WorkedConvolution

MAX_WORKED_CHANNELS = 4  # input channels drawn in a worked convolution; the rest are summed


def clickable_map_figure(values, title: str, picked: tuple[int, int] | None = None) -> go.Figure:
    """One feature map (h, w) as a heatmap; each pixel carries an invisible marker so that a
    click selects it (plotly reports no points for a heatmap's cells): a selected point's
    customdata is [row, col, value]. `picked` is outlined."""
    v = np.asarray(values, dtype=np.float32)
    h, w = v.shape
    rows, cols = np.mgrid[0:h, 0:w]
    fig = go.Figure(
        go.Heatmap(z=v, colorscale="Viridis", hoverinfo="skip", colorbar=dict(thickness=10))
    )
    fig.add_scatter(
        x=cols.ravel().tolist(),
        y=rows.ravel().tolist(),
        customdata=np.stack([rows.ravel(), cols.ravel(), v.ravel()], 1).tolist(),
        mode="markers",
        marker=dict(symbol="square", size=max(6, 380 // max(h, w)), color="rgba(0,0,0,0)"),
        selected=dict(marker=dict(color="rgba(0,0,0,0)")),
        unselected=dict(marker=dict(opacity=0)),
        hovertemplate=_(
            "row %{customdata[0]}, column %{customdata[1]}: %{customdata[2]:.4f}"
            "<br>click to work it out"
        )
        + "<extra></extra>",
        showlegend=False,
    )
    if picked is not None:
        r, c = picked
        fig.add_shape(type="rect", x0=c - 0.5, x1=c + 0.5, y0=r - 0.5, y1=r + 0.5,
                      line=dict(color="red", width=3))  # fmt: skip
    fig.update_xaxes(visible=False, constrain="domain", range=[-0.5, w - 0.5])
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x")
    fig.update_layout(title=title, height=420, width=440, margin=dict(l=5, r=5, t=40, b=5),
                      clickmode="event+select")  # fmt: skip
    return fig


def worked_figure(worked: WorkedConvolution) -> go.Figure:
    """For each input channel (the first few): the patch under the kernel, the kernel and
    their products, each cell with its number."""
    channels = min(worked.patch.shape[0], MAX_WORKED_CHANNELS)
    titles = []
    for c in range(channels):
        titles += [
            _("input channel {channel}: patch").format(channel=c + 1),
            _("kernel"),
            _("patch x kernel"),
        ]
    fig = make_subplots(rows=channels, cols=3, subplot_titles=titles, horizontal_spacing=0.06,
                        vertical_spacing=0.08 if channels > 1 else 0.1)  # fmt: skip
    for c in range(channels):
        for j, grid in enumerate((worked.patch[c], worked.kernel[c], worked.products[c])):
            z = grid.numpy()
            fig.add_trace(
                go.Heatmap(
                    z=z, text=[[f"{x:.2f}" for x in row] for row in z], texttemplate="%{text}",
                    colorscale="RdBu", zmid=0, showscale=False,
                    hovertemplate="%{z:.4f}<extra></extra>",
                ),
                row=c + 1, col=j + 1,
            )  # fmt: skip
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, autorange="reversed")
    k = worked.patch.shape[-1]
    fig.update_layout(
        height=min(900, channels * (60 + 28 * k) + 40), margin=dict(l=5, r=5, t=40, b=5)
    )
    return fig
