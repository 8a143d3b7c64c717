"""What a listening model hears in one clip: the digit, its ten probabilities, and which part
of the spectrogram decided it (captum's integrated gradients over time and frequency, from a
silent-looking spectrogram: every value at the clip's mean)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from playground.tasks.listen.model import features

IG_STEPS = 32  # steps of integrated gradients' path from the baseline to the clip


@dataclass(frozen=True)
class Heard:
    digit: int
    probabilities: tuple[float, ...]  # of 0..9
    features: np.ndarray  # (mels, frames): the normalised log-mel spectrogram it read
    seconds: float  # from the clip to the answer

    def to_dict(self) -> dict:
        return {"digit": self.digit, "probabilities": [round(p, 6) for p in self.probabilities],
                "seconds": round(self.seconds, 4)}  # fmt: skip


@torch.no_grad()
def hear(model: nn.Module, spec, clip: np.ndarray) -> Heard:
    """The digit `model` (in eval mode, on the CPU) hears in one clip (LENGTH samples)."""
    started = time.perf_counter()
    x = features(torch.as_tensor(clip, dtype=torch.float32)[None], spec)
    p = torch.softmax(model(x)[0].float(), dim=-1)
    return Heard(int(p.argmax()), tuple(p.tolist()), x[0, 0].numpy(), time.perf_counter() - started)


def attribution(model: nn.Module, spec, clip: np.ndarray, digit: int) -> np.ndarray:
    """(mels, frames): how much each time and frequency of the clip's spectrogram raised the
    score of `digit` (integrated gradients; positive: for it, negative: against)."""
    from captum.attr import IntegratedGradients

    x = features(torch.as_tensor(clip, dtype=torch.float32)[None], spec)
    was = model.training
    model.eval()
    try:
        found = IntegratedGradients(model).attribute(x, baselines=torch.zeros_like(x),
                                                     target=digit, n_steps=IG_STEPS,
                                                     internal_batch_size=IG_STEPS)  # fmt: skip
    finally:
        model.train(was)
    return found[0, 0].detach().numpy()
