"""A model's answers and scores, against PyTorch itself and direct counts: probabilities as
the loss it was trained with means them, one input's answer in words, test-set scores."""

import pytest
import torch
import torch.nn.functional as F

from playground.datasets import image_sets
from playground.tasks.image import evaluation, models
from playground.tasks.image.evaluation import Answer
from playground.tasks.image.specs import ModelSpec

DIGITS = tuple(str(d) for d in range(10))
MNIST = image_sets.DATASETS["mnist"]


def test_the_loss_says_what_the_outputs_mean():
    out = torch.tensor([[2.0, 0.5, -1.0]])
    for loss in ("cross_entropy", "nll", "mse"):
        torch.testing.assert_close(evaluation.probabilities(out, loss), torch.softmax(out, 1))
    torch.testing.assert_close(evaluation.probabilities(out, "bce"), torch.sigmoid(out))
    one = torch.tensor([[-1.0], [2.0]])  # one output: the chance of class 1
    p1 = torch.sigmoid(one)
    torch.testing.assert_close(evaluation.probabilities(one, "bce"), torch.cat([1 - p1, p1], 1))
    assert evaluation.predictions(one, "bce").tolist() == [0, 1]
    assert evaluation.predictions(out, "cross_entropy").tolist() == [0]


def test_one_answer_is_the_models_in_eval_mode_and_its_mode_is_restored():
    torch.manual_seed(0)
    model = models.build(ModelSpec.from_preset("bn-cnn")).train()
    x = torch.rand(1, 1, 28, 28)  # pixels 0-1, as a drawing gives them
    answer = evaluation.answer(model, x, MNIST, "cross_entropy")
    assert model.training  # restored
    with torch.no_grad():
        expected = torch.softmax(model.eval()((x - 0.1307) / 0.3081)[0], dim=0)
    torch.testing.assert_close(torch.tensor(answer.probabilities), expected)
    assert answer.label == int(expected.argmax()) and sum(answer.probabilities) == pytest.approx(1)


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


def test_confusion_matrix_and_class_scores_match_a_direct_count():
    torch.manual_seed(2)
    truth = torch.randint(0, 4, (500,))
    predicted = torch.where(torch.rand(500) < 0.7, truth, torch.randint(0, 4, (500,)))
    matrix = evaluation.confusion_matrix(truth, predicted, 4)
    assert matrix.sum() == 500
    for t in range(4):
        for p in range(4):
            assert matrix[t, p] == int(((truth == t) & (predicted == p)).sum())
    for k, score in enumerate(evaluation.class_scores(matrix)):
        tp = int(((truth == k) & (predicted == k)).sum())
        precision = tp / int((predicted == k).sum())
        recall = tp / int((truth == k).sum())
        assert score.precision == pytest.approx(precision) and score.recall == pytest.approx(recall)
        assert score.f1 == pytest.approx(2 * precision * recall / (precision + recall))
        assert score.support == int((truth == k).sum())


def test_test_scores_match_the_model_batch_by_batch_and_its_own_loss():
    torch.manual_seed(0)
    model = models.build(ModelSpec.from_preset("bn-cnn")).train()
    x = torch.randint(0, 256, (25, 1, 28, 28), dtype=torch.uint8)
    y = torch.randint(0, 10, (25,))
    out = evaluation.outputs_of(model, x, MNIST, batch_size=10)
    assert model.training  # restored
    with torch.no_grad():
        expected = model.eval()((x.float() / 255 - 0.1307) / 0.3081)
    torch.testing.assert_close(out, expected)
    scores = evaluation.test_scores(model, x, y, MNIST, "cross_entropy", batch_size=7)
    torch.testing.assert_close(scores.probabilities, torch.softmax(expected, dim=1))
    assert scores.loss == pytest.approx(F.cross_entropy(expected, y).item(), rel=1e-5)
    assert scores.accuracy == (expected.argmax(1) == y).float().mean().item()


def test_agreement_splits_the_images_by_which_model_gets_them_right():
    truth = torch.tensor([0, 1, 2, 3, 4, 5])
    first = torch.tensor([0, 1, 9, 3, 9, 9])
    second = torch.tensor([0, 9, 2, 3, 9, 5])
    split = evaluation.agreement(truth, first, second)
    assert split.both_right.tolist() == [0, 3]
    assert split.only_first.tolist() == [1]
    assert split.only_second.tolist() == [2, 5]
    assert split.both_wrong.tolist() == [4]
