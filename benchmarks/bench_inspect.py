"""Inspect and Evaluate on the CPU: feature maps and Grad-CAM of one input, and the whole test
set, for the seed CNN.

    PLAYGROUND_MNIST_DIR=../shared/datasets/mnist python -m benchmarks.bench_inspect
"""

from __future__ import annotations

import os
import statistics
import time

import torch

from benchmarks.report import table, write_section
from playground import catalog, inspect, models
from playground.data import load
from playground.specs import ModelSpec


def timed(fn, repeats: int) -> list[float]:
    fn()  # warm-up
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    torch.set_num_threads(2)
    mnist = os.environ.get("PLAYGROUND_MNIST_DIR")
    data = load("mnist" if mnist else "mnist-sample", mnist, download=False)
    info = catalog.DATASETS["mnist"]
    torch.manual_seed(0)
    model = models.build(ModelSpec.from_preset("seed-cnn")).eval()
    x = (data.test_x[:1].float() / 255 - info.mean) / info.std
    rows = []
    for what, fn, repeats in [
        ("feature maps of one input", lambda: inspect.feature_maps(model, x), 50),
        ("Grad-CAM of one input", lambda: inspect.grad_cam(model, x, 3), 50),
        (
            f"the {len(data.test_y):,} test images",
            lambda: inspect.test_probabilities(model, data.test_x, info.mean, info.std),
            5,
        ),
    ]:
        t = timed(fn, repeats)
        rows.append([what, f"{statistics.median(t) * 1000:.1f}", f"{max(t) * 1000:.1f}"])
    body = f"""
The seed CNN on the CPU ({data.name}), median and max of repeated runs after one warm-up:

{table(rows, ["what", "median (ms)", "max (ms)"])}

Targets: feature maps <= 100 ms, Grad-CAM <= 100 ms, the 10,000 test images <= 3 s.
"""
    write_section(
        "inspect-speed", "Inspect and Evaluate: speed", "python -m benchmarks.bench_inspect", body
    )
    print(body)


if __name__ == "__main__":
    main()
