"""Make playground/assets/text/: the four text corpora the Language page ships with, xz-compressed,
from a folder that holds them (the project's shared datasets: tinyshakespeare.txt, names.txt,
tang_quatrains_7.txt, tang_quatrains_5.txt), checked against their SHA-256, and a README with
their credits.

    python -m scripts.make_text_assets ../shared/datasets/text
"""

from __future__ import annotations

import hashlib
import lzma
import sys
from pathlib import Path

from playground.tasks.language.corpora import CORPORA, TEXTS

SOURCES = {  # the corpus's file in playground/assets/text -> its source file and SHA-256
    "tinyshakespeare.txt.xz": ("tinyshakespeare.txt",
        "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"),
    "names.txt.xz": ("names.txt",
        "0a30b5557f192f32ab962680889aac5f6fda0f4cecf40a6d0b5694f58ea8cc4d"),
    "tang_quatrains_7.txt.xz": ("tang_quatrains_7.txt",
        "ff6ff0325d30e3981f38af3b01759dbbdf29dfeb1fcd586823cf4a1becbf0478"),
    "tang_quatrains_5.txt.xz": ("tang_quatrains_5.txt",
        "361a3d8d4074da05012bb995b6e23c2a454e3b7ee8f8eca32ba9f432c6398a91"),
}  # fmt: skip


def main(folder: str) -> None:
    TEXTS.mkdir(parents=True, exist_ok=True)
    for target, (source, digest) in SOURCES.items():
        raw = (Path(folder) / source).read_bytes()
        if hashlib.sha256(raw).hexdigest() != digest:
            sys.exit(f"{source} is not the file this script expects (its SHA-256 differs)")
        (TEXTS / target).write_bytes(lzma.compress(raw, preset=9 | lzma.PRESET_EXTREME))
        print(f"{target}: {len(raw):,} bytes -> {(TEXTS / target).stat().st_size:,}")
    lines = ["# Text corpora", "", "Made by `scripts/make_text_assets.py`; xz-compressed UTF-8.",
             "", "| file | what | source and licence |", "| --- | --- | --- |"]  # fmt: skip
    lines += [f"| `{c.file}` | {c.description} | {c.credit} |" for c in CORPORA.values() if c.file]
    (TEXTS / "README.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/datasets/text")
