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
