"""Calibration, against known numbers: a temperature is recovered from labels drawn with it,
the error of honest probabilities is near 0 and of over-confident ones is not, temperature never
changes an answer; a finished job is calibrated on its validation split; and the pretrained
model reads drawings in six people's styles (never trained on) as it reads MNIST."""

import pytest
import torch

from playground.datasets import image_sets
from playground.explain.drawing import prepare
from playground.serving.jobs import TrainingJob
from playground.tasks.image import calibration, evaluation
from playground.tasks.image.export import pretrained
from playground.tasks.image.recipe import TrainConfig
from tests.drawn_styles import DRAWINGS, STYLES, render
from tests.test_jobs import MLP


def labels_drawn_from(logits: torch.Tensor, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.multinomial(torch.softmax(logits, 1), 1, generator=g)[:, 0]


def test_a_temperature_is_recovered_from_labels_drawn_with_it():
    g = torch.Generator().manual_seed(1)
    honest = torch.randn(20_000, 10, generator=g) * 3
    labels = labels_drawn_from(honest)
    for t in (0.5, 2.0, 3.0):  # the model's outputs are the honest ones times 1/t
        assert calibration.fit_temperature(honest / t, labels) == pytest.approx(1 / t, rel=0.05)


def test_the_error_of_honest_probabilities_is_small_and_of_over_confident_ones_is_not():
    g = torch.Generator().manual_seed(2)
    logits = torch.randn(20_000, 10, generator=g) * 3
    labels = labels_drawn_from(logits)
    assert calibration.expected_calibration_error(torch.softmax(logits, 1), labels) < 0.02
    assert calibration.expected_calibration_error(torch.softmax(logits * 3, 1), labels) > 0.1
    found = calibration.calibrate(logits * 3, labels)
    assert found["temperature"] == pytest.approx(3, rel=0.05)
    assert found["ece_after"] < found["ece_before"] / 4


def test_a_temperature_never_changes_an_answer():
    logits = torch.randn(500, 10)
    for t in (0.3, 1.7, 9.0):
        assert torch.equal((logits / t).softmax(1).argmax(1), logits.argmax(1))


def test_a_finished_job_is_calibrated_on_its_validation_split():
    config = TrainConfig(dataset="mnist-sample", epochs=1, batch_size=64, train_limit=2000)
    job = TrainingJob(MLP, config)
    job.start()
    assert job.wait(120) and job.status.value == "finished"
    assert 0.2 < job.summary["temperature"] < 5
    assert 0 <= job.summary["ece_after"] <= 1 and 0 <= job.summary["ece_before"] <= 1
    mse = TrainingJob(MLP, TrainConfig(**{**config.to_dict(), "loss": "mse"}))
    mse.start()
    assert mse.wait(120) and "temperature" not in mse.summary  # not a softmax's outputs


def test_the_pretrained_model_reads_drawings_in_six_styles():
    model, info = pretrained.model(), image_sets.DATASETS["mnist"]
    t = pretrained.run().summary["temperature"]
    assert len(DRAWINGS) >= 60 and len(STYLES) == 6
    right = []
    for digit, _style, strokes, width in DRAWINGS:
        answer = evaluation.answer(
            model, prepare(render(strokes, width)).pixels(), info, "cross_entropy", t
        )
        right.append(str(answer.label) == digit)
    assert sum(right) / len(right) >= 0.95, sum(right)
