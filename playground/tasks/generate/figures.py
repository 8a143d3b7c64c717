"""The Generate page's figures: a model's score (the share of each digit read as asked, the
classes it makes), a GAN's discriminator scores over training, and the classes a model made at
each moment of its training. Numbers in, go.Figure out."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from playground.engine.i18n import N_, _
from playground.serving.curves import layout
from playground.tasks.generate.training import QUARTERS

DIGITS = [str(d) for d in range(10)]


def score_figure(per_digit: Sequence[float] | None, counts: Sequence[int]) -> go.Figure:
    """Bars: how many images were read as each digit; for a model told the class, beside them
    the share of each digit asked for that was read as asked."""
    fig = go.Figure()
    total = max(sum(counts), 1)
    fig.add_bar(
        x=DIGITS,
        y=[c / total for c in counts],
        name=N_("share read as this digit"),
        marker_color="#9aa5b1",
        hovertemplate=_("%{y:.1%} of the images read as %{x}") + "<extra></extra>",
    )
    if per_digit is not None:
        fig.add_bar(
            x=DIGITS,
            y=list(per_digit),
            name=N_("asked for it: read as asked"),
            marker_color="#2e7d32",
            hovertemplate=_("%{x} asked: %{y:.0%} read as %{x}") + "<extra></extra>",
        )
    fig.update_yaxes(title=N_("share"), tickformat=".0%", rangemode="tozero")
    fig.update_xaxes(title=N_("digit"), type="category")
    return layout(fig, N_("What the app's classifier reads"), height=300)


def discriminator_figure(
    epochs: Sequence[int], real: Sequence[float], fake: Sequence[float]
) -> go.Figure:
    """A GAN's D(x) and D(G(z)) per epoch on validation images: the discriminator's belief that
    real digits are real, and that generated ones are."""
    fig = go.Figure()
    fig.add_scatter(
        x=list(epochs), y=list(real), name=N_("D(x): real digits"), mode="lines+markers"
    )
    fig.add_scatter(
        x=list(epochs), y=list(fake), name=N_("D(G(z)): generated digits"), mode="lines+markers"
    )
    fig.add_hline(y=0.5, line_dash="dot", line_color="#888")
    fig.update_yaxes(title=N_("the discriminator's probability of real"), range=[0, 1])
    fig.update_xaxes(title=N_("epoch"), dtick=1)
    return layout(fig, N_("Real against generated, as the discriminator scores them"))


def classes_figure(moments: Sequence[str], shares: Sequence[Sequence[float]]) -> go.Figure:
    """A heat map: at each moment of training (rows), the share of its images read as each
    digit (columns). A bright single column is mode collapse."""
    fig = go.Figure(
        go.Heatmap(
            z=[list(row) for row in shares],
            x=DIGITS,
            y=list(moments),
            colorscale="Greens",
            zmin=0,
            zmax=max(0.3, max((max(r) for r in shares), default=0)),
            hovertemplate=_("%{y}: %{z:.0%} read as %{x}") + "<extra></extra>",
            colorbar=dict(tickformat=".0%"),
        )
    )
    fig.update_yaxes(autorange="reversed", type="category", title=N_("moment"))
    fig.update_xaxes(title=N_("digit read"), type="category")
    return layout(fig, N_("The classes it made as it learned"), height=120 + 28 * len(moments))


def latent_figure(points, classes, reach: float, picked=None) -> go.Figure:
    """A VAE's 2-D latent space: test digits at their latent means, coloured by their class,
    over a faint grid of points that a click can pick anywhere in the plane; `picked` (x, y)
    marked."""
    fig = go.Figure()
    ticks = [reach * (2 * i / 40 - 1) for i in range(41)]
    fig.add_scatter(
        x=[x for x in ticks for _y in ticks],
        y=[y for _x in ticks for y in ticks],
        mode="markers",
        marker=dict(size=9, color="rgba(0,0,0,0.03)"),
        hoverinfo="none",  # no label, but a click still selects it
        showlegend=False,
    )
    for digit in range(10):
        mine = [p for p, c in zip(points, classes, strict=True) if c == digit]
        fig.add_scatter(
            x=[p[0] for p in mine],
            y=[p[1] for p in mine],
            mode="markers",
            name=str(digit),
            marker=dict(size=5, opacity=0.7),
            hovertemplate=_("a test {digit}").format(digit=digit)
            + " (%{x:.2f}, %{y:.2f})<extra></extra>",
        )
    if picked is not None:
        fig.add_scatter(
            x=[picked[0]],
            y=[picked[1]],
            mode="markers",
            marker=dict(size=16, symbol="x", color="black"),
            name=N_("decoded"),
            hoverinfo="skip",
        )
    fig.update_xaxes(title=N_("latent number 1"), range=[-reach, reach])
    fig.update_yaxes(title=N_("latent number 2"), range=[-reach, reach], scaleanchor="x")
    fig.update_layout(clickmode="event+select", dragmode=False)
    return layout(fig, N_("Test digits in the latent space: click anywhere to decode"), 480)


TERMS = {  # a family's numbers per epoch, by their record names, as a figure labels them
    "reconstruction": N_("reconstruction (nats per image)"),
    "kl": N_("KL divergence (nats per image)"),
    "discriminator": N_("the discriminator's loss"),
    "generator": N_("the generator's loss"),
    "denoising": N_("denoising, all levels"),
}


def terms_figure(epochs: Sequence[int], values: Sequence[dict]) -> go.Figure:
    """A line per loss term of the family (a diffusion model's by noise level too) per epoch,
    on validation images."""
    names = [n for n in (*TERMS, *QUARTERS) if any(n in v for v in values)]
    fig = go.Figure()
    for name in names:
        fig.add_scatter(
            x=list(epochs),
            y=[v.get(name) for v in values],
            name=TERMS.get(name, name),
            mode="lines+markers",
            line=dict(dash="dot") if name in QUARTERS else None,
        )
    fig.update_xaxes(title=N_("epoch"), dtick=1)
    fig.update_yaxes(title=N_("loss"), type="log" if "reconstruction" in names else "linear")
    return layout(fig, N_("Its loss terms per epoch, on validation images"))
