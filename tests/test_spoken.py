"""The spoken digits (datasets/spoken.py) and sound as an image (datasets/sound.py): oracles are
a pure tone, librosa's own filter bank, the mu-law round trip, and the data set's own labels."""

import io

import numpy as np
import pytest
import soundfile as sf
import torch

from playground.datasets import sound, spoken
from playground.engine.records import DataError


def test_a_pure_tones_spectrogram_peaks_at_its_frequency_bin():
    t = np.arange(spoken.RATE) / spoken.RATE
    tone = np.sin(2 * np.pi * 1000.0 * t).astype(np.float32)
    power = sound.spectrogram(tone, n_fft=256, hop=128)
    assert power.shape == (129, spoken.RATE // 128 + 1)
    assert int(power.mean(dim=1).argmax()) == round(1000 / (spoken.RATE / 256))  # bin 32


def test_the_mel_bank_is_librosas_and_a_log_mel_has_its_shape():
    import librosa

    bank = sound.mel_bank(40, 256)
    expected = librosa.filters.mel(sr=spoken.RATE, n_fft=256, n_mels=40)
    assert torch.allclose(bank, torch.from_numpy(expected))
    assert np.allclose(bank.sum(dim=1).numpy(), expected.sum(axis=1))
    assert sound.log_mel(np.zeros((3, spoken.LENGTH), np.float32)).shape == (3, 40, 63)


def test_a_clip_survives_the_data_sets_compression():
    g = np.random.default_rng(0)
    t = np.arange(spoken.LENGTH) / spoken.RATE
    clip = (0.5 * np.sin(2 * np.pi * 440 * t) * np.hanning(spoken.LENGTH)).astype(np.float32)
    clip += 0.01 * g.standard_normal(spoken.LENGTH).astype(np.float32)
    back = spoken.decode(spoken.encode(clip))
    assert np.abs(back - clip).max() < 0.02  # 8-bit mu-law: fine steps near 0, coarse near 1
    loud = sound.log_mel(clip) > sound.log_mel(clip).max() - 40
    assert (sound.log_mel(back) - sound.log_mel(clip))[loud].abs().mean() < 1.0  # dB


def test_train_and_test_share_no_voice_and_hold_every_digit_in_both_languages():
    train, test = spoken.load()
    assert not set(train.voices.tolist()) & set(test.voices.tolist())
    for part in (train, test):
        for language in spoken.LANGUAGES:
            assert set(part.only(language).digits.tolist()) == set(range(10))
    assert len(test) > 0.15 * (len(train) + len(test))
    assert train.clips.shape[1] == spoken.LENGTH and np.abs(train.clips).max() <= 1.0
    again, _ = spoken.load()
    assert np.array_equal(again.clips, train.clips)  # noise from a fixed seed: the same set


def wav(audio: np.ndarray, rate: int) -> bytes:
    out = io.BytesIO()
    sf.write(out, audio, rate, format="WAV")
    return out.getvalue()


def test_a_recording_becomes_a_clip_or_a_sentence():
    t = np.arange(22050) / 22050
    said = (0.3 * np.sin(2 * np.pi * 300 * t) * (t < 0.5)).astype(np.float32)
    clip, note = spoken.read_recording(wav(said, 22050))
    assert clip.shape == (spoken.LENGTH,) and np.abs(clip).max() == pytest.approx(0.9, abs=0.05)
    assert "22,050 Hz" in note
    with pytest.raises(DataError, match="silent"):
        spoken.read_recording(wav(np.zeros(8000, np.float32), 8000))
    with pytest.raises(DataError, match="say one digit"):
        spoken.read_recording(wav(np.full(8000 * 60 * 20, 0.1, np.float32), 8000))
    with pytest.raises(DataError, match="not a recording"):
        spoken.read_recording(b"this is not a sound")
    with pytest.raises(DataError, match="sample rate"):
        spoken.check_clip(said, 0)
