"""What a listening model hears and how it is built: a clip's log-mel spectrogram, normalised
per clip (so a quiet voice and a loud one look alike), and a CNN, an MLP or a GRU that reads it
as (batch, 1, mel bands, frames) and gives ten digits' logits."""

from __future__ import annotations

import torch
from torch import nn

from playground.datasets import sound
from playground.tasks.listen.specs import CLASSES, WINDOW, frames


def features(clips: torch.Tensor, spec) -> torch.Tensor:
    """Clips (B, samples) in -1..1 -> (B, 1, mels, frames): each clip's log-mel spectrogram
    in decibels, less its mean, over its spread."""
    found = sound.log_mel(clips, spec.mels, WINDOW, spec.hop)
    mean = found.mean(dim=(-1, -2), keepdim=True)
    spread = found.std(dim=(-1, -2), keepdim=True)
    return ((found - mean) / (spread + 1e-5)).unsqueeze(1)


def _block(inputs: int, outputs: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(inputs, outputs, 3, padding=1), nn.BatchNorm2d(outputs),
                         nn.ReLU(), nn.MaxPool2d(2))  # fmt: skip


class GRUReader(nn.Module):
    """A GRU over the frames, each way; the mean of its states over time, then the digits."""

    def __init__(self, mels: int, width: int, dropout: float):
        super().__init__()
        self.gru = nn.GRU(mels, width, batch_first=True, bidirectional=True)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(2 * width, CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        states, _last = self.gru(x.squeeze(1).transpose(1, 2))  # (B, frames, 2 * width)
        return self.out(self.drop(states.mean(dim=1)))


def build(spec) -> nn.Module:
    w = spec.width
    if spec.architecture == "gru":
        return GRUReader(spec.mels, w, spec.dropout)
    if spec.architecture == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(spec.mels * frames(spec), w), nn.ReLU(),
                             nn.Linear(w, w), nn.ReLU(), nn.Dropout(spec.dropout),
                             nn.Linear(w, CLASSES))  # fmt: skip
    return nn.Sequential(_block(1, w), _block(w, 2 * w), _block(2 * w, 2 * w),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(spec.dropout),
                         nn.Linear(2 * w, CLASSES))  # fmt: skip


@torch.no_grad()
def probabilities(model: nn.Module, clips: torch.Tensor, spec, batch: int = 256) -> torch.Tensor:
    """(N, 10) probabilities of each digit for clips (N, samples), in eval mode, `batch` at a
    time (the model itself is left as it was)."""
    was = model.training
    model.eval()
    try:
        device = next(model.parameters()).device
        out = [torch.softmax(model(features(clips[i : i + batch].to(device), spec)), -1).cpu()
               for i in range(0, len(clips), batch)]  # fmt: skip
    finally:
        model.train(was)
    return torch.cat(out) if out else torch.zeros(0, CLASSES)
