"""The Listen page's figures: a clip's waveform, and its spectrogram or log-mel spectrogram as
a picture (time across, frequency up)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from playground.datasets import sound, spoken
from playground.engine.i18n import N_, _
from playground.serving.curves import layout


def waveform(clip: np.ndarray) -> go.Figure:
    t = np.arange(len(clip)) / spoken.RATE
    fig = go.Figure(go.Scatter(x=t, y=clip, mode="lines", line=dict(width=1, color="#1f77b4")))
    fig.update_layout(xaxis=dict(title=_("seconds")), yaxis=dict(title=_("pressure"),
                                                                 range=[-1, 1]))  # fmt: skip
    return layout(fig, N_("The waveform: 8,000 numbers a second"), 240)


def spectrogram(clip: np.ndarray, n_fft: int, hop: int, mels: int | None) -> go.Figure:
    """Power in decibels over time and frequency (Hz), or over time and mel bands."""
    if mels:
        z = sound.log_mel(clip, n_mels=mels, n_fft=n_fft, hop=hop).numpy()
        y, title, axis = (
            np.arange(mels),
            N_("The log-mel spectrogram: what a model hears"),
            _("mel band (low to high)"),
        )
    else:
        z = 10 * np.log10(sound.spectrogram(clip, n_fft, hop).clamp_min(1e-8).numpy())
        y = np.arange(z.shape[0]) * spoken.RATE / n_fft
        title, axis = N_("The spectrogram: loudness of each frequency over time"), _("Hz")
    x = np.arange(z.shape[1]) * hop / spoken.RATE
    fig = go.Figure(go.Heatmap(z=z, x=x, y=y, colorscale="Magma", zmin=z.max() - 80,
                               colorbar=dict(title="dB")))  # fmt: skip
    fig.update_layout(xaxis=dict(title=_("seconds")), yaxis=dict(title=axis))
    return layout(fig, title, 300)


def probabilities(p: tuple[float, ...], digit: int) -> go.Figure:
    """The ten digits' probabilities, the one heard in colour."""
    colours = ["#d62728" if d == digit else "#9fb3c8" for d in range(10)]
    fig = go.Figure(go.Bar(x=[str(d) for d in range(10)], y=list(p), marker_color=colours,
                           text=[f"{v:.0%}" for v in p], textposition="outside"))  # fmt: skip
    fig.update_layout(xaxis=dict(title=_("digit")), yaxis=dict(title=_("probability"),
                                                               range=[0, 1.15]))  # fmt: skip
    return layout(fig, N_("What it heard: the probability of each digit"), 260)


def heard(values: np.ndarray, hop: int, attributed: bool) -> go.Figure:
    """The normalised log-mel spectrogram the model read, or how much each of its cells raised
    the answer's score (red: for it, blue: against it)."""
    x = np.arange(values.shape[1]) * hop / spoken.RATE
    if attributed:
        top = float(np.abs(values).max()) or 1.0
        trace = go.Heatmap(z=values, x=x, colorscale="RdBu_r", zmin=-top, zmax=top,
                           colorbar=dict(title=_("for / against")))  # fmt: skip
        title = N_("Which parts of the sound decided it (integrated gradients)")
    else:
        trace = go.Heatmap(z=values, x=x, colorscale="Magma",
                           colorbar=dict(title=_("spread")))  # fmt: skip
        title = N_("What the model reads: the log-mel spectrogram, normalised")
    fig = go.Figure(trace)
    fig.update_layout(xaxis=dict(title=_("seconds")), yaxis=dict(title=_("mel band (low to high)")))
    return layout(fig, title, 260)
