"""Memory budgets: the estimate against what PyTorch itself keeps, and refusals in words."""

import dataclasses

import pytest
import torch

from playground.engine.memory import size_text, usable
from playground.engine.records import SpecError
from playground.engine.settings import ServerSettings
from playground.tasks.image import catalog, models
from playground.tasks.image.fit import check_fit, estimate_memory
from playground.tasks.image.recipe import TrainConfig
from playground.tasks.image.specs import LayerSpec, ModelSpec

# A few KB of JSON and about 6,500 parameters, but every 1x1 conv pads its map by 8 pixels a
# side: the maps grow to 1628x1628 before two poolings shrink them again.
_PADDED = LayerSpec("conv2d", {"out_channels": 1, "kernel_size": 1, "padding": 8}, "relu")
_POOL = LayerSpec("maxpool2d", {"kernel_size": 8})
_SCORES = LayerSpec("linear", {"out_features": 10}, "none")
GROWING = ModelSpec(
    (*[_PADDED] * 100, _POOL, _POOL, LayerSpec("flatten"), _SCORES),
    name="growing",
)


def saved_by_autograd(spec: ModelSpec, batch: int) -> int:
    """The oracle: bytes of the distinct tensors autograd keeps in a real forward pass on the
    CPU, weights (and views of them) left out."""
    torch.manual_seed(0)
    model = models.build(spec).train()
    weights = {p.untyped_storage().data_ptr() for p in model.parameters()}
    storages = {}

    def pack(t):
        ptr = t.untyped_storage().data_ptr()
        if ptr not in weights:
            storages[ptr] = t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        model(torch.randn(batch, *spec.input_shape))
    return sum(storages.values())


@pytest.mark.parametrize("name", catalog.PRESETS)
def test_the_activation_estimate_is_what_autograd_keeps(name):
    spec = ModelSpec.from_preset(name)
    estimate = estimate_memory(spec, 16, "adam")
    assert estimate.activations == pytest.approx(saved_by_autograd(spec, 16), rel=0.01)
    params = sum(p.numel() for p in models.build(spec).parameters())
    assert estimate.weights == estimate.gradients == 4 * params
    assert estimate.optimizer_state == 2 * 4 * params  # Adam's m and v
    assert estimate.total > estimate.activations + estimate.fixed  # gradients flowing back


@pytest.mark.parametrize("name", catalog.OPTIMIZERS)
def test_optimizer_state_per_weight_is_what_torch_keeps(name):
    layer = torch.nn.Linear(5, 3)
    optimizer = catalog.OPTIMIZERS[name].make(layer.parameters(), 0.01, 0.0)
    layer(torch.randn(4, 5)).sum().backward()
    optimizer.step()
    kept = sum(
        v.numel()
        for state in optimizer.state.values()
        for key, v in state.items()
        if torch.is_tensor(v) and key != "step"
    )
    assert kept == catalog.OPTIMIZERS[name].state_per_weight * (5 * 3 + 3)


def test_activations_grow_with_the_batch_and_the_weights_do_not():
    spec = ModelSpec.from_preset("seed-cnn")
    small, large = estimate_memory(spec, 32, "sgd"), estimate_memory(spec, 128, "sgd")
    assert large.activations == 4 * small.activations and large.fixed == small.fixed
    assert small.optimizer_state == 0


def test_a_small_spec_with_huge_maps_is_refused_naming_the_layer_and_a_fix():
    assert len(GROWING.to_json()) < 20_000
    assert sum(p.numel() for p in models.build(GROWING).parameters()) < 7_000
    budget = ServerSettings().memory_budget_bytes
    estimate = estimate_memory(GROWING, 128, "adam")
    assert estimate.total > 40 * 2**30  # about 46 GB
    with pytest.raises(SpecError) as refused:
        check_fit(GROWING, TrainConfig(), budget)
    text = str(refused.value)
    assert "One training step needs about" in text and "more than the 2.0 GB" in text
    assert "Layer 100 (Conv2d 1 1x1 + ReLU, 1x1628x1628 feature maps out) keeps the most" in text
    # 363 MB a image (kept for backward and flowing back), twice that taken from the allocator
    assert "Use a batch size of at most 2," in text
    assert refused.value.layer == 99
    with pytest.raises(SpecError, match="Even one image is too much"):
        check_fit(GROWING, TrainConfig(), 200 * 2**20)


def test_a_batch_too_large_is_refused_with_the_largest_that_fits():
    spec = ModelSpec.from_preset("bn-cnn")
    budget = 100 * 2**20
    with pytest.raises(SpecError, match=r"Use a batch size of at most (\d+)") as refused:
        check_fit(spec, TrainConfig(batch_size=1024), budget)
    fits = int(refused.value.message.split("at most ")[1].split(",")[0])
    room = usable(budget)  # the job's weight history keeps the rest
    assert estimate_memory(spec, fits, "adam").total <= room
    assert estimate_memory(spec, fits + 1, "adam").total > room


@pytest.mark.parametrize("name", catalog.PRESETS)
def test_every_preset_fits_the_default_budget_at_its_recipe(name):
    config = dataclasses.replace(TrainConfig(), **catalog.PRESETS[name].recipe)
    check_fit(ModelSpec.from_preset(name), config, ServerSettings().memory_budget_bytes)


def test_sizes_read_as_a_person_would_say_them():
    assert [size_text(x) for x in (512, 1536, 27 * 2**20, 1.5 * 2**30, 122 * 2**30)] == [
        "512 bytes",
        "1.5 KB",
        "27 MB",
        "1.5 GB",
        "122 GB",
    ]
