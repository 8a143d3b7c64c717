"""The Privacy page's figures: the membership attack's ROC curves, and the price of privacy
(test accuracy against epsilon), the learner's runs beside Opacus' published MNIST points."""

from __future__ import annotations

import math

import plotly.graph_objects as go

from playground.engine.i18n import N_, _
from playground.serving.curves import layout

# Opacus' MNIST example (its README), each the mean of 10 runs at delta 1e-5: (epsilon, test
# accuracy); None is the same model without privacy
PUBLISHED = ((None, 0.9894), (6.86, 0.9709), (2.91, 0.9678), (1.16, 0.9463))
COLORS = ("#d62728", "#2ca02c", "#1f77b4", "#9467bd", "#8c564b", "#e377c2")


def roc_figure(attacks: dict) -> go.Figure:
    """One ROC curve per attacked model (`attacks`: label -> membership.Attack), the coin's
    diagonal, and each model's two single rules as points."""
    fig = go.Figure()
    fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines", name=_("a coin (AUC 0.5)"),
                    line=dict(color="#aaaaaa", dash="dash"))  # fmt: skip
    for (label, found), color in zip(attacks.items(), COLORS, strict=False):
        fig.add_scatter(x=found.fpr, y=found.tpr, mode="lines", line=dict(color=color),
                        name=f"{label}: AUC {found.auc:.3f}")  # fmt: skip
        for rule, guess, symbol in ((_("Yeom's rule"), found.yeom, "diamond"),
                                    (_("reference rule"), found.reference, "square")):  # fmt: skip
            fig.add_scatter(x=[guess.fpr], y=[guess.tpr], mode="markers", showlegend=False,
                            marker=dict(color=color, symbol=symbol, size=10),
                            hovertext=f"{label}: {rule}, {_('advantage')} {guess.advantage:.2f}",
                            hoverinfo="text")  # fmt: skip
    fig.update_layout(
        xaxis=dict(title=_("unseen images called members (false-positive rate)"), range=[0, 1]),
        yaxis=dict(title=_("training images called members (true-positive rate)"), range=[0, 1]),
    )
    return layout(fig, N_("What the attack finds: ROC curves of the loss-threshold attack"), 420)


def price_figure(points: list[tuple[str, float | None, float]]) -> go.Figure:
    """Test accuracy against epsilon: `points` (label, epsilon or None for not private,
    accuracy) of the learner's runs, and Opacus' published points. Runs without privacy
    stand at the right, past every epsilon."""
    fig = go.Figure()
    finite = [row[1] for row in (*points, *((None, *p) for p in PUBLISHED)) if row[1] is not None]
    right = max(10.0, max(finite, default=0.0) * 1.5)
    for name, rows, symbol, color in (
        (_("your runs"), points, "circle", "#d62728"),
        (_("Opacus' published MNIST runs (theirs, for reference)"),
         [(_("Opacus"), e, a) for e, a in PUBLISHED], "x", "#7f7f7f"),
    ):  # fmt: skip
        if not rows:
            continue
        fig.add_scatter(
            x=[right if row[1] is None else row[1] for row in rows],
            y=[row[2] for row in rows],
            mode="markers",
            name=name,
            marker=dict(symbol=symbol, size=11, color=color),
            hovertext=[
                f"{label}: ε {'∞' if e is None else f'{e:.2f}'}, {a:.2%}" for label, e, a in rows
            ],
            hoverinfo="text",
        )
    fig.add_vline(x=right, line=dict(color="#cccccc", dash="dot"),
                  annotation_text=_("not private"))  # fmt: skip
    fig.update_layout(
        xaxis=dict(
            title=_("ε (less is more private)"),
            type="log",
            range=[math.log10(0.3), math.log10(right * 1.3)],
        ),
        yaxis=dict(title=_("test accuracy"), tickformat=".0%"),
    )
    return layout(fig, N_("The price of privacy: test accuracy against ε"), 400)
