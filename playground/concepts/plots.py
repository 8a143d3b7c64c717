"""Plotly figures for the Concepts lab: numbers from playground.concepts in, go.Figure out."""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground.concepts.activations import Curve
from playground.concepts.backprop import Pass, TinyNet
from playground.concepts.losses import LossCurve
from playground.concepts.optimizers import Path, Surface
from playground.engine.i18n import N_, _
from playground.explain.figures import probabilities_figure
from playground.serving.curves import layout

_F, _DF, _HOT = "#1f77b4", "#ff7f0e", "rgba(214,39,40,0.12)"
_CONTOURS = dict(
    colorscale="Blues", reversescale=True, showscale=False, ncontours=30, hoverinfo="skip"
)
COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]


def _runs(flags: Sequence[bool]) -> list[tuple[int, int]]:
    """(first, last) index of each run of True."""
    runs, start = [], None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            runs.append((start, i - 1))
            start = None
    return runs


def activation_figure(curve: Curve, label: str) -> go.Figure:
    """f and f' over x, with the ranges where f' nearly vanishes shaded."""
    fig = go.Figure()
    for first, last in _runs(curve.saturated):
        fig.add_vrect(x0=curve.x[first], x1=curve.x[last], fillcolor=_HOT, line_width=0)
    fig.add_scatter(x=curve.x, y=curve.y, name=label, line_color=_F)
    fig.add_scatter(
        x=curve.x, y=curve.slope, name=N_("derivative"), line=dict(color=_DF, dash="dash")
    )
    fig.update_xaxes(title=N_("x"), zeroline=True)
    if any(curve.saturated):
        title = _(
            "{label} and its derivative (shaded: derivative < 0.01, the gradient vanishes)"
        ).format(label=_(label))
    else:
        title = _("{label} and its derivative").format(label=_(label))
    return layout(fig, title)


def softmax_figure(logits: Sequence[float], probabilities: Sequence[float], t: float):
    names = [f"z{i + 1} = {v:g}" for i, v in enumerate(logits)]
    fig = probabilities_figure(probabilities, names)
    return fig.update_layout(title=_("Softmax at temperature {t}").format(t=f"{t:g}"), height=300)


def loss_figure(curves: dict[str, LossCurve], label: str) -> go.Figure:
    """A loss over the predicted probability (left) and its gradient with respect to the logit
    (right), one line per true label."""
    fig = make_subplots(
        rows=1, cols=2, subplot_titles=(N_("loss"), N_("gradient dL/dz (z: the logit)"))
    )
    for i, (name, c) in enumerate(curves.items()):
        colour = COLOURS[i]
        fig.add_scatter(x=c.p, y=c.loss, name=name, line_color=colour, row=1, col=1)
        fig.add_scatter(
            x=c.p, y=c.grad_logit, name=name, line_color=colour, showlegend=False, row=1, col=2
        )
    fig.update_xaxes(title=N_("predicted probability p"), range=[0, 1])
    return layout(fig, label, height=340)


def surface_figure(
    surface: Surface,
    grid: tuple[list, list, list],
    paths: Sequence[Path],
    labels: dict[str, str],
    start: tuple[float, float],
) -> go.Figure:
    """Contours of the function, each optimizer's path, the start and the minimum. An invisible
    grid of markers makes any point of the plane clickable (to choose a new start)."""
    xs, ys, zs = grid
    z = [[math.log10(1 + v) for v in row] for row in zs] if surface.log_scale else zs
    fig = go.Figure(go.Contour(x=xs, y=ys, z=z, **_CONTOURS))
    step_x, step_y = xs[:: max(1, len(xs) // 30)], ys[:: max(1, len(ys) // 30)]
    fig.add_scatter(
        x=[x for y in step_y for x in step_x],
        y=[y for y in step_y for x in step_x],
        mode="markers",
        marker=dict(size=14, color="rgba(0,0,0,0)"),
        showlegend=False,
        hovertemplate=_("start here: (%{x:.2f}, %{y:.2f})") + "<extra></extra>",
        name=N_("start"),
        selected=dict(marker=dict(color="rgba(0,0,0,0)")),
        unselected=dict(marker=dict(opacity=0)),
    )
    (x0, x1), (y0, y1) = surface.x_range, surface.y_range
    for i, path in enumerate(paths):
        inside = [
            (x, y)
            for x, y in zip(path.xs, path.ys, strict=True)
            if x0 - 1 <= x <= x1 + 1 and y0 - 1 <= y <= y1 + 1
        ]
        fig.add_scatter(
            x=[p[0] for p in inside],
            y=[p[1] for p in inside],
            mode="lines+markers",
            name=labels[path.optimizer],
            line=dict(color=COLOURS[i % len(COLOURS)], width=2),
            marker=dict(size=3),
            hovertemplate="step %{pointNumber}: (%{x:.3f}, %{y:.3f})"
            "<extra>%{fullData.name}</extra>",
        )
    fig.add_scatter(
        x=[start[0]],
        y=[start[1]],
        mode="markers",
        name=N_("start"),
        marker=dict(symbol="x", size=12, color="black"),
    )
    if not math.isnan(surface.minimum[0]):
        fig.add_scatter(
            x=[surface.minimum[0]],
            y=[surface.minimum[1]],
            mode="markers",
            name=N_("minimum"),
            marker=dict(symbol="star", size=14, color="gold", line=dict(color="black", width=1)),
        )
    fig.update_xaxes(range=list(surface.x_range), title=N_("x"))
    fig.update_yaxes(range=list(surface.y_range), title=N_("y"))
    fig.update_layout(clickmode="event+select", dragmode=False)
    title = _("{surface}: click to start somewhere else").format(surface=_(surface.label))
    return layout(fig, title, height=520)


def race_loss_figure(paths: Sequence[Path], labels: dict[str, str]) -> go.Figure:
    fig = go.Figure()
    positive = all(v > 0 for p in paths for v in p.losses if math.isfinite(v))
    for i, path in enumerate(paths):
        fig.add_scatter(
            y=path.losses,
            name=labels[path.optimizer],
            mode="lines",
            line_color=COLOURS[i % len(COLOURS)],
        )
    fig.update_xaxes(title=N_("step"))
    fig.update_yaxes(title=N_("f(x, y)"), type="log" if positive else "linear")
    return layout(fig, N_("Loss over steps"), height=320)


def tiny_net_figure(net: TinyNet, values: Pass) -> go.Figure:
    """The 2-2-1 network: each node with its value (and gradient), each edge with its weight and
    the gradient of the loss with respect to it."""
    nodes = {
        "x1": (0, 1, f"x1 = {net.x[0]:.4g}"),
        "x2": (0, 0, f"x2 = {net.x[1]:.4g}"),
        "h1": (1, 1, f"h1 = {values.h[0]:.4f}"),
        "h2": (1, 0, f"h2 = {values.h[1]:.4f}"),
        "y": (2, 0.5, f"y_hat = {values.y_hat:.4f}"),
    }
    g = values.grads
    edges = [
        (f"x{k + 1}", f"h{j + 1}", net.w1[j][k], g["w1"][j][k]) for j in range(2) for k in range(2)
    ] + [(f"h{j + 1}", "y", net.w2[j], g["w2"][j]) for j in range(2)]
    fig = go.Figure()
    for a, b, w, dw in edges:
        (xa, ya), (xb, yb) = nodes[a][:2], nodes[b][:2]
        fig.add_scatter(
            x=[xa, xb],
            y=[ya, yb],
            mode="lines",
            showlegend=False,
            hoverinfo="skip",
            line=dict(color=_F if w >= 0 else _DF, width=1 + 4 * min(abs(w), 1)),
        )
        t = 0.3 if b.startswith("h") else 0.5
        mx, my = xa + t * (xb - xa), ya + t * (yb - ya)
        fig.add_annotation(
            x=mx,
            y=my,
            text=f"w = {w:.4g}<br>dL/dw = {dw:.3g}",
            showarrow=False,
            bgcolor="rgba(255,255,255,0.85)",
            font=dict(size=11),
        )
    fig.add_scatter(
        x=[n[0] for n in nodes.values()],
        y=[n[1] for n in nodes.values()],
        mode="markers+text",
        text=[n[2] for n in nodes.values()],
        textposition="bottom center",
        marker=dict(size=34, color="#deebf7", line=dict(color=_F, width=2)),
        showlegend=False,
        hoverinfo="skip",
    )
    fig.update_xaxes(visible=False, range=[-0.3, 2.3])
    fig.update_yaxes(visible=False, range=[-0.35, 1.25])
    title = _("Forward values and gradients (loss {loss})").format(loss=f"{values.loss:.6f}")
    return layout(fig, title, height=380)


def histogram_figure(series: dict[str, Sequence[float]], title: str) -> go.Figure:
    fig = go.Figure()
    for i, (name, values) in enumerate(series.items()):
        fig.add_histogram(
            x=list(values),
            name=name,
            opacity=0.6,
            nbinsx=30,
            marker_color=COLOURS[i % len(COLOURS)],
        )
    fig.update_layout(barmode="overlay")
    return layout(fig, title, height=300)


def units_figure(series: dict[str, Sequence[float]], title: str) -> go.Figure:
    """One bar per unit, one group per series (e.g. before / train / eval)."""
    fig = go.Figure()
    for i, (name, values) in enumerate(series.items()):
        fig.add_bar(y=list(values), name=name, marker_color=COLOURS[i % len(COLOURS)])
    fig.update_xaxes(title=N_("unit"))
    fig.update_layout(barmode="group")
    return layout(fig, title, height=300)
