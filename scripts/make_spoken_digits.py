"""Make the Listen page's spoken digits (playground/assets/spoken-digits/): the ten digits said
by espeak-ng in English ("zero" .. "nine") and Mandarin (零 .. 九), three clips for every voice
variant, language and digit, each at a speed and pitch drawn for it; resampled to 8 kHz, trimmed of
silence, levelled to the same peak, centred in one second, and stored as 8-bit mu-law in one
compressed NumPy file with each clip's digit, language and voice. The voices are synthetic.

Noise and room tone are not stored (they would not compress): the data set adds them when it
loads, drawn from a fixed seed (playground/datasets/spoken.py), so every load is the same.
Voices are split between training and test (every fifth variant is a test voice), so the test
measures voices the model never heard.

    apt-get install espeak-ng; python -m scripts.make_spoken_digits
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import librosa
import numpy as np
import soundfile as sf

from playground import ASSETS
from playground.datasets import spoken

WORDS = {
    "en": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
    "zh": ("零", "一", "二", "三", "四", "五", "六", "七", "八", "九"),
}
ACCENTS = {"en": ("en-us", "en-gb"), "zh": ("cmn",)}
RENDITIONS = 3  # clips of each digit by each voice, each at its own speed and pitch


def variants() -> list[str]:
    """espeak-ng's voice variants (Adam, Alex, ... klatt), by file name."""
    listed = subprocess.run(["espeak-ng", "--voices=variant"], capture_output=True, text=True,
                            check=True).stdout.splitlines()[1:]  # fmt: skip
    return sorted({line.split()[4].removeprefix("!v/") for line in listed if line.split()})


def say(word: str, voice: str, speed: int, pitch: int) -> np.ndarray:
    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "clip.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w",
                        str(wav), word], check=True, capture_output=True)  # fmt: skip
        audio, rate = sf.read(wav, dtype="float32")
    return librosa.resample(audio, orig_sr=rate, target_sr=spoken.RATE)


def main() -> None:
    rng = np.random.default_rng(0)
    clips, digits, languages, voices = [], [], [], []
    names = variants()
    for v, variant in enumerate(names):
        for language, words in WORDS.items():
            accent = ACCENTS[language][v % len(ACCENTS[language])]
            for digit, word in enumerate(words):
                for _time in range(RENDITIONS):
                    speed, pitch = int(rng.integers(110, 200)), int(rng.integers(20, 80))
                    audio = spoken.fit_clip(say(word, f"{accent}+{variant}", speed, pitch))
                    if audio is None:
                        continue
                    clips.append(spoken.encode(audio))
                    digits.append(digit)
                    languages.append(language)
                    voices.append(variant)
    target = ASSETS / "spoken-digits"
    target.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(target / spoken.FILE, clips=np.stack(clips), digits=np.array(digits),
                        languages=np.array(languages), voices=np.array(voices))  # fmt: skip
    print(f"{target / spoken.FILE}: {len(clips)} clips, {len(names)} voices")


if __name__ == "__main__":
    main()
