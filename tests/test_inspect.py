"""Looking inside models, against oracles: sub-models run by hand, models with known weights,
direct counts."""

import pytest
import torch
from torch import nn

from playground import inspect, models
from playground.specs import ModelSpec


@pytest.fixture
def bn_cnn() -> nn.Sequential:
    torch.manual_seed(0)
    return models.build(ModelSpec.from_preset("bn-cnn")).train()


def test_feature_maps_are_what_the_first_layers_compute_and_leave_no_trace(bn_cnn):
    x = torch.randn(2, 1, 28, 28)
    maps = inspect.feature_maps(bn_cnn, x)
    assert len(maps) == len(bn_cnn) and bn_cnn.training  # flag restored
    assert all(not child._forward_hooks for child in bn_cnn.children())  # hooks removed
    with torch.no_grad():
        bn_cnn.eval()
        for i in (0, 4, 12, len(bn_cnn) - 1):
            torch.testing.assert_close(maps[i], bn_cnn[: i + 1](x))


def test_filters_are_a_copy_of_the_conv_weights(bn_cnn):
    assert inspect.conv_layers(bn_cnn) == [0, 2, 6, 8]
    kernels = inspect.filters(bn_cnn, 0)
    assert kernels.shape == (32, 1, 3, 3)
    torch.testing.assert_close(kernels, bn_cnn[0].weight)
    kernels += 1
    assert not torch.equal(kernels, bn_cnn[0].weight)
    with pytest.raises(ValueError, match="not a convolution"):
        inspect.filters(bn_cnn, 1)


def known_model() -> nn.Sequential:
    """conv 1x1 (channel 0 = x, channel 1 = 2x), then a Linear whose class 0 sums channel 0."""
    conv = nn.Conv2d(1, 2, 1)
    linear = nn.Linear(32, 2)
    with torch.no_grad():
        conv.weight[:] = torch.tensor([1.0, 2.0]).reshape(2, 1, 1, 1)
        conv.bias.zero_()
        linear.weight.zero_()
        linear.weight[0, :16] = 1.0  # class 0: the sum of channel 0
        linear.bias.zero_()
    return nn.Sequential(conv, nn.Flatten(), linear)


def test_grad_cam_of_known_weights_is_the_input_scaled_to_one():
    x = torch.rand(1, 1, 4, 4)
    # d score / d channel 0 = 1 everywhere, channel 1 = 0: the map is channel 0 = x itself
    cam = inspect.grad_cam(known_model(), x, target=0, layer=0)
    torch.testing.assert_close(cam, x[0, 0] / x.max())
    assert inspect.grad_cam(known_model(), x, target=1, layer=0).eq(0).all()  # nothing counts


def test_gradient_times_input_of_a_linear_model_is_its_weights_times_the_input():
    torch.manual_seed(1)
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
    x = torch.rand(1, 1, 4, 4)
    saliency = inspect.gradient_x_input(model, x, target=2)
    torch.testing.assert_close(saliency, model[1].weight[2].detach().reshape(4, 4) * x[0, 0])


def test_dead_relus_are_counted():
    linear = nn.Linear(4, 4)
    with torch.no_grad():
        linear.weight.fill_(0.1)
        linear.bias[:] = torch.tensor([-100.0, -100.0, 0.0, 0.0])  # two units never fire
    model = nn.Sequential(nn.Sequential(linear, nn.ReLU()), nn.Linear(4, 2))
    stats = inspect.layer_statistics(model, torch.rand(64, 4))
    assert stats[0].dead == pytest.approx(0.5) and stats[1].dead is None


def test_confusion_matrix_and_class_scores_match_a_direct_count():
    torch.manual_seed(2)
    truth = torch.randint(0, 4, (500,))
    predicted = torch.where(torch.rand(500) < 0.7, truth, torch.randint(0, 4, (500,)))
    matrix = inspect.confusion_matrix(truth, predicted, 4)
    assert matrix.sum() == 500
    for t in range(4):
        for p in range(4):
            assert matrix[t, p] == int(((truth == t) & (predicted == p)).sum())
    for k, score in enumerate(inspect.class_scores(matrix)):
        tp = int(((truth == k) & (predicted == k)).sum())
        precision = tp / int((predicted == k).sum())
        recall = tp / int((truth == k).sum())
        assert score.precision == pytest.approx(precision) and score.recall == pytest.approx(recall)
        assert score.f1 == pytest.approx(2 * precision * recall / (precision + recall))
        assert score.support == int((truth == k).sum())


def test_test_probabilities_match_the_model_batch_by_batch(bn_cnn):
    x = torch.randint(0, 256, (25, 1, 28, 28), dtype=torch.uint8)
    p = inspect.test_probabilities(bn_cnn, x, 0.1307, 0.3081, batch_size=10)
    with torch.no_grad():
        expected = torch.softmax(bn_cnn.eval()((x.float() / 255 - 0.1307) / 0.3081), dim=1)
    torch.testing.assert_close(p, expected)


def test_agreement_splits_the_images_by_which_model_gets_them_right():
    truth = torch.tensor([0, 1, 2, 3, 4, 5])
    first = torch.tensor([0, 1, 9, 3, 9, 9])
    second = torch.tensor([0, 9, 2, 3, 9, 5])
    split = inspect.agreement(truth, first, second)
    assert split.both_right.tolist() == [0, 3]
    assert split.only_first.tolist() == [1]
    assert split.only_second.tolist() == [2, 5]
    assert split.both_wrong.tolist() == [4]
