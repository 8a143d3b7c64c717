"""Plotly figures for Playground 2-D: the decision boundary with the points, the loss curves,
and the network with every neuron's output over the plane. Data in, go.Figure out."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from playground.engine.i18n import N_, _
from playground.playground2d import picture
from playground.playground2d.data import CLASSIFICATION, LIMIT, Points
from playground.serving.curves import translated

# TensorFlow Playground's colours: orange for negative / class 0, blue for positive / class 1.
SCALE = [[0.0, "#f59322"], [0.5, "#e8eaeb"], [1.0, "#0877bd"]]
_TRAIN, _TEST = "#1f77b4", "#ff7f0e"
# More than two classes: orange and blue first, as above, then green, purple, red and brown.
CLASS_COLOURS = ("#f59322", "#0877bd", "#2ca02c", "#9467bd", "#d62728", "#8c564b")


def class_scale(classes: int) -> list:
    """A colour scale of `classes` flat bands, for class indices 0 .. classes - 1."""
    scale = []
    for k in range(classes):
        scale += [[k / classes, CLASS_COLOURS[k]], [(k + 1) / classes, CLASS_COLOURS[k]]]
    return scale


CLICK_GRID = 30  # invisible markers per side that make the plane clickable


def _range(kind: str) -> tuple[float, float]:
    return (0.0, 1.0) if kind == CLASSIFICATION else (-1.0, 1.0)


def boundary_figure(
    side: Sequence[float],
    values,
    points: Points,
    show_test: bool,
    title: str,
    clickable: bool = False,
    discretize: bool = False,
    value_range: tuple[float, float] | None = None,
) -> go.Figure:
    """The network's output over the plane as a picture behind the points (with `discretize`,
    in two colours: the side of the middle it is on), with the training points (white edge)
    and, if asked, the test points (black edge). With `clickable`, an invisible grid of markers
    makes any place selectable (plotly reports no points for a picture); it is left out
    otherwise, as it is most of what the browser redraws."""
    fig = boundary_base(side, points, show_test, title, clickable, discretize, value_range)
    fig.update_layout(images=[boundary_image(side, values, points, discretize, value_range)])
    return fig


def _colours(points: Points, value_range) -> tuple[float, float, object, bool]:
    """(low, high, colour scale, one colour a class) of the output's picture."""
    low, high = value_range or _range(points.kind)  # a hidden neuron's: -1 to 1
    many = points.kind == CLASSIFICATION and points.classes > 2 and value_range is None
    if many:  # the most probable class at each place, a colour a class
        return 0, points.classes - 1, class_scale(points.classes), True
    return low, high, SCALE, False


def boundary_values(
    values, points: Points, discretize: bool = False, value_range: tuple[float, float] | None = None
) -> np.ndarray:
    """The output's values as the picture shows them (with `discretize`, low or high)."""
    low, high, _scale, many = _colours(points, value_range)
    z = np.asarray(values, np.float32)
    if discretize and not many:  # two colours: which side of the middle the output is on
        z = np.where(z >= (low + high) / 2, high, low).astype(np.float32)
    return z


def boundary_image(side: Sequence[float], values, points: Points, discretize: bool = False,
                   value_range: tuple[float, float] | None = None) -> dict:  # fmt: skip
    """The boundary's picture as a plotly layout image over the plane: the only part of the
    chart that changes while the network trains, so a page redraws it several times a second
    by replacing it alone (the browser then redraws one image, not the chart)."""
    low, high, scale, many = _colours(points, value_range)
    rgb = picture.colour(
        boundary_values(values, points, discretize, value_range)[::-1], low, high, scale
    )
    if many:
        rgb = picture.faded(rgb, 0.75)
    first, last = float(side[0]), float(side[-1])
    cell = (last - first) / max(len(side) - 1, 1)
    return dict(
        source=picture.png(rgb),
        xref="x",
        yref="y",
        x=first - cell / 2,
        y=last + cell / 2,
        sizex=last - first + cell,
        sizey=last - first + cell,
        xanchor="left",
        yanchor="top",
        sizing="stretch",
        layer="below",
        name="boundary",
    )


_REVISION = itertools.count()


def boundary_base(
    side: Sequence[float],
    points: Points,
    show_test: bool,
    title: str,
    clickable: bool = False,
    discretize: bool = False,
    value_range: tuple[float, float] | None = None,
) -> go.Figure:
    """The boundary chart without its picture (boundary_image): the plane, the points and the
    titles, which change only when the experiment does. Its data revision is its own, so the
    browser redraws only the picture when a frame replaces it."""
    low, high, _scale, many = _colours(points, value_range)
    fig = go.Figure()
    step = np.linspace(-LIMIT, LIMIT, CLICK_GRID)
    gx, gy = np.meshgrid(step, step)
    fig.add_scatter(
        visible=clickable,
        x=gx.ravel(),
        y=gy.ravel(),
        mode="markers",
        showlegend=False,
        hoverinfo="skip",
        marker=dict(size=16, color="rgba(0,0,0,0)"),
        name=N_("click"),
        selected=dict(marker=dict(color="rgba(0,0,0,0)")),
        unselected=dict(marker=dict(opacity=0)),
    )
    for train in (True, False) if show_test else (True,):
        x, y = points.split(train)
        fig.add_scatter(
            x=x[:, 0].numpy(),
            y=x[:, 1].numpy(),
            mode="markers",
            name=N_("training points") if train else N_("test points"),
            marker=dict(
                size=7,
                color=y.numpy(),
                colorscale=class_scale(points.classes) if many else SCALE,
                cmin=0 if many else low,
                cmax=points.classes - 1 if many else high,
                line=dict(color="white" if train else "black", width=1),
            ),
            hovertemplate="(%{x:.2f}, %{y:.2f}): label %{marker.color:.2f}<extra></extra>",
        )
    fig.update_xaxes(
        range=[-LIMIT, LIMIT], title=N_("x1"), constrain="domain", showgrid=False, zeroline=False
    )
    fig.update_yaxes(range=[-LIMIT, LIMIT], title=N_("x2"), scaleanchor="x", constrain="domain",
                     showgrid=False, zeroline=False)  # fmt: skip
    fig.update_layout(
        title=title,
        height=480,
        margin=dict(l=10, r=10, t=40, b=10),
        clickmode="event+select",
        dragmode=False,
        legend=dict(orientation="h", y=-0.12),
        datarevision=f"boundary-{next(_REVISION)}",
    )
    return translated(fig)


_INVISIBLE_SELECTION = {  # clicking selects, but nothing fades or changes colour
    "selected": dict(marker=dict(opacity=1)),
    "unselected": dict(marker=dict(opacity=1)),
}


def _bias_squares(fig: go.Figure, places, bias, size: float, last: bool, column: int) -> None:
    """Each neuron's bias: a small square at its lower left, coloured on the fixed scale."""
    bias = np.asarray(bias, np.float64).ravel()
    what = [_("output") if last else _cell(column, j) for j in range(len(bias))]
    fig.add_scatter(
        x=[x - size / 2 - 0.12 for x, _y in places],
        y=[y - size / 2 + 0.05 for _x, y in places],
        mode="markers",
        marker=dict(
            symbol="square",
            size=9,
            color=bias.tolist(),
            colorscale=SCALE,
            cmin=-1,
            cmax=1,
            line=dict(color="#555", width=1),
        ),
        customdata=[["bias", column - 1, j, w] for j, w in enumerate(what)],
        hovertemplate=_("bias of %{customdata[3]}: %{marker.color:+.3f}<br>click to type a new one")
        + "<extra></extra>",
        showlegend=False,
        name=N_("bias"),
        **_INVISIBLE_SELECTION,
    )


def loss_figure(train: Sequence[float], test: Sequence[float], limit: int = 500) -> go.Figure:
    """Train and test loss per epoch (thinned to `limit` points)."""
    every = max(1, len(train) // limit)
    epochs = list(range(0, len(train), every))
    fig = go.Figure()
    fig.add_scatter(
        x=epochs, y=[train[i] for i in epochs], name=N_("train loss"), line_color=_TRAIN
    )
    fig.add_scatter(x=epochs, y=[test[i] for i in epochs], name=N_("test loss"), line_color=_TEST)
    fig.update_xaxes(title=N_("epoch"))
    fig.update_yaxes(title=N_("loss"), rangemode="tozero")
    fig.update_layout(
        height=240,
        margin=dict(l=10, r=10, t=30, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1),
    )
    return translated(fig)


def network_figure(
    columns: Sequence,
    weights: Sequence,
    names: Sequence[str],
    kind: str,
    biases: Sequence = (),
) -> go.Figure:
    """Each feature, hidden neuron and the output as a small heatmap of its value over the
    plane, in columns; edges between them coloured by the weight's sign (blue +, orange -) and
    as thick as its size; each neuron's bias a small square at its lower left. Thumbnails, edges
    and biases share one fixed scale, -1 to 1 (the output: its own range), with a legend, so two
    neurons compare by eye. Hover on an edge's middle for its weight, on a square for its bias."""
    gap, size = 3.0, 1.0
    tallest = max(len(c) for c in columns)
    places = []  # per column: the (x, y) centre of each unit
    for i, column in enumerate(columns):
        n = len(column)
        places.append([(i * gap, (n - 1) / 2 * 1.25 - j * 1.25) for j in range(n)])
    fig = go.Figure()
    largest = 1.0  # the fixed scale: |weight| 1 or more is the thickest edge
    buckets: dict[tuple[str, int], list] = {}
    mids_x, mids_y, mids_text, mids_data = [], [], [], []
    for layer, w in enumerate(weights):
        w = np.asarray(w)
        for j, (xb, yb) in enumerate(places[layer + 1]):
            for k, (xa, ya) in enumerate(places[layer]):
                value = float(np.nan_to_num(w[j, k]))
                width = 1 + int(4 * min(abs(value), largest) / largest)
                key = ("#0877bd" if value >= 0 else "#f59322", width)
                if value == 0:  # exactly 0: a dropped link (L1 pruning), or all-zero weights
                    key = ("#bbbbbb", 0)
                buckets.setdefault(key, []).extend(
                    [(xa + size / 2, ya), (xb - size / 2, yb), (None, None)]
                )
                mids_x.append((xa + xb) / 2)
                mids_y.append((ya + yb) / 2)
                source = names[k] if layer == 0 else _neuron(k, layer)
                target = _("the output") if layer == len(weights) - 1 else _neuron(j, layer + 1)
                mids_text.append(f"{value:+.3f}: {source} -> {target}")
                mids_data.append(["link", layer, j, k, f"{source} -> {target}", value])
    for (colour, width), segment in buckets.items():
        fig.add_scatter(
            x=[p[0] for p in segment],
            y=[p[1] for p in segment],
            mode="lines",
            line=dict(color=colour, width=width or 1, dash="dot" if width == 0 else "solid"),
            opacity=0.6,
            hoverinfo="skip",
            showlegend=False,
        )
    fig.add_scatter(  # the middle of each link: hover for its weight, click to type one
        x=mids_x,
        y=mids_y,
        mode="markers",
        marker=dict(size=10, color="rgba(0,0,0,0)"),
        text=mids_text,
        customdata=mids_data,
        hovertemplate=_("weight %{text}<br>click to type a new one") + "<extra></extra>",
        showlegend=False,
        name=N_("links"),
        **_INVISIBLE_SELECTION,
    )
    out_low, out_high = _range(kind)
    for i, column in enumerate(columns):
        last = i == len(columns) - 1
        for j, (x, y) in enumerate(places[i]):
            z = np.asarray(column[j], np.float32)
            low, high = (out_low, out_high) if last else (-1.0, 1.0)
            label = names[j] if i == 0 else (_("output") if last else _cell(i, j))
            r = z.shape[0]
            fig.add_heatmap(
                z=z,
                x0=x - size / 2,
                dx=size / r,
                y0=y - size / 2,
                dy=size / r,
                zmin=low,
                zmax=high,
                colorscale=SCALE,
                showscale=False,
                hovertemplate=f"{label}: %{{z:.3f}}<extra></extra>",
            )
        if i > 0 and i - 1 < len(biases):
            _bias_squares(fig, places[i], biases[i - 1], size, last, i)
        if i > 0:  # each neuron: a click shows its output in the big view
            labels = [_("the output") if last else _cell(i, j) for j in range(len(places[i]))]
            fig.add_scatter(
                x=[x for x, _y in places[i]],
                y=[y for _x, y in places[i]],
                mode="markers",
                marker=dict(symbol="square", size=22, color="rgba(0,0,0,0)"),
                customdata=[["neuron", i, j, labels[j]] for j in range(len(places[i]))],
                hovertemplate=_("%{customdata[3]}<br>click to see it in the big view")
                + "<extra></extra>",
                showlegend=False,
                name=N_("neurons"),
                **_INVISIBLE_SELECTION,
            )
        title = (_("features") if i == 0 else _("output") if i == len(columns) - 1
                 else _("layer {i}").format(i=i))  # fmt: skip
        fig.add_annotation(x=i * gap, y=(tallest - 1) / 2 * 1.25 + 1.0, text=title, showarrow=False)
        if i == 0:
            for j, (x, y) in enumerate(places[0]):
                fig.add_annotation(
                    x=x - size / 2 - 0.1, y=y, text=names[j], showarrow=False, xanchor="right"
                )
    fig.add_heatmap(  # the legend: one colour bar for every thumbnail, edge and bias
        z=[[-1.0, 1.0]], x=[0, 0], y=[0, 0], opacity=0, zmin=-1, zmax=1, colorscale=SCALE,
        hoverinfo="skip", colorbar=dict(thickness=10, len=0.6, title=dict(text=_("value")),
                                        tickvals=[-1, 0, 1]),
    )  # fmt: skip
    fig.update_xaxes(visible=False, range=[-2.2, (len(columns) - 1) * gap + 0.8])
    fig.update_yaxes(visible=False, scaleanchor="x")
    fig.update_layout(
        height=int(max(260, 34 * 1.25 * tallest + 90)),
        margin=dict(l=5, r=5, t=10, b=5),
        plot_bgcolor="white",
        clickmode="event+select",
    )
    return translated(fig)


def _neuron(k: int, layer: int) -> str:
    return _("neuron {k} of layer {layer}").format(k=k + 1, layer=layer)


def _cell(layer: int, j: int) -> str:
    return _("layer {layer}, neuron {j}").format(layer=layer, j=j + 1)
