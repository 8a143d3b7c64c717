"""A listening job's clips: the shipped spoken digits of its language, split by voice into
training, validation and test (no voice in two of them), with a person's own recordings added
to training where they teach it their voice; and how a clip is changed a little each time it
is heard (speed, shift, level, noise, and SpecAugment's masks on the spectrogram)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from playground.datasets import spoken
from playground.engine.i18n import Text

LANGUAGE_CODES = ("en", "zh")  # a clip's language, as a number: its index here; -1: one's own


@dataclass
class Split:
    """Clips (N, samples) float32, their digits (N,) and languages (N,: index in LANGUAGE_CODES,
    -1 for a person's own recording)."""

    clips: torch.Tensor
    digits: torch.Tensor
    languages: torch.Tensor

    def __len__(self) -> int:
        return len(self.digits)

    def to(self, device) -> Split:
        return Split(self.clips.to(device), self.digits.to(device), self.languages.to(device))


@dataclass
class ListenData:
    train: Split
    val: Split
    test: Split
    language: str  # "both", "en" or "zh"
    note: str = ""
    repeat: int = 1  # how often each own recording is heard an epoch

    def to(self, device) -> ListenData:
        return ListenData(self.train.to(device), self.val.to(device), self.test.to(device),
                          self.language, self.note, self.repeat)  # fmt: skip


def _split(found: spoken.SpokenDigits) -> Split:
    codes = {c: i for i, c in enumerate(LANGUAGE_CODES)}
    return Split(torch.from_numpy(np.ascontiguousarray(found.clips)),
                 torch.from_numpy(found.digits.astype(np.int64)),
                 torch.tensor([codes[c] for c in found.languages.tolist()],
                              dtype=torch.long))  # fmt: skip


def _by_voice(found: spoken.SpokenDigits, share: float, seed: int):
    """(training, validation) of `found`, a `share` of its voices held back for validation."""
    voices = sorted(set(found.voices.tolist()))
    held = set(np.random.default_rng(seed).permutation(voices)[: math.floor(len(voices) * share)])
    keep = np.array([v in held for v in found.voices.tolist()], dtype=bool)
    return found.subset(~keep), found.subset(keep)


def load(config, own=None) -> ListenData:
    """The clips of `config.language`; `own` = (clips (N, samples), digits (N,), repeat): a
    person's recordings, added to training (each heard `repeat` times an epoch)."""
    training, test = spoken.load(seed=0)
    language = None if config.language == "both" else config.language
    training, test = training.only(language), test.only(language)
    training, validation = _by_voice(training, config.val_voices, config.seed)
    if config.train_limit and config.train_limit < len(training):
        pick = np.random.default_rng(config.seed).permutation(len(training))
        training = training.subset(np.sort(pick[: config.train_limit]))
    train = _split(training)
    note, repeat = "", 1
    if own is not None:
        clips, digits, repeat = own
        clips = torch.as_tensor(clips, dtype=torch.float32).reshape(-1, spoken.LENGTH)
        digits = torch.as_tensor(digits, dtype=torch.long)
        train = Split(torch.cat([train.clips, clips]), torch.cat([train.digits, digits]),
                      torch.cat([train.languages, torch.full_like(digits, -1)]))  # fmt: skip
        note = Text("Your {count} recordings are in the training clips, each heard {repeat} "
                    "times an epoch.", count=len(digits), repeat=repeat)  # fmt: skip
    return ListenData(train, _split(validation), _split(test), config.language, note, repeat)


def changed(clips: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Each clip a little different: 0.85 to 1.18 times as fast (and as high), up to 0.1 s
    earlier or later, 0.3 to 1 times as loud, with noise 5 to 40 dB below it."""
    n, length = clips.shape
    out = torch.zeros_like(clips)
    speeds = torch.empty(n).uniform_(0.85, 1.18, generator=generator)
    shifts = torch.randint(-length // 10, length // 10 + 1, (n,), generator=generator)
    for i in range(n):
        size = int(length / float(speeds[i]))
        sped = F.interpolate(clips[i][None, None], size=size, mode="linear")[0, 0][:length]
        start = max(0, (length - len(sped)) // 2 + int(shifts[i]))
        part = sped[: length - start]
        out[i, start : start + len(part)] = part
    gain = torch.empty(n, 1).uniform_(0.3, 1.0, generator=generator).to(clips.device)
    snr = torch.empty(n, 1).uniform_(5.0, 40.0, generator=generator).to(clips.device)
    level = out.pow(2).mean(dim=1, keepdim=True).sqrt()
    noise = torch.randn(n, length, generator=generator).to(clips.device)
    return (out + noise * level * 10 ** (-snr / 20)) * gain


def masked(features: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """SpecAugment (Park et al., 2019): in each (B, 1, mels, frames), a band of up to an eighth
    of the mel bands and a stretch of up to an eighth of the frames set to the mean (0)."""
    n, _c, mels, frames = features.shape
    out = features.clone()
    for i in range(n):
        band = int(torch.randint(0, mels // 8 + 1, (1,), generator=generator))
        low = int(torch.randint(0, mels - band + 1, (1,), generator=generator))
        span = int(torch.randint(0, frames // 8 + 1, (1,), generator=generator))
        first = int(torch.randint(0, frames - span + 1, (1,), generator=generator))
        out[i, :, low : low + band, :] = 0
        out[i, :, :, first : first + span] = 0
    return out
