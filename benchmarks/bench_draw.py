"""Preparing one drawing and classifying it with the pretrained model, on the CPU.

python -m benchmarks.bench_draw
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import torch

from benchmarks.report import table, write_section
from playground import catalog, pretrained
from playground.drawing import prepare
from playground.predict import probabilities

REPEATS = 200


def a_drawing() -> np.ndarray:
    """A 280x280 RGBA canvas with a thick '7' on it."""
    image = np.zeros((280, 280, 4), np.uint8)
    image[..., 3] = 255
    image[60:80, 70:210, :3] = 255  # the bar
    for row in range(80, 230):  # the stem, leaning left
        col = 200 - (row - 80) // 2
        image[row, col - 10 : col + 10, :3] = 255
    return image


def main() -> None:
    torch.set_num_threads(2)
    model = pretrained.model()
    info = catalog.DATASETS["mnist"]
    canvas = a_drawing()
    timings = {"prepare": [], "infer": [], "both": []}
    for _ in range(REPEATS + 10):
        t0 = time.perf_counter()
        prepared = prepare(canvas)
        t1 = time.perf_counter()
        p = probabilities(model, prepared.tensor(info.mean, info.std))
        t2 = time.perf_counter()
        timings["prepare"].append(t1 - t0)
        timings["infer"].append(t2 - t1)
        timings["both"].append(t2 - t0)
    rows = [
        [what, f"{statistics.median(t[10:]) * 1000:.2f}", f"{max(t[10:]) * 1000:.2f}"]
        for what, t in timings.items()
    ]
    body = f"""
One 280x280 canvas (a drawn 7, predicted {int(p.argmax())}), the pretrained model
({pretrained.run().spec.name}) on the CPU, {REPEATS} repeats after 10 warm-up runs:

{table(rows, ["step", "median (ms)", "max (ms)"])}

Target: preparation plus inference <= 10 ms.
"""
    write_section(
        "draw-speed", "Draw: one drawing to an answer", "python -m benchmarks.bench_draw", body
    )
    print(body)


if __name__ == "__main__":
    main()
