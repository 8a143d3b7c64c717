"""The lab's charts: final loss against parameters and against compute (log-log, the fitted
law through the points), and every size's loss curve against compute with the frontier."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from playground.engine.i18n import N_, _
from playground.explain.scaling import Fit
from playground.serving.curves import translated


def _axes(fig: go.Figure, x: str, y: str, title: str) -> go.Figure:
    fig.update_xaxes(type="log", title=_(x), dtick="D2")  # 1, 2 and 5 of each decade labelled
    fig.update_yaxes(type="log", title=_(y))
    fig.update_layout(title=title, height=380, margin=dict(l=10, r=10, t=50, b=10))
    return translated(fig)


def loss_against(
    points: list[dict], key: str, label: str, name: str, fit: Fit | None = None
) -> go.Figure:
    """Each run a point (its final loss against `key`); the fitted law as a line."""
    xs = [p[key] for p in points]
    fig = go.Figure(go.Scatter(
        x=xs, y=[p["val_loss"] for p in points], mode="markers", name=N_("runs"),
        marker=dict(size=11),
        text=[_("{n} parameters").format(n=f"{p['parameters']:,}") for p in points],
    ))  # fmt: skip
    if fit is not None and fit.problem is None and xs:
        grid = np.geomspace(min(xs) / 1.5, max(xs) * 4, 60)
        fig.add_scatter(
            x=grid,
            y=[fit.predict(n) for n in grid],
            mode="lines",
            line=dict(dash="dash"),
            name=f"L = {fit.a:.3g} N^-{fit.alpha:.3f} + {fit.c:.2f}",
        )
    title = _("Loss against {what}: {name}").format(what=_(label), name=name)
    return _axes(fig, label, N_("final loss"), title)


def curves_against_compute(curves: list[tuple], labels: list[str], frontier) -> go.Figure:
    """Each size's training loss against the compute it had used; the frontier, thick."""
    fig = go.Figure()
    for (compute, loss), label in zip(curves, labels, strict=True):
        if len(compute):
            fig.add_scatter(x=compute, y=_smooth(loss), mode="lines", name=label, opacity=0.8)
    grid, best = frontier[0], frontier[1]
    if len(grid):
        fig.add_scatter(x=grid, y=best, mode="lines", name=N_("frontier (lowest loss at each "
                        "compute)"), line=dict(color="black", width=4))  # fmt: skip
    return _axes(
        fig, N_("compute (FLOPs)"), N_("training loss"), _("Every size's curve against compute")
    )


def _smooth(values: np.ndarray, window: int = 20) -> np.ndarray:
    if len(values) < window:
        return values
    kernel = np.ones(window) / window
    padded = np.concatenate([np.full(window - 1, values[0]), values])
    return np.convolve(padded, kernel, mode="valid")
