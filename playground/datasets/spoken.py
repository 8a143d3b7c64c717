"""Spoken digits, shipped with the app (playground/assets/spoken-digits/, made by
`scripts/make_spoken_digits.py` with espeak-ng: synthetic voices, English and Mandarin).

A clip is one second of 8 kHz mono audio, its samples in -1..1, stored as 8-bit mu-law.
`load` returns them split by voice (no voice is in both training and test), with noise and room
tone added from a fixed seed, so that every load is the same data set. `check_clip` turns a
recording of one's own into such a clip, or says in words why it cannot.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from playground import ASSETS
from playground.engine.i18n import N_, Text
from playground.engine.records import DataError

RATE = 8000  # samples per second
LENGTH = RATE  # one second a clip
FILE = "spoken-digits.npz"
FOLDER = ASSETS / "spoken-digits"
LANGUAGES = {"en": N_("English"), "zh": N_("Chinese")}
TEST_EVERY = 5  # every fifth voice (in name order) is a test voice
MU = 255
LONGEST = 10.0  # seconds of a recording one may give (the digit is found in it)
QUIET = 1e-3  # a peak below this is silence


def encode(audio: np.ndarray) -> np.ndarray:
    """Samples in -1..1 as 8-bit mu-law (int8)."""
    x = np.clip(audio, -1.0, 1.0)
    y = np.sign(x) * np.log1p(MU * np.abs(x)) / np.log1p(MU)
    return np.round(y * 127).astype(np.int8)


def decode(codes: np.ndarray) -> np.ndarray:
    """8-bit mu-law back to float32 samples in -1..1."""
    y = codes.astype(np.float32) / 127
    return (np.sign(y) * np.expm1(np.abs(y) * np.log1p(MU)) / MU).astype(np.float32)


def fit_clip(audio: np.ndarray, top_db: float = 35.0) -> np.ndarray | None:
    """The sound in `audio` (8 kHz) trimmed of silence, levelled to a peak of 0.9 and centred
    in one second (cut to one second if longer); None if it is silence."""
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim > 1:
        audio = audio.mean(axis=1)
    peak = float(np.abs(audio).max()) if audio.size else 0.0
    if peak < QUIET:
        return None
    loud = np.flatnonzero(np.abs(audio) >= peak * 10 ** (-top_db / 20))
    audio = audio[loud[0] : loud[-1] + 1]
    audio = audio[:LENGTH] * (0.9 / peak)
    out = np.zeros(LENGTH, dtype=np.float32)
    start = (LENGTH - len(audio)) // 2
    out[start : start + len(audio)] = audio
    return out


@dataclass(frozen=True)
class SpokenDigits:
    """Clips (N, LENGTH) float32, their digits (N,), languages ("en"/"zh") and voices, for
    training or test."""

    clips: np.ndarray
    digits: np.ndarray
    languages: np.ndarray
    voices: np.ndarray

    def __len__(self) -> int:
        return len(self.digits)

    def only(self, language: str | None) -> SpokenDigits:
        """The clips of one language (None: both)."""
        return self if language is None else self.subset(self.languages == language)

    def subset(self, keep: np.ndarray) -> SpokenDigits:
        """The clips where `keep` (a mask or indices) says."""
        return SpokenDigits(self.clips[keep], self.digits[keep], self.languages[keep],
                            self.voices[keep])  # fmt: skip


def is_test_voice(voices: np.ndarray) -> np.ndarray:
    names = sorted(set(voices.tolist()))
    test = {name for i, name in enumerate(names) if i % TEST_EVERY == TEST_EVERY - 1}
    return np.array([v in test for v in voices.tolist()], dtype=bool)


def load(folder: Path = FOLDER, noisy: bool = True, seed: int = 0) -> tuple[SpokenDigits, ...]:
    """(training, test): every clip, split by voice; with `noisy`, each gets noise at 10 to 40 dB
    below its level and, one in two, the tone of a small room (a decaying echo), from `seed`."""
    try:
        with np.load(folder / FILE) as found:
            codes, digits = found["clips"], found["digits"]
            languages, voices = found["languages"], found["voices"]
    except (OSError, KeyError, ValueError) as e:
        raise DataError(Text("The spoken digits in {folder} cannot be read ({why}): reinstall the "
                             "app's assets.", folder=folder, why=str(e))) from e  # fmt: skip
    clips = decode(codes)
    if noisy:
        clips = roughen(clips, np.random.default_rng(seed))
    test = is_test_voice(voices)
    return tuple(SpokenDigits(clips[keep], digits[keep], languages[keep], voices[keep])
                 for keep in (~test, test))  # fmt: skip


def roughen(clips: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Noise at a random 10 to 40 dB below each clip's level, and one in two clips in a room."""
    out = clips.copy()
    for i, clip in enumerate(out):
        if rng.random() < 0.5:
            taps = int(rng.integers(200, 1200))  # 25 to 150 ms of echo
            response = rng.standard_normal(taps) * np.exp(-np.arange(taps) / (taps / 5))
            response[0] = 1.0
            wet = np.convolve(clip, response * 0.3)[:LENGTH]
            clip = wet * (0.9 / max(float(np.abs(wet).max()), 1e-6))
        level = np.sqrt(np.mean(clip**2)) + 1e-9
        snr = rng.uniform(10.0, 40.0)
        out[i] = np.clip(clip + rng.standard_normal(LENGTH) * level * 10 ** (-snr / 20), -1, 1)
    return out


def check_clip(audio: np.ndarray, rate: int) -> np.ndarray:
    """A recording (samples, at `rate`) as a clip of the data set's kind, or DataError in words:
    silence, longer than LONGEST seconds, or a rate that is not a number of samples a second."""
    if not rate or rate < 1000:
        raise DataError(Text("A sample rate of {rate} Hz is not one a recording has: record "
                             "again, or save it at 8,000 Hz or more.", rate=rate))  # fmt: skip
    seconds = len(audio) / rate
    if seconds > LONGEST:
        raise DataError(Text("The recording is {seconds:.0f} s long: say one digit, in at most "
                             "{most:.0f} s.", seconds=seconds, most=LONGEST))  # fmt: skip
    if rate != RATE:
        import librosa

        audio = librosa.resample(np.asarray(audio, dtype=np.float32), orig_sr=rate,
                                 target_sr=RATE)  # fmt: skip
    clip = fit_clip(audio)
    if clip is None:
        raise DataError(N_("The recording is silent: check the microphone, and say a digit."))
    return clip


def read_recording(data: bytes) -> tuple[np.ndarray, str]:
    """A recording's bytes (WAV, FLAC or OGG, as the browser or a file gives them) as a clip,
    and a note of what was done to it ("" if nothing); DataError in words if it is not one."""
    import io

    import soundfile as sf

    try:
        audio, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=False)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as e:
        raise DataError(N_("This file is not a recording the app can read: give a WAV, FLAC or "
                           "OGG file.")) from e  # fmt: skip
    clip = check_clip(audio, rate)
    note = "" if rate == RATE else Text("Resampled from {rate:,} Hz to 8,000 Hz.", rate=rate)
    return clip, note
