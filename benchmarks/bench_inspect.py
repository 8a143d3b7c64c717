"""Inspect and Evaluate on the CPU: every Inspect view for one input, and the whole test set, for
the seed CNN and the pretrained model.

    PLAYGROUND_MNIST_DIR=../shared/datasets/mnist python -m benchmarks.bench_inspect
"""

from __future__ import annotations

import os
import statistics
import time

import torch

from benchmarks.report import table, write_section
from playground.datasets import image_sets
from playground.datasets.images import load
from playground.explain import attributions, feature_vis, figures, inside, inspect_plots
from playground.explain.attributions import METHODS
from playground.tasks.image import evaluation, models
from playground.tasks.image.export import pretrained
from playground.tasks.image.specs import ModelSpec

IG = "integrated_gradients"


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
    info = image_sets.DATASETS["mnist"]
    torch.manual_seed(0)
    seed_cnn = models.build(ModelSpec.from_preset("seed-cnn")).eval()
    bn_cnn = pretrained.model()
    x = (data.test_x[:1].float() / 255 - info.mean) / info.std
    batch = (data.test_x[:256].float() / 255 - info.mean) / info.std
    many = batch[:64]
    low, high = (0 - info.mean) / info.std, (1 - info.mean) / info.std
    spec_of = {id(seed_cnn): ModelSpec.from_preset("seed-cnn"), id(bn_cnn): pretrained.run().spec}

    def charts(net) -> None:  # what the Inspect page draws for one input, every layer
        for out in inside.feature_maps(net, x):
            if out.dim() == 4:
                figures.maps_figure(out[0][:32], "t").to_json()
            else:
                figures.bars_figure(out[0].tolist(), "t").to_json()

    def worked(net) -> None:  # one click: the worked convolution and its figures
        layer = inside.conv_layers(net)[-1]
        maps = inside.feature_maps(net, x)[layer][0]
        inspect_plots.clickable_map_figure(maps[0], "t").to_json()
        found = inside.worked_convolution(net, x, layer, 0, 3, 4)
        inspect_plots.worked_figure(found).to_json()

    def replay(net) -> None:  # one move of the slider: a snapshot's model, maps, kernels
        model = models.build(spec_of[id(net)])
        model.load_state_dict(net.state_dict())
        maps = inside.feature_maps(model.eval(), x)
        first = inside.conv_layers(model)[0]
        figures.maps_figure(inside.filters(model, first)[:32, 0], "t").to_json()
        figures.maps_figure(maps[first][0][:32], "t").to_json()

    def vis(net, target) -> None:
        feature_vis.maximise(net, target, (1, 28, 28), low, high)

    def attribution(method: str):
        return lambda net: attributions.attribute(net, x, 3, method)

    def hardest(net) -> None:  # integrated gradients over 64 test images: the slowest counts
        for i in range(64):
            attributions.attribute(net, many[i : i + 1], int(data.test_y[i]), IG)

    def class_looks_for(net) -> None:
        feature_vis.maximise(net, feature_vis.Target(None, 3), (1, 28, 28), low, high)

    def channel_looks_for(net) -> None:
        target = feature_vis.Target(inside.conv_layers(net)[-1], 0)
        feature_vis.maximise(net, target, (1, 28, 28), low, high)

    views = [
        ("feature maps + their charts, every layer", charts, 10),
        ("worked convolution (a click on the last conv layer)", worked, 10),
        *[(f"attribution: {m.label}", attribution(m.name), 5) for m in METHODS.values()],
        ("integrated gradients, all of 64 test images", hardest, 1),
        ("replay: one move of the slider", replay, 10),
        ("what a class looks for (256 steps)", class_looks_for, 2),
        ("what a channel of the last conv layer looks for", channel_looks_for, 2),
        ("layer statistics over 256 test images", lambda n: inside.layer_statistics(n, batch), 5),
        (
            f"Evaluate: the {len(data.test_y):,} test images",
            lambda net: evaluation.outputs_of(net, data.test_x, info),
            3,
        ),
    ]
    rows = []
    for what, fn, repeats in views:
        row = [what]
        for net in (seed_cnn, bn_cnn):
            t = timed(lambda fn=fn, net=net: fn(net), repeats)
            row.append(f"{statistics.median(t) * 1000:.0f} / {max(t) * 1000:.0f}")
        rows.append(row)
    body = f"""
Each view of the Inspect page for one input (and Evaluate's test-set pass), for the seed CNN
(fresh weights) and the pretrained BatchNorm CNN, on the CPU ({data.name}): median / max of
repeated runs after one warm-up, in ms. Chart rows build the plotly figures the page sends and
serialise them. Attributions are captum's; integrated gradients doubles its 50 steps until the
parts add up to the whole within 1%: one row times it on 64 test images in a row (the sum), as
some images need more steps.

{table(rows, ["view", "seed CNN (ms)", "pretrained bn-cnn (ms)"])}

Targets: every view <= 1 s, except what a channel looks for, which shows its progress; the
10,000 test images <= 3 s.
"""
    write_section(
        "inspect-speed", "Inspect and Evaluate: speed", "python -m benchmarks.bench_inspect", body
    )
    print(body)


if __name__ == "__main__":
    main()
