"""The Language page's figures: attention maps (every head small, one large, labelled with the
tokens), the logit lens, the embeddings in two dimensions, the ten likeliest next tokens.
Tensors and tokens in, go.Figure out."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from playground.engine.i18n import N_, _
from playground.serving.curves import layout
from playground.tasks.language.inside import NAMES


def shown(token: str) -> str:
    """A token as a label: spaces and line breaks made visible."""
    return token.replace("\n", "↵").replace(" ", "·") or "∅"


def attention_figure(weights: torch.Tensor, tokens: Sequence[str], title: str) -> go.Figure:
    """One head's attention (T, T): row = the token that looks, column = the token looked at."""
    labels = [f"{i}:{shown(t)}" for i, t in enumerate(tokens)]
    fig = go.Figure(
        go.Heatmap(
            z=weights.tolist(),
            x=labels,
            y=labels,
            colorscale="Blues",
            zmin=0,
            zmax=1,
            hovertemplate=_("%{y} looks at %{x}: %{z:.2f}") + "<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", title=N_("query (the token that looks)"))
    fig.update_xaxes(title=N_("key (the token looked at)"), tickangle=-60)
    return layout(fig, title, height=min(700, 220 + 14 * len(tokens)))


def heads_figure(attention: torch.Tensor, patterns) -> go.Figure:
    """Every layer and head (L, nh, T, T) as small multiples, each titled with its pattern."""
    layers, heads = attention.shape[:2]
    titles = [
        f"L{i + 1} H{j + 1}: {_(NAMES.get(patterns[i][j], patterns[i][j]))}"
        for i in range(layers)
        for j in range(heads)
    ]
    fig = make_subplots(
        rows=layers,
        cols=heads,
        subplot_titles=titles,
        horizontal_spacing=0.02,
        vertical_spacing=0.06,
    )
    for i in range(layers):
        for j in range(heads):
            fig.add_trace(
                go.Heatmap(
                    z=attention[i, j].tolist(),
                    colorscale="Blues",
                    zmin=0,
                    zmax=1,
                    showscale=False,
                    hovertemplate="query %{y}, key %{x}: %{z:.2f}<extra></extra>",
                ),
                row=i + 1,
                col=j + 1,
            )
    fig.update_yaxes(autorange="reversed", showticklabels=False)
    fig.update_xaxes(showticklabels=False)
    fig.update_annotations(font_size=11)
    return layout(fig, N_("Every head of every layer"), height=60 + 150 * layers)


def lens_figure(lens, probabilities: torch.Tensor, tokens: Sequence[str]) -> go.Figure:
    """The logit lens: after each layer (rows), the token it would predict at each position."""
    rows = [_("embedding")] + [_("after block {i}").format(i=i) for i in range(1, len(lens))]
    labels = [f"{i}:{shown(t)}" for i, t in enumerate(tokens)]
    fig = go.Figure(
        go.Heatmap(
            z=probabilities.tolist(),
            x=labels,
            y=rows,
            colorscale="Greens",
            zmin=0,
            zmax=1,
            text=[[shown(t) for t in row] for row in lens],
            texttemplate="%{text}",
            hovertemplate="%{y}, at %{x}: predicts %{text} (%{z:.0%})<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(tickangle=-60)
    return layout(
        fig, N_("Logit lens: what each layer would predict next"), height=140 + 34 * len(rows)
    )


def embeddings_figure(points: torch.Tensor, vocab: Sequence[str], most: int = 400) -> go.Figure:
    """Token embeddings in two dimensions (V, 2), labelled (the first `most` tokens)."""
    pts = points[:most]
    fig = go.Figure(
        go.Scatter(
            x=pts[:, 0].tolist(),
            y=pts[:, 1].tolist(),
            mode="text",
            text=[shown(t) for t in vocab[:most]],
            textfont_size=12,
            hovertemplate="%{text}<extra></extra>",
        )
    )
    fig.update_xaxes(title=N_("first principal component"))
    fig.update_yaxes(title=N_("second principal component"))
    return layout(fig, N_("Token embeddings, their two main directions"), height=480)


def top_figure(top: Sequence[tuple[str, float]], drawn: str) -> go.Figure:
    """The likeliest tokens at one step and their probabilities; the one drawn stands out."""
    labels = [shown(t) for t, _p in top]
    colors = ["#ff7f0e" if t == drawn else "#1f77b4" for t, _p in top]
    fig = go.Figure(
        go.Bar(
            x=[p for _t, p in top],
            y=labels,
            orientation="h",
            marker_color=colors,
            hovertemplate="%{y}: %{x:.1%}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title=N_("probability"), tickformat=".0%")
    return layout(fig, N_("What it chose from"), height=320)
