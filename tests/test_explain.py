"""Looking inside models, against oracles: sub-models run by hand, models with known weights,
direct counts."""

import pytest
import torch
from torch import nn

from playground import explain, models
from playground.specs import ModelSpec


@pytest.fixture
def bn_cnn() -> nn.Sequential:
    torch.manual_seed(0)
    return models.build(ModelSpec.from_preset("bn-cnn")).train()


def test_feature_maps_are_what_the_first_layers_compute_and_leave_no_trace(bn_cnn):
    x = torch.randn(2, 1, 28, 28)
    maps = explain.feature_maps(bn_cnn, x)
    assert len(maps) == len(bn_cnn) and bn_cnn.training  # flag restored
    assert all(not child._forward_hooks for child in bn_cnn.children())  # hooks removed
    with torch.no_grad():
        bn_cnn.eval()
        for i in (0, 4, 12, len(bn_cnn) - 1):
            torch.testing.assert_close(maps[i], bn_cnn[: i + 1](x))


def test_filters_are_a_copy_of_the_conv_weights(bn_cnn):
    assert explain.conv_layers(bn_cnn) == [0, 2, 6, 8]
    kernels = explain.filters(bn_cnn, 0)
    assert kernels.shape == (32, 1, 3, 3)
    torch.testing.assert_close(kernels, bn_cnn[0].weight)
    kernels += 1
    assert not torch.equal(kernels, bn_cnn[0].weight)
    with pytest.raises(ValueError, match="not a convolution"):
        explain.filters(bn_cnn, 1)


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
    cam = explain.grad_cam(known_model(), x, target=0, layer=0)
    torch.testing.assert_close(cam, x[0, 0] / x.max())
    assert explain.grad_cam(known_model(), x, target=1, layer=0).eq(0).all()  # nothing counts


def test_gradient_times_input_of_a_linear_model_is_its_weights_times_the_input():
    torch.manual_seed(1)
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
    x = torch.rand(1, 1, 4, 4)
    saliency = explain.gradient_x_input(model, x, target=2)
    torch.testing.assert_close(saliency, model[1].weight[2].detach().reshape(4, 4) * x[0, 0])


def test_dead_relus_are_counted():
    linear = nn.Linear(4, 4)
    with torch.no_grad():
        linear.weight.fill_(0.1)
        linear.bias[:] = torch.tensor([-100.0, -100.0, 0.0, 0.0])  # two units never fire
    model = nn.Sequential(nn.Sequential(linear, nn.ReLU()), nn.Linear(4, 2))
    stats = explain.layer_statistics(model, torch.rand(64, 4))
    assert stats[0].dead == pytest.approx(0.5) and stats[1].dead is None
