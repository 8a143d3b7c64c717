"""Figure builders against known numbers: smoothing, thinning, and what each figure shows."""

import math

import pytest

from playground.engine.metrics import CHART_POINTS, EpochRecord, MetricsLog, StepRecord
from playground.explain import diagram, figures
from playground.serving import curves
from playground.tasks.image import models
from playground.tasks.image.specs import LayerSpec, ModelSpec


def steps(n: int) -> list[StepRecord]:
    return [
        StepRecord(i, 1 + i // 100, 2.0 / i, 0.5, 1e-3 * i, 100.0, 0.1 * i) for i in range(1, n + 1)
    ]


def test_smoothing_is_the_bias_corrected_moving_average():
    # by hand, weight 0.5: avg1 = 0.5*1 -> /0.5 = 1; avg2 = 0.25 + 0.5*3 = 1.75 -> /0.75
    assert curves.smooth([1.0, 3.0], 0.5) == pytest.approx([1.0, 1.75 / 0.75])
    assert curves.smooth([4.0] * 50) == pytest.approx([4.0] * 50)  # a constant stays put


def points(records: list[StepRecord]) -> list:
    log = MetricsLog()
    for record in records:
        log.add(record)
    return log.points()


def test_a_long_curve_is_drawn_from_its_folded_points_with_their_range():
    folded = points(steps(10_000))
    high, low, raw, smoothed, lr = curves.step_loss_figure(folded).data
    assert low.fill == "tonexty" and len(lr.x) == len(raw.x) <= CHART_POINTS
    first = folded[0].last  # the first point: steps 1 to `first`, loss 2 / step
    assert raw.x[-1] == 10_000 and high.y[0] == 2.0 and low.y[0] == pytest.approx(2.0 / first)
    assert raw.y[0] == pytest.approx(sum(2.0 / i for i in range(1, first + 1)) / first)
    # the smoothed line weighs a folded point as the steps it stands for
    exact = curves.smooth([2.0 / i for i in range(1, 10_001)])[-1]
    assert smoothed.y[-1] == pytest.approx(exact, rel=0.02)
    short = curves.step_loss_figure(points(steps(30)))
    assert len(short.data) == 3 and list(short.data[0].y) == [2.0 / i for i in range(1, 31)]


def test_smoothing_a_folded_point_is_smoothing_the_steps_it_stands_for():
    assert curves.smooth([1.0, 1.0, 3.0], 0.9)[-1] == pytest.approx(
        curves.smooth([1.0, 3.0], 0.9, [2, 1])[-1]
    )


def test_the_epoch_figure_has_train_and_validation_loss_and_accuracy():
    epochs = [EpochRecord(e, 1 / e, 0.9, 1.2 / e, 0.88, 3.0, 1e-3) for e in (1, 2, 3)]
    fig = curves.epoch_figure(epochs)
    names = [(t.name, t.yaxis) for t in fig.data]
    assert names == [("train", "y"), ("validation", "y"), ("train", "y2"), ("validation", "y2")]
    assert list(fig.data[1].y) == pytest.approx([1.2, 0.6, 0.4])


def test_the_learning_rate_shares_the_step_chart_on_its_own_axis():
    lr = curves.step_loss_figure(points(steps(5))).data[2]
    assert lr.yaxis == "y2" and list(lr.y) == pytest.approx([1e-3 * i for i in range(1, 6)])


def test_the_network_diagram_labels_every_layer_with_its_output_shape():
    summary = models.summarize(ModelSpec.from_preset("seed-cnn"))
    fig = diagram.network_figure(summary)
    texts = [a.text for a in fig.layout.annotations if a.text]
    assert len(texts) == 8  # the input and seven layers
    assert "Input" in texts[0] and "1x28x28" in texts[0]
    assert "Conv2d 32 3x3 + ReLU" in texts[1] and "32x26x26" in texts[1]
    assert "Linear 10" in texts[-1] and texts[-1].endswith("10")


def test_compare_puts_runs_with_different_batch_sizes_on_one_epoch_axis():
    small = [StepRecord(i, 1 + (i - 1) // 10, 1.0, 0.5, 1e-3, 1.0, 1.0) for i in range(1, 21)]
    big = [StepRecord(i, 1 + (i - 1) // 5, 1.0, 0.5, 1e-3, 1.0, 1.0) for i in range(1, 11)]
    fig = curves.compare_figure({"small": (points(small), []), "big": (points(big), [])})
    assert math.isclose(fig.data[0].x[-1], 2.0) and math.isclose(fig.data[2].x[-1], 2.0)


def test_each_confusion_cell_can_be_clicked_and_says_which_cell_it_is():
    matrix = [[5, 1, 0], [2, 7, 0], [0, 3, 9]]
    fig = figures.confusion_figure(matrix, ["a", "b", "c"])
    heat, cells = fig.data
    assert heat.type == "heatmap" and [list(r) for r in heat.z] == matrix
    assert cells.type == "scatter" and len(cells.x) == 9
    for x, y, (t, p, n) in zip(cells.x, cells.y, cells.customdata, strict=True):
        assert (y, x) == ("abc"[t], "abc"[p]) and n == matrix[t][p]
    assert fig.layout.clickmode == "event+select"
    mistakes = figures.confusion_figure(matrix, ["a", "b", "c"], mistakes_only=True).data[0]
    assert [list(r) for r in mistakes.z] == [[None, 1, 0], [2, None, 0], [0, 3, None]]
    assert [list(r) for r in mistakes.text] == [["5", "1", "0"], ["2", "7", "0"], ["0", "3", "9"]]


def test_layer_statistics_figure_puts_dead_relus_on_their_own_axis():
    fig = figures.statistics_figure(["1 conv", "2 pool"], [0.5, 0.2], [1.0, 0.8], [0.25, None])
    mean, std, dead = fig.data
    assert list(mean.y) == [0.5, 0.2] and list(std.y) == [1.0, 0.8]
    assert list(dead.y) == [0.25, None] and dead.yaxis == "y2"


def test_feature_maps_are_tiled_in_one_heatmap_with_gaps_and_real_values_on_hover():
    import numpy as np

    maps = np.arange(3 * 2 * 2, dtype=np.float32).reshape(3, 2, 2)  # 3 channels of 2x2
    fig = figures.maps_figure(maps, "t", columns=2)
    (heat,) = fig.data
    z, info = np.asarray(heat.z), np.asarray(heat.customdata)
    assert z.shape == (5, 5)  # 2 rows and 2 columns of 2x2 maps, 1-pixel gaps
    assert np.array_equal(z[0:2, 0:2], maps[0]) and np.array_equal(z[0:2, 3:5], maps[1])
    assert np.array_equal(z[3:5, 0:2], maps[2])
    assert np.isnan(z[2]).all() and np.isnan(z[:, 2]).all() and np.isnan(z[3:5, 3:5]).all()
    assert info[3, 1, 0] == 3 and info[3, 1, 1] == maps[2, 0, 1]  # channel 3 and its value
    own = np.asarray(figures.maps_figure(maps, "t", columns=2, shared_scale=False).data[0].z)
    assert np.allclose(own[0:2, 0:2], [[0, 1 / 3], [2 / 3, 1]])  # each map on its own range


def test_a_run_of_identical_layers_is_one_node_that_says_how_many():
    layers = [LayerSpec("conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1}, "relu")]
    layers += [LayerSpec("residual", {})] * 200 + [LayerSpec("flatten"), LayerSpec("linear")]
    fig = diagram.network_figure(models.summarize(ModelSpec(tuple(layers))))
    texts = [a.text for a in fig.layout.annotations if a.text]
    assert len(texts) == 5  # input, conv, the 200 blocks, flatten, linear
    assert "2-201. Residual" in texts[2] and "(x200)" in texts[2]


def test_a_very_deep_model_is_drawn_as_one_column_of_bars_with_hover_text():
    pair = [
        LayerSpec("conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1}, "relu"),
        LayerSpec("batchnorm"),
    ]
    spec = ModelSpec((*pair * 60, LayerSpec("flatten"), LayerSpec("linear")))
    fig = diagram.network_figure(models.summarize(spec))
    (bars,) = fig.data
    assert bars.type == "bar" and len(bars.y) == 123 and not fig.layout.annotations
    assert "Batchnorm" in bars.hovertext[2] or "BatchNorm" in bars.hovertext[2]
