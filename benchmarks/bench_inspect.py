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
from playground import catalog, evaluation, explain, models, plots, pretrained
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
    bn_cnn = pretrained.model()
    batch = (data.test_x[:256].float() / 255 - info.mean) / info.std

    def charts(net) -> None:  # what the Inspect page draws for one input, every layer
        for out in explain.feature_maps(net, x):
            if out.dim() == 4:
                plots.maps_figure(out[0][:32], "t").to_json()
            else:
                plots.bars_figure(out[0].tolist(), "t").to_json()

    rows = []
    for what, fn, repeats in [
        ("feature maps of one input", lambda: explain.feature_maps(model, x), 50),
        ("Grad-CAM of one input", lambda: explain.grad_cam(model, x, 3), 50),
        ("feature maps + their charts, every layer", lambda: charts(model), 10),
        ("the same for the pretrained bn-cnn (17 layers)", lambda: charts(bn_cnn), 10),
        (
            "layer statistics over 256 test images",
            lambda: explain.layer_statistics(model, batch),
            10,
        ),
        (
            f"the {len(data.test_y):,} test images",
            lambda: evaluation.outputs_of(model, data.test_x, info),
            5,
        ),
    ]:
        t = timed(fn, repeats)
        rows.append([what, f"{statistics.median(t) * 1000:.1f}", f"{max(t) * 1000:.1f}"])
    body = f"""
The seed CNN on the CPU ({data.name}), median and max of repeated runs after one warm-up. The
charts rows build the plotly figures the Inspect page sends and serialise them (each conv layer's
maps as one mosaic heatmap; drawn with one subplot per channel they took 2.1 s for bn-cnn).

{table(rows, ["what", "median (ms)", "max (ms)"])}

Targets: feature maps <= 100 ms, Grad-CAM <= 100 ms, the 10,000 test images <= 3 s.
"""
    write_section(
        "inspect-speed", "Inspect and Evaluate: speed", "python -m benchmarks.bench_inspect", body
    )
    print(body)


if __name__ == "__main__":
    main()
