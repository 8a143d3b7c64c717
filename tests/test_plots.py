"""Figure builders against known numbers: smoothing, thinning, and what each figure shows."""

import math

import pytest

from playground import models, plots
from playground.metrics import EpochRecord, StepRecord
from playground.specs import ModelSpec


def steps(n: int) -> list[StepRecord]:
    return [StepRecord(i, 1 + i // 100, 2.0 / i, 0.5, 1e-3 * i, 100.0, 0.1 * i)
            for i in range(1, n + 1)]  # fmt: skip


def test_smoothing_is_the_bias_corrected_moving_average():
    # by hand, weight 0.5: avg1 = 0.5*1 -> /0.5 = 1; avg2 = 0.25 + 0.5*3 = 1.75 -> /0.75
    assert plots.smooth([1.0, 3.0], 0.5) == pytest.approx([1.0, 1.75 / 0.75])
    assert plots.smooth([4.0] * 50) == pytest.approx([4.0] * 50)  # a constant stays put


def test_long_curves_are_thinned_but_keep_their_last_point():
    fig = plots.step_loss_figure(steps(10_000))
    raw, smoothed, lr = fig.data
    assert len(lr.x) == len(raw.x)
    assert len(raw.x) <= plots.MAX_POINTS + 1 and raw.x[-1] == 10_000
    assert smoothed.y[-1] == pytest.approx(plots.smooth([2.0 / i for i in range(1, 10_001)])[-1])
    short = plots.step_loss_figure(steps(30))
    assert list(short.data[0].y) == [2.0 / i for i in range(1, 31)]


def test_the_epoch_figure_has_train_and_validation_loss_and_accuracy():
    epochs = [EpochRecord(e, 1 / e, 0.9, 1.2 / e, 0.88, 3.0, 1e-3) for e in (1, 2, 3)]
    fig = plots.epoch_figure(epochs)
    names = [(t.name, t.yaxis) for t in fig.data]
    assert names == [("train", "y"), ("validation", "y"), ("train", "y2"), ("validation", "y2")]
    assert list(fig.data[1].y) == pytest.approx([1.2, 0.6, 0.4])


def test_the_learning_rate_shares_the_step_chart_on_its_own_axis():
    lr = plots.step_loss_figure(steps(5)).data[2]
    assert lr.yaxis == "y2" and list(lr.y) == pytest.approx([1e-3 * i for i in range(1, 6)])


def test_the_network_diagram_labels_every_layer_with_its_output_shape():
    summary = models.summarize(ModelSpec.from_preset("seed-cnn"))
    fig = plots.network_figure(summary)
    texts = [a.text for a in fig.layout.annotations if a.text]
    assert len(texts) == 8  # the input and seven layers
    assert "Input" in texts[0] and "1x28x28" in texts[0]
    assert "Conv2d 32 3x3 + ReLU" in texts[1] and "32x26x26" in texts[1]
    assert "Linear 10" in texts[-1] and texts[-1].endswith("10")


def test_compare_puts_runs_with_different_batch_sizes_on_one_epoch_axis():
    small = [StepRecord(i, 1 + (i - 1) // 10, 1.0, 0.5, 1e-3, 1.0, 1.0) for i in range(1, 21)]
    big = [StepRecord(i, 1 + (i - 1) // 5, 1.0, 0.5, 1e-3, 1.0, 1.0) for i in range(1, 11)]
    fig = plots.compare_figure({"small": (small, []), "big": (big, [])})
    assert math.isclose(fig.data[0].x[-1], 2.0) and math.isclose(fig.data[2].x[-1], 2.0)
