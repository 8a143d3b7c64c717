"""Plotly figure builders: records and summaries in, go.Figure out. No Streamlit here."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground.engine.i18n import N_, _
from playground.engine.metrics import ACCURACY, EpochRecord, Score, Span, smooth

_TRAIN, _VAL, _RAW, _LR = "#1f77b4", "#ff7f0e", "rgba(31,119,180,0.25)", "#2ca02c"
_EPSILON = "#9467bd"
_BAND = "rgba(31,119,180,0.12)"


def layout(fig: go.Figure, title: str, height: int = 320) -> go.Figure:
    """The app's chart frame: a title, small margins, the legend on top at the right."""
    fig.update_layout(
        title=_(title),
        height=height,
        margin=dict(l=10, r=10, t=50, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=1, xanchor="right"),
        uirevision="keep",  # keep the user's zoom while the figure is redrawn live
    )
    return translated(fig)


def translated(fig: go.Figure) -> go.Figure:
    """The figure's axis titles, legend names and subplot titles in the current language
    (where the catalog has them: names of runs and numbers stay as they are), and plotly's
    toolbar standing down the right edge instead of over the title."""
    for trace in fig.data:
        if isinstance(getattr(trace, "name", None), str) and trace.name:
            trace.name = _(trace.name)
    for axis in (*fig.select_xaxes(), *fig.select_yaxes()):
        if axis.title and isinstance(axis.title.text, str) and axis.title.text:
            axis.title.text = _(axis.title.text)
    for note in fig.layout.annotations or ():
        if isinstance(note.text, str) and note.text:
            note.text = _(note.text)
    fig.update_layout(modebar_orientation="v")  # down the right edge, off the title it covered
    return fig


def step_loss_figure(points: Sequence[Span], smoothing: float = 0.9) -> go.Figure:
    """Training loss per step (faint; where steps are folded into one point, their mean, with
    their range shaded), its smoothed line, and the learning rate (right axis), against the
    step: one chart, so a live page redraws one."""
    fig = go.Figure()
    x = [p.last for p in points]
    loss = [p.loss for p in points]
    if any(p.count > 1 for p in points):
        fig.add_scatter(x=x, y=[p.loss_max for p in points], mode="lines", line=dict(width=0),
                        showlegend=False, hoverinfo="skip")  # fmt: skip
        fig.add_scatter(x=x, y=[p.loss_min for p in points], mode="lines", line=dict(width=0),
                        fill="tonexty", fillcolor=_BAND, name=N_("range"))  # fmt: skip
    fig.add_scatter(
        x=x, y=loss, mode="lines", name=N_("batch loss"), line=dict(color=_RAW, width=1)
    )
    smoothed = smooth(loss, smoothing, [p.count for p in points])
    fig.add_scatter(
        x=x, y=smoothed, mode="lines", name=N_("smoothed"), line=dict(color=_TRAIN, width=2)
    )
    fig.add_scatter(
        x=x,
        y=[p.lr for p in points],
        mode="lines",
        name=N_("learning rate"),
        yaxis="y2",
        line=dict(color=_LR, width=1.5, dash="dot"),
    )
    fig.update_layout(
        xaxis=dict(title="step"),
        yaxis=dict(title="loss", rangemode="tozero"),
        yaxis2=dict(
            title=N_("learning rate"),
            overlaying="y",
            side="right",
            rangemode="tozero",
            showgrid=False,
            exponentformat="power",
        ),
    )
    return layout(fig, N_("Training loss and learning rate per step"))


def epoch_figure(epochs: Sequence[EpochRecord], score: Score | None = ACCURACY) -> go.Figure:
    """Train and validation loss (left) and the task's score (right, where it has one) at the
    end of each epoch (or evaluation round)."""
    fig = go.Figure()
    x = [e.epoch for e in epochs]
    val = [e for e in epochs if e.val_loss is not None]
    vx = [e.epoch for e in val]
    panels = [("", [e.train_loss for e in epochs], [e.val_loss for e in val])]
    if score is not None:
        scored = [e.val_accuracy for e in val]
        panels.append(("2", [e.train_accuracy for e in epochs], scored))
    for axis, train_y, val_y in panels:
        first = axis == ""
        for name, xs, ys, color in (("train", x, train_y, _TRAIN), ("validation", vx, val_y, _VAL)):
            fig.add_scatter(
                x=xs,
                y=ys,
                mode="lines+markers",
                name=name,
                legendgroup=name,
                showlegend=first,
                line=dict(color=color),
                xaxis=f"x{axis}",
                yaxis=f"y{axis}",
            )
    spent = [(e.epoch, e.values["epsilon"]) for e in epochs if "epsilon" in (e.values or {})]
    if spent:  # a private run: the privacy spent, on the loss panel's right
        fig.add_scatter(
            x=[p[0] for p in spent],
            y=[p[1] for p in spent],
            mode="lines+markers",
            name=N_("ε spent"),
            line=dict(color=_EPSILON, dash="dot"),
            yaxis="y3",
        )
        fig.update_layout(yaxis3=dict(title="ε", overlaying="y", side="right",
                                      rangemode="tozero", showgrid=False))  # fmt: skip
    ticks = 1 if len(x) <= 20 else None
    if score is None:
        fig.update_layout(
            xaxis=dict(title="epoch", dtick=ticks), yaxis=dict(title="loss", rangemode="tozero")
        )
        return layout(fig, N_("Loss per epoch"))
    fig.update_layout(
        xaxis=dict(domain=[0, 0.45], title="epoch", dtick=ticks),
        xaxis2=dict(domain=[0.55, 1], title="epoch", dtick=ticks),
        yaxis=dict(title="loss", rangemode="tozero"),
        yaxis2=dict(title=score.label, anchor="x2", tickformat=".1%" if score.percent else None),
    )
    return layout(fig, score.epoch_title)


def common_score(tasks) -> Score | None:
    """The score runs of these tasks share, or None where they differ (or have none)."""
    scores = {t.score for t in tasks}
    return scores.pop() if len(scores) == 1 else None


def compare_figure(
    curves: dict[str, tuple[list, list]], smoothing: float = 0.9, score: Score | None = ACCURACY
) -> go.Figure:
    """Runs overlaid: smoothed training loss per epoch-fraction, and per epoch their validation
    score (`score`, what their task declares; with none, or runs of tasks that differ in it,
    their validation loss).

    `curves` maps a run's name to (its chart points, as MetricsLog.points gives them, and its
    epoch records). Steps are put on an epoch axis so runs with different batch sizes line up.
    """
    right = score.val_title if score is not None else N_("Validation loss")
    fig = make_subplots(rows=1, cols=2, subplot_titles=(N_("Training loss (smoothed)"), right))
    for i, (name, (points, epochs)) in enumerate(curves.items()):
        color = _PALETTE[i % len(_PALETTE)]
        if points:
            per_epoch = max((p.last for p in points if p.epoch == 1), default=1)
            y = smooth([p.loss for p in points], smoothing, [p.count for p in points])
            fig.add_scatter(
                x=[p.last / per_epoch for p in points],
                y=y,
                mode="lines",
                name=name,
                legendgroup=name,
                line=dict(color=color),
                row=1,
                col=1,
            )
        if score is None:
            val = [e for e in epochs if e.val_loss is not None]
            ys = [e.val_loss for e in val]
        else:
            val = [e for e in epochs if e.val_accuracy is not None]
            ys = [e.val_accuracy for e in val]
        fig.add_scatter(
            x=[e.epoch for e in val],
            y=ys,
            mode="lines+markers",
            name=name,
            legendgroup=name,
            showlegend=not points,
            line=dict(color=color),
            row=1,
            col=2,
        )
    fig.update_xaxes(title=N_("epoch"))
    fig.update_yaxes(rangemode="tozero", row=1, col=1)
    if score is not None and score.percent:
        fig.update_yaxes(tickformat=".1%", row=1, col=2)
    else:
        fig.update_yaxes(rangemode="tozero", row=1, col=2)
    return layout(fig, "", height=360)


_PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]
