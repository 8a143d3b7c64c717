"""The image task's figures for Draw, Inspect and Evaluate: class probabilities, the confusion
matrix, feature maps and filters, attributions over the image, layer statistics. Records and
tensors in, go.Figure out."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from playground.engine.i18n import N_, _
from playground.serving.curves import _TRAIN, _VAL, layout


def probabilities_figure(
    probabilities: Sequence[float], classes: Sequence[str], height: int = 280
) -> go.Figure:
    """One bar per class; the most probable one stands out."""
    top = max(range(len(probabilities)), key=lambda i: probabilities[i])
    colors = [_TRAIN if i == top else "#9ecae1" for i in range(len(probabilities))]
    fig = go.Figure(
        go.Bar(
            x=list(classes),
            y=list(probabilities),
            marker_color=colors,
            text=[f"{p:.0%}" for p in probabilities],
            textposition="outside",
            hovertemplate="%{x}: %{y:.2%}<extra></extra>",
        )
    )
    fig.update_xaxes(type="category")
    fig.update_yaxes(range=[0, 1.15], tickformat=".0%", title=N_("probability"))
    return layout(fig, N_("Probabilities"), height=height)


def confusion_figure(
    matrix: Sequence[Sequence[int]], classes: Sequence[str], mistakes_only: bool = False
) -> go.Figure:
    """Counts of true (rows) against predicted (columns) classes. With `mistakes_only` the
    diagonal is left uncoloured, so that the colours show the mistakes (its counts still show).
    Each cell also carries an invisible square marker, so that a click selects it (plotly
    reports no points for a heatmap's cells); a selected point's customdata is [true,
    predicted, count]."""
    labels = list(classes)
    k = len(labels)
    colours = [
        [None if mistakes_only and t == p else matrix[t][p] for p in range(k)] for t in range(k)
    ]
    fig = go.Figure(
        go.Heatmap(
            z=colours,
            x=labels,
            y=labels,
            colorscale="Blues",
            text=[[str(v) for v in row] for row in matrix],
            texttemplate="%{text}",
            hoverinfo="skip",
        )
    )
    fig.add_scatter(
        x=[labels[p] for t in range(k) for p in range(k)],
        y=[labels[t] for t in range(k) for p in range(k)],
        customdata=[[t, p, matrix[t][p]] for t in range(k) for p in range(k)],
        mode="markers",
        marker=dict(symbol="square", size=max(12, 400 // k), color="rgba(0,0,0,0)"),
        selected=dict(marker=dict(color="rgba(0,0,0,0)")),
        unselected=dict(marker=dict(opacity=0)),
        hovertemplate=_("true %{y}, predicted %{x}: %{customdata[2]}<br>click to see them")
        + "<extra></extra>",
        showlegend=False,
    )
    fig.update_xaxes(title=N_("predicted"), type="category", side="top")
    fig.update_yaxes(title=N_("true"), type="category", autorange="reversed")
    fig.update_layout(height=520, margin=dict(l=10, r=10, t=60, b=10), clickmode="event+select")
    return fig


def maps_figure(maps, title: str, columns: int = 8, shared_scale: bool = True) -> go.Figure:
    """Feature maps (C, H, W) as a grid of small heatmaps (one trace: a mosaic with gaps), with
    each pixel's channel and value on hover. Without a shared scale each map is
    stretched to its own range (the hover still shows the real value)."""
    maps = np.asarray(maps, dtype=np.float32)
    channels, h, w = maps.shape
    columns = min(columns, channels)
    rows = -(-channels // columns)
    shown = maps
    if not shared_scale:
        low = maps.min(axis=(1, 2), keepdims=True)
        span = maps.max(axis=(1, 2), keepdims=True) - low
        shown = np.where(span > 0, (maps - low) / np.where(span > 0, span, 1), 0.5)
    z = np.full((rows * (h + 1) - 1, columns * (w + 1) - 1), np.nan, np.float32)
    info = np.full((*z.shape, 2), np.nan, np.float32)  # channel, value
    for c in range(channels):
        top, left = (c // columns) * (h + 1), (c % columns) * (w + 1)
        z[top : top + h, left : left + w] = shown[c]
        info[top : top + h, left : left + w, 0] = c + 1
        info[top : top + h, left : left + w, 1] = maps[c]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            customdata=info,
            colorscale="Viridis",
            showscale=shared_scale,
            colorbar=dict(thickness=10),
            hoverongaps=False,
            hovertemplate="channel %{customdata[0]}: %{customdata[1]:.3f}<extra></extra>",
        )
    )
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x")
    height = max(120, min(90 * rows + 60, 600))
    fig.update_layout(title=title, height=height, margin=dict(l=5, r=5, t=40, b=5))
    return fig


def overview_figure(columns: Sequence[tuple[str, np.ndarray]]) -> go.Figure:
    """The network at a glance: one small picture a layer, left to right (the input, then each
    layer's output: its four strongest channels as a 2x2 mosaic, a dense layer's units as a
    grid), each titled. A click on one names its column (curve number)."""
    from plotly.subplots import make_subplots

    fig = make_subplots(
        rows=1, cols=len(columns), subplot_titles=[t for t, _m in columns], horizontal_spacing=0.02
    )
    for i, (_title, picture) in enumerate(columns, start=1):
        fig.add_trace(
            go.Heatmap(z=picture, colorscale="Viridis", showscale=False, hoverongaps=False,
                       hovertemplate="%{z:.3f}<extra></extra>"),
            row=1, col=i,
        )  # fmt: skip
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x")
    for i in range(2, len(columns) + 1):
        fig.update_yaxes(scaleanchor=f"x{i}", row=1, col=i)
    fig.update_annotations(font_size=11)
    fig.update_layout(height=210, margin=dict(l=5, r=5, t=60, b=5))
    return fig


def layer_picture(out: np.ndarray) -> np.ndarray:
    """A layer's output for one input as one small picture: a conv map's four strongest
    channels (by mean) as a 2x2 mosaic with a gap; a vector's units as a near-square grid."""
    out = np.asarray(out, dtype=np.float32)
    if out.ndim == 3:
        strongest = np.argsort(out.mean(axis=(1, 2)))[::-1][:4]
        h, w = out.shape[1:]
        mosaic = np.full((2 * h + 1, 2 * w + 1), np.nan, np.float32)
        for n, c in enumerate(strongest):
            top, left = (n // 2) * (h + 1), (n % 2) * (w + 1)
            mosaic[top : top + h, left : left + w] = out[c]
        return mosaic
    flat = out.reshape(-1)
    width = int(np.ceil(np.sqrt(len(flat))))
    grid = np.full(width * width, np.nan, np.float32)
    grid[: len(flat)] = flat
    return grid.reshape(width, width)[: -(-len(flat) // width)]


def bars_figure(values, title: str) -> go.Figure:
    """A vector of activations (dense layer units) as a bar strip."""
    fig = go.Figure(
        go.Bar(
            y=list(values), marker_color=_TRAIN, hovertemplate="unit %{x}: %{y:.3f}<extra></extra>"
        )
    )
    fig.update_xaxes(title=N_("unit"))
    return layout(fig, title, height=200)


def overlay_figure(image, heat, title: str) -> go.Figure:
    """An input image (H, W) in grey with a heatmap (H, W) over it, half transparent."""
    fig = go.Figure()
    fig.add_heatmap(
        z=image.tolist(), colorscale="Greys", reversescale=True, showscale=False, hoverinfo="skip"
    )
    fig.add_heatmap(
        z=heat.tolist(),
        colorscale="Hot",
        opacity=0.55,
        showscale=False,
        hovertemplate="(%{y}, %{x}): %{z:.2f}<extra></extra>",
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, autorange="reversed")
    fig.update_layout(title=title, height=300, width=300, margin=dict(l=5, r=5, t=40, b=5))
    return fig


def statistics_figure(names: Sequence[str], means, stds, dead) -> go.Figure:
    """Per layer: mean and std of its outputs (bars) and the share of dead ReLUs (a line on
    the right axis, where there is a ReLU)."""
    fig = go.Figure()
    fig.add_bar(x=list(names), y=list(means), name=N_("mean"), marker_color=_TRAIN)
    fig.add_bar(x=list(names), y=list(stds), name=N_("std"), marker_color="#9ecae1")
    fig.add_scatter(
        x=list(names),
        y=[None if d is None else d for d in dead],
        name=N_("dead ReLUs"),
        mode="markers+lines",
        connectgaps=False,
        yaxis="y2",
        marker_color=_VAL,
        hovertemplate="%{x}: %{y:.1%} dead<extra></extra>",
    )
    fig.update_layout(
        barmode="group",
        yaxis2=dict(overlaying="y", side="right", range=[0, 1], tickformat=".0%", dtick=0.25,
                    title=N_("dead ReLUs"), showgrid=False),
    )  # fmt: skip
    fig.update_xaxes(type="category")
    return layout(fig, N_("Layer statistics over a batch of test images"), height=340)


def statistics_history_figure(steps: Sequence[int], series: dict[str, Sequence], title: str):
    """One line per layer over training steps (e.g. the share of dead ReLUs)."""
    fig = go.Figure()
    for name, values in series.items():
        fig.add_scatter(x=list(steps), y=list(values), name=name, mode="lines+markers")
    fig.update_xaxes(title=N_("step"))
    return layout(fig, title, height=300)
