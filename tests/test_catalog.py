"""Registries: schedules against torch's schedulers, losses against known numbers."""

import math

import pytest
import torch
import torch.nn.functional as F

from playground.datasets import image_sets
from playground.engine.schedules import lr_at
from playground.tasks.image import catalog


def torch_lrs(make_scheduler, steps: int, lr: float) -> list[float]:
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    scheduler = make_scheduler(optimizer)
    lrs = []
    for _ in range(steps):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return lrs


@pytest.mark.parametrize(
    ("schedule", "make"),
    [
        ("constant", lambda o: torch.optim.lr_scheduler.ConstantLR(o, factor=1.0)),
        ("step", lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.5)),
        ("cosine", lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=50)),
        ("one_cycle", lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=50)),
    ],
)
def test_schedules_match_torch(schedule, make):
    expected = torch_lrs(make, 50, 0.1)
    ours = [lr_at(schedule, s, 50, 0.1, step_every=7, gamma=0.5) for s in range(50)]
    assert ours == pytest.approx(expected, rel=1e-9, abs=1e-15)


def test_warmup_rises_linearly_then_hands_over():
    lrs = [lr_at("constant", s, 100, 0.4, warmup_steps=4) for s in range(6)]
    assert lrs == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.4, 0.4])


def loss(name, out, y, classes=10, smoothing=0.0):
    return (
        catalog.LOSSES[name].compute(torch.tensor(out), torch.tensor(y), classes, smoothing).item()
    )


def test_losses_give_known_numbers():
    # binary cross-entropy of p = 0.9 for label 0 is -ln(0.1)
    logit = math.log(0.9 / 0.1)
    assert loss("bce", [[logit]], [0], classes=2) == pytest.approx(2.302585, abs=1e-6)
    assert loss("bce", [[-logit]], [1], classes=2) == pytest.approx(2.302585, abs=1e-6)
    # equal logits over ten classes: cross-entropy ln(10)
    assert loss("cross_entropy", [[0.0] * 10], [3]) == pytest.approx(math.log(10))
    assert loss("nll", [[0.0] * 10], [3]) == pytest.approx(math.log(10))
    # MSE against one-hot: outputs all 0.5 -> (9 * 0.25 + 0.25) / 10
    assert loss("mse", [[0.5] * 10], [3]) == pytest.approx(0.25)
    # label smoothing spreads 0.1 over all classes
    out = torch.randn(4, 10)
    y = torch.tensor([0, 1, 2, 3])
    smoothed = catalog.LOSSES["cross_entropy"].compute(out, y, 10, 0.1)
    torch.testing.assert_close(smoothed, F.cross_entropy(out, y, label_smoothing=0.1))


@pytest.mark.parametrize("name", catalog.OPTIMIZERS)
def test_each_optimizer_builds_a_torch_optimizer_with_its_lr(name):
    entry = catalog.OPTIMIZERS[name]
    optimizer = entry.make([torch.zeros(2, requires_grad=True)], entry.lr, 0.01)
    assert isinstance(optimizer, torch.optim.Optimizer)
    assert optimizer.param_groups[0]["lr"] == entry.lr
    assert optimizer.param_groups[0]["weight_decay"] == 0.01


def test_every_picker_entry_is_described():
    registries = [catalog.LAYERS, catalog.ACTIVATIONS, catalog.LOSSES, catalog.OPTIMIZERS,
                  catalog.SCHEDULES, image_sets.DATASETS, catalog.PRESETS]  # fmt: skip
    for registry in registries:
        for name, entry in registry.items():
            assert entry.name == name and entry.label and entry.description.endswith(".")
