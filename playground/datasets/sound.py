"""Sound as an image: a clip's spectrogram (torch's short-time Fourier transform) and its
log-mel spectrogram (a mel filter bank from librosa), with the settings that make them."""

from __future__ import annotations

import functools

import numpy as np
import torch

from playground.datasets.spoken import RATE


@functools.lru_cache(maxsize=16)
def mel_bank(n_mels: int = 40, n_fft: int = 256, rate: int = RATE) -> torch.Tensor:
    """(n_mels, n_fft // 2 + 1): librosa's mel filters (Slaney's scale and area norm)."""
    import librosa

    return torch.from_numpy(librosa.filters.mel(sr=rate, n_fft=n_fft, n_mels=n_mels))


def spectrogram(clips, n_fft: int = 256, hop: int = 128) -> torch.Tensor:
    """Power spectrogram (..., n_fft // 2 + 1, frames) of clips (..., samples), Hann window."""
    if isinstance(clips, torch.Tensor):  # on any device
        x = clips.float()
    else:
        x = torch.as_tensor(np.asarray(clips), dtype=torch.float32)
    flat = x.reshape(-1, x.shape[-1])
    window = torch.hann_window(n_fft, device=x.device)
    found = torch.stft(flat, n_fft, hop, window=window, return_complex=True)
    power = found.abs() ** 2
    return power.reshape(*x.shape[:-1], *power.shape[-2:])


def log_mel(clips, n_mels: int = 40, n_fft: int = 256, hop: int = 128) -> torch.Tensor:
    """Log-mel spectrogram in decibels (..., n_mels, frames), floored 80 dB below 1."""
    power = spectrogram(clips, n_fft, hop)
    mel = torch.einsum("mf,...ft->...mt", mel_bank(n_mels, n_fft).to(power.device), power)
    return 10 * torch.log10(mel.clamp_min(1e-8))
