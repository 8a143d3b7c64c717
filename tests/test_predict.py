"""A model's answer: probabilities from PyTorch itself, and when to warn."""

import pytest
import torch

from playground import models
from playground.predict import Answer, probabilities
from playground.specs import ModelSpec

DIGITS = tuple(str(d) for d in range(10))


def test_probabilities_are_the_softmax_of_the_model_in_eval_mode_and_train_mode_returns():
    torch.manual_seed(0)
    model = models.build(ModelSpec.from_preset("bn-cnn")).train()
    x = torch.randn(1, 1, 28, 28)
    p = probabilities(model, x)
    assert model.training  # restored
    with torch.no_grad():
        expected = torch.softmax(model.eval()(x)[0], dim=0)
    torch.testing.assert_close(p, expected)
    assert p.sum().item() == pytest.approx(1.0)


def test_a_clear_answer_has_no_warning():
    answer = Answer.of(torch.tensor([0.01] * 9 + [0.91]), DIGITS)
    assert (answer.label, answer.runner_up, answer.warning) == (9, 0, None)
    assert answer.confidence == pytest.approx(0.91)


def test_two_close_answers_are_ambiguous_and_a_weak_one_is_unsure():
    close = Answer.of(torch.tensor([0.0] * 7 + [0.45, 0.0, 0.55]), DIGITS)
    assert close.warning.startswith("Ambiguous") and "9 (55%)" in close.warning
    assert "7 (45%)" in close.warning
    weak = Answer.of(torch.tensor([0.1] * 6 + [0.4] + [0.0] * 3), DIGITS)
    assert weak.warning.startswith("Not sure")
