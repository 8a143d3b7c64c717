"""Write one benchmark's section of BENCHMARKS.md, leaving the other sections as they are."""

import os
import platform
import re
import sys
import time
from pathlib import Path

import torch

BENCHMARKS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"
HEADER = """# Benchmarks

Measured by the scripts in `benchmarks/`; each section says the command that wrote it, and when.
Numbers come from one run on the machine named in the section: rerun the command to check them.
"""


def mnist_dir() -> str:
    """The folder of real MNIST ($PLAYGROUND_MNIST_DIR); without it the benchmark stops."""
    folder = os.environ.get("PLAYGROUND_MNIST_DIR")
    if not folder or not Path(folder).is_dir():
        sys.exit("set PLAYGROUND_MNIST_DIR to a folder with the MNIST IDX files")
    return folder


def machine() -> str:
    gpu = f", {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ", no GPU"
    return (
        f"{platform.machine()}, {torch.get_num_threads()} torch threads{gpu}, "
        f"Python {platform.python_version()}, torch {torch.__version__}"
    )


def write_section(key: str, title: str, command: str, body: str) -> None:
    text = BENCHMARKS.read_text() if BENCHMARKS.exists() else HEADER
    section = (
        f"<!-- {key}:start -->\n## {title}\n\n"
        f"`{command}` on {time.strftime('%Y-%m-%d')} ({machine()}).\n\n{body.strip()}\n"
        f"<!-- {key}:end -->"
    )
    pattern = re.compile(rf"<!-- {key}:start -->.*?<!-- {key}:end -->", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    BENCHMARKS.write_text(text)
    print(f"wrote section {key!r} of {BENCHMARKS}")


def table(rows: list[list], header: list[str]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
