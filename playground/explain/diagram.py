"""The Build page's network diagram: the layers top to bottom, each bar as wide as its output
is large, runs of identical layers drawn once, very deep models in a compact column."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import plotly.graph_objects as go

from playground.engine.i18n import _
from playground.tasks.image.layers import Shape, describe
from playground.tasks.image.models import Summary

_KIND_COLORS = {
    "conv2d": "#4c78a8",
    "residual": "#4c78a8",
    "maxpool2d": "#72b7b2",
    "avgpool2d": "#72b7b2",
    "batchnorm": "#eeca3b",
    "dropout": "#bab0ac",
    "flatten": "#b279a2",
    "linear": "#f58518",
}


NETWORK_DRAWN = 40  # nodes drawn as bars with labels; more are drawn in a compact column


@dataclass(frozen=True)
class _Node:
    label: str  # "Input", "3. Conv2d 8 3x3 + ReLU", or "4-203. Residual 8 (x200)"
    shape: Shape
    color: str


def _network_nodes(summary: Summary) -> list[_Node]:
    """The input and the layers, top to bottom; a run of identical layers (the same label and
    output shape, e.g. 200 residual blocks) is one node that says how many."""
    nodes = [_Node(_("Input"), summary.input_shape, "#9d9d9d")]
    rows = list(summary.layers)
    i = 0
    while i < len(rows):
        j = i
        while j + 1 < len(rows) and (rows[j + 1].label, rows[j + 1].output_shape) == (
            rows[i].label,
            rows[i].output_shape,
        ):
            j += 1
        first, last = rows[i], rows[j]
        name = f"{first.index}. {first.label}"
        if j > i:
            name = f"{first.index}-{last.index}. {first.label} (x{j - i + 1})"
        nodes.append(_Node(name, first.output_shape, _KIND_COLORS.get(first.kind, "#888")))
        i = j + 1
    return nodes


def network_figure(summary: Summary) -> go.Figure:
    """The network diagram of `summary`, made once per summary (Build redraws on every rerun)
    and copied, so that a caller may change its copy."""
    return go.Figure(_network_figure(summary))


@functools.lru_cache(maxsize=32)
def _network_figure(summary: Summary) -> go.Figure:
    """The network top to bottom: one bar per layer (or run of identical layers), its width
    growing with the size of its output, labelled with the layer and its output shape. Made in
    one go (shapes and annotations as lists: adding them one by one costs time quadratic in
    their number); beyond NETWORK_DRAWN nodes, a compact column of bars with hover text."""
    nodes = _network_nodes(summary)
    sizes = [math.log10(math.prod(n.shape) + 1) for n in nodes]
    biggest = max(sizes)
    halves = [0.1 + 0.9 * size / biggest for size in sizes]
    hover = [f"{n.label}<br>{_(describe(n.shape))}" for n in nodes]
    fig = go.Figure()
    if len(nodes) > NETWORK_DRAWN:
        fig.add_bar(
            y=[-i for i in range(len(nodes))], x=[2 * h for h in halves],
            base=[-h for h in halves], orientation="h", marker_color=[n.color for n in nodes],
            hovertext=hover, hoverinfo="text", showlegend=False,
        )  # fmt: skip
        fig.update_xaxes(visible=False, range=[-1.1, 1.1])
        fig.update_yaxes(visible=False, range=[-len(nodes) + 0.4, 0.6])
        fig.update_layout(
            height=min(900, 60 + 8 * len(nodes)),
            margin=dict(l=5, r=5, t=30, b=5),
            plot_bgcolor="rgba(0,0,0,0)",
            bargap=0.15,
            title=dict(
                font_size=13,
                text=_("{count} blocks of layers: hover for each").format(count=len(nodes) - 1),
            ),
        )
        return fig
    shapes = [
        dict(type="rect", x0=-h, x1=h, y0=-i - 0.3, y1=-i + 0.3, fillcolor=n.color,
             line=dict(width=0), opacity=0.85)
        for i, (n, h) in enumerate(zip(nodes, halves, strict=True))
    ]  # fmt: skip
    arrows = [
        dict(x=0, y=-i + 0.3, ax=0, ay=-i + 0.7, xref="x", yref="y", axref="x", ayref="y",
             showarrow=True, arrowhead=2, arrowwidth=1.5, text="")
        for i in range(1, len(nodes))
    ]  # fmt: skip
    labels = [
        dict(x=1.1, y=-i, text=f"<b>{n.label}</b>  {'x'.join(map(str, n.shape))}",
             showarrow=False, xanchor="left", font=dict(size=12))
        for i, n in enumerate(nodes)
    ]  # fmt: skip
    # invisible points carry the hover text
    fig.add_scatter(
        x=[0] * len(nodes), y=[-i for i in range(len(nodes))], mode="markers",
        marker=dict(size=24, opacity=0), hovertext=hover, hoverinfo="text", showlegend=False,
    )  # fmt: skip
    fig.update_xaxes(visible=False, range=[-1.1, 4.5])
    fig.update_yaxes(visible=False, range=[-len(nodes) + 0.4, 0.6])
    fig.update_layout(
        shapes=shapes,
        annotations=arrows + labels,
        height=40 + 34 * len(nodes),
        margin=dict(l=5, r=5, t=5, b=5),
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return fig
