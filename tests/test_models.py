"""models.build against the same layers written by hand in PyTorch; summarize against counts."""

import pytest
import torch
from torch import nn

from playground.tasks.image import catalog, models
from playground.tasks.image.specs import LayerSpec, ModelSpec


def copy_weights(source: nn.Module, target: nn.Module) -> None:
    """Copy parameters and buffers in order: the two models have the same layers."""
    src, dst = list(source.state_dict().values()), list(target.state_dict().values())
    assert [t.shape for t in src] == [t.shape for t in dst]
    with torch.no_grad():
        for s, d in zip(src, dst, strict=True):
            d.copy_(s)


def hand_written(name: str) -> nn.Module:
    if name == "seed-cnn":
        return nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * 5 * 5, 64), nn.ReLU(), nn.Linear(64, 10),
        )  # fmt: skip
    if name == "mlp":
        return nn.Sequential(
            nn.Flatten(),
            nn.Linear(784, 128),
            nn.ReLU(),
            nn.Linear(128, 64),
            nn.ReLU(),
            nn.Linear(64, 10),
        )
    if name == "lenet5":
        return nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.Tanh(), nn.AvgPool2d(2),
            nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2), nn.Flatten(),
            nn.Linear(400, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, 10),
        )  # fmt: skip
    if name == "bn-cnn":
        return nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 32, 3), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.2),
            nn.Conv2d(32, 64, 3), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 64, 3), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.3),
            nn.Flatten(), nn.Linear(1024, 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Dropout(0.3),
            nn.Linear(128, 10),
        )  # fmt: skip
    if name == "fast-cnn":
        return nn.Sequential(
            nn.Conv2d(1, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * 4 * 4, 10),
        )  # fmt: skip
    raise KeyError(name)


@pytest.mark.parametrize("name", catalog.PRESETS)
def test_each_preset_computes_what_the_hand_written_network_computes(name):
    torch.manual_seed(0)
    built, oracle = models.build(ModelSpec.from_preset(name)), hand_written(name)
    copy_weights(built, oracle)
    x = torch.randn(8, 1, 28, 28)
    built.eval(), oracle.eval()
    with torch.no_grad():
        torch.testing.assert_close(built(x), oracle(x), rtol=0, atol=0)
    # in training mode too (BatchNorm uses batch statistics; dropout draws the same masks)
    built.train(), oracle.train()
    torch.manual_seed(1)
    a = built(x)
    torch.manual_seed(1)
    b = oracle(x)
    torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_residual_block_adds_its_input_back():
    spec = ModelSpec(
        (LayerSpec("residual", {}, "relu"), LayerSpec("residual", {"out_channels": 6}, "none")),
        input_shape=(3, 8, 8),
    )
    model = models.build(spec).eval()
    x = torch.randn(2, 3, 8, 8)
    b1, b2 = model[0][0], model[1]
    expected = torch.relu(b1.conv2(torch.relu(b1.conv1(x))) + x)
    expected = b2.conv2(torch.relu(b2.conv1(expected))) + b2.skip(expected)
    with torch.no_grad():
        torch.testing.assert_close(model(x), expected)
    assert isinstance(b2.skip, nn.Conv2d) and b2.skip.kernel_size == (1, 1)


def test_children_line_up_with_spec_layers():
    spec = ModelSpec.from_preset("seed-cnn")
    model = models.build(spec)
    assert len(model) == len(spec.layers)
    assert isinstance(model[0], nn.Sequential) and isinstance(model[0][1], nn.ReLU)
    assert isinstance(model[1], nn.MaxPool2d)  # no activation: the layer itself


@pytest.mark.parametrize("name", catalog.PRESETS)
def test_summary_parameter_counts_match_the_built_model(name):
    spec = ModelSpec.from_preset(name)
    summary = models.summarize(spec)
    model = models.build(spec)
    assert [row.params for row in summary.layers] == [
        sum(p.numel() for p in block.parameters()) for block in model
    ]
    assert summary.total_params == sum(p.numel() for p in model.parameters())
    assert [row.output_shape for row in summary.layers] == list(spec.validate())


def test_seed_cnn_summary_has_the_known_numbers():
    summary = models.summarize(ModelSpec.from_preset("seed-cnn"))
    # Keras's summary of the same model: 320, 18,496, 102,464, 650 parameters
    assert [r.params for r in summary.layers] == [320, 0, 18496, 0, 0, 102464, 650]
    assert summary.total_params == 121_930
    macs = [26 * 26 * 32 * 9, 0, 11 * 11 * 64 * 32 * 9, 0, 0, 1600 * 64, 64 * 10]
    assert [r.macs for r in summary.layers] == macs
    assert summary.layers[0].label == "Conv2d 32 3x3 + ReLU"
    assert summary.layers[5].label == "Linear 64 + ReLU"
