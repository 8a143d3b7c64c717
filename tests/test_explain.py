"""Looking inside models, against oracles: sub-models run by hand, models with known weights,
direct counts."""

import pytest
import torch
from torch import nn

from playground.explain import inside
from playground.tasks.image import models
from playground.tasks.image.specs import ModelSpec


@pytest.fixture
def bn_cnn() -> nn.Sequential:
    torch.manual_seed(0)
    return models.build(ModelSpec.from_preset("bn-cnn")).train()


def test_feature_maps_are_what_the_first_layers_compute_and_leave_no_trace(bn_cnn):
    x = torch.randn(2, 1, 28, 28)
    maps = inside.feature_maps(bn_cnn, x)
    assert len(maps) == len(bn_cnn) and bn_cnn.training  # flag restored
    assert all(not child._forward_hooks for child in bn_cnn.children())  # hooks removed
    with torch.no_grad():
        bn_cnn.eval()
        for i in (0, 4, 12, len(bn_cnn) - 1):
            torch.testing.assert_close(maps[i], bn_cnn[: i + 1](x))


def test_filters_are_a_copy_of_the_conv_weights(bn_cnn):
    assert inside.conv_layers(bn_cnn) == [0, 2, 6, 8]
    kernels = inside.filters(bn_cnn, 0)
    assert kernels.shape == (32, 1, 3, 3)
    torch.testing.assert_close(kernels, bn_cnn[0].weight)
    kernels += 1
    assert not torch.equal(kernels, bn_cnn[0].weight)
    with pytest.raises(ValueError, match="not a convolution"):
        inside.filters(bn_cnn, 1)


@pytest.mark.parametrize("name", ["seed-cnn", "lenet5", "bn-cnn", "every"])
def test_a_worked_convolution_adds_up_to_the_feature_maps_value(name):
    from tests.test_standalone import EVERY_KIND

    torch.manual_seed(3)
    spec = EVERY_KIND if name == "every" else ModelSpec.from_preset(name)
    model = models.build(spec).eval()
    x = torch.randn(1, 1, 28, 28)
    g = torch.Generator().manual_seed(0)
    for layer in inside.conv_layers(model):
        maps = inside.feature_maps(model, x)[layer]
        for _ in range(5):
            c, h, w = (int(torch.randint(n, (), generator=g)) for n in maps.shape[1:])
            worked = inside.worked_convolution(model, x, layer, c, h, w)
            assert abs(worked.value - worked.map_value) <= 1e-5
            assert worked.products.shape == worked.kernel.shape == worked.patch.shape
            torch.testing.assert_close(worked.products, worked.patch * worked.kernel)
            assert worked.total == pytest.approx(float(worked.products.sum()), abs=1e-5)
            if worked.activation == "none":
                assert worked.value == pytest.approx(worked.pre_activation, abs=1e-5)


def test_a_worked_convolution_at_the_border_uses_the_padding_zeros():
    torch.manual_seed(0)
    model = models.build(ModelSpec.from_preset("lenet5")).eval()  # 5x5 kernels, padding 2
    worked = inside.worked_convolution(model, torch.rand(1, 1, 28, 28), 0, 0, 0, 0)
    assert worked.patch[:, :2, :].eq(0).all() and worked.patch[:, :, :2].eq(0).all()
    assert worked.activation == "Tanh"
    with pytest.raises(ValueError, match="outside"):
        inside.worked_convolution(model, torch.rand(1, 1, 28, 28), 0, 6, 0, 0)


def test_dead_relus_are_counted():
    linear = nn.Linear(4, 4)
    with torch.no_grad():
        linear.weight.fill_(0.1)
        linear.bias[:] = torch.tensor([-100.0, -100.0, 0.0, 0.0])  # two units never fire
    model = nn.Sequential(nn.Sequential(linear, nn.ReLU()), nn.Linear(4, 2))
    stats = inside.layer_statistics(model, torch.rand(64, 4))
    assert stats[0].dead == pytest.approx(0.5) and stats[1].dead is None
