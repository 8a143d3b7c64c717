"""Attributions through captum, against what is known: integrated gradients add up to the
change of the score, a linear model's attributions are its weights, occluding black changes
nothing, and captum's Grad-CAM is the one we computed by hand before."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from playground.datasets import image_sets
from playground.datasets import images as data
from playground.explain import attributions
from playground.explain.attributions import METHODS, attribute
from playground.tasks.image import catalog, models
from playground.tasks.image.export import pretrained
from playground.tasks.image.models import eval_mode
from playground.tasks.image.specs import ModelSpec


@pytest.fixture(scope="module")
def digits():
    info = image_sets.DATASETS["mnist"]
    sample = data.load("mnist-sample")
    return data.normalise(sample.test_x[:8], info.mean, info.std), sample.test_y[:8]


def our_grad_cam(model: nn.Sequential, x: torch.Tensor, target: int, layer: int) -> torch.Tensor:
    """The Grad-CAM the app computed by hand before captum (the oracle)."""
    kept = {}
    hook = model[layer].register_forward_hook(lambda _m, _i, out: kept.setdefault("maps", out))
    try:
        with eval_mode(model):
            score = model(x)[0, target]
            (grads,) = torch.autograd.grad(score, kept["maps"])
    finally:
        hook.remove()
    maps = kept["maps"].detach()[0]
    cam = F.relu((grads[0].mean(dim=(1, 2))[:, None, None] * maps).sum(dim=0))
    cam = F.interpolate(cam[None, None], size=x.shape[-2:], mode="bilinear", align_corners=False)
    return cam[0, 0] / cam.max() if cam.max() > 0 else cam[0, 0]


@pytest.mark.parametrize("name", ["pretrained", "seed-cnn", "lenet5"])
def test_captums_grad_cam_is_the_one_we_computed_by_hand(name, digits):
    torch.manual_seed(0)
    spec = pretrained.run().spec if name == "pretrained" else ModelSpec.from_preset(name)
    model = pretrained.model() if name == "pretrained" else models.build(spec)
    x, y = digits
    for i in range(4):
        ours = our_grad_cam(model, x[i : i + 1], int(y[i]), attributions.last_conv(model))
        theirs = attribute(model, x[i : i + 1], int(y[i]), "grad_cam").heat()
        torch.testing.assert_close(theirs, ours, atol=1e-5, rtol=1e-4)


def test_integrated_gradients_add_up_to_the_change_of_the_score(digits):
    model = pretrained.model()
    x, y = digits
    for i in range(8):
        xi, target = x[i : i + 1], int(y[i])
        found = attribute(model, xi, target, "integrated_gradients")
        with torch.no_grad():
            change = model(xi)[0, target] - model(attributions.black(xi))[0, target]
        assert float(found.values.sum()) == pytest.approx(float(change), rel=0.01, abs=1e-3)


def test_a_linear_models_attributions_are_its_weights():
    torch.manual_seed(1)
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
    x = torch.rand(1, 1, 4, 4) + 0.5
    weights = model[1].weight[2].detach().reshape(4, 4)
    ig = attribute(model, x, 2, "integrated_gradients").values
    torch.testing.assert_close(ig, weights * (x[0, 0] - x.min()), atol=1e-5, rtol=1e-4)
    smooth = attribute(model, x, 2, "smoothgrad").values  # the gradient is the same everywhere
    torch.testing.assert_close(smooth, weights.abs(), atol=1e-5, rtol=1e-4)


def test_occluding_what_is_already_black_changes_nothing(digits):
    model = pretrained.model()
    x, y = digits
    for i in range(4):
        xi = x[i : i + 1]
        found = attribute(model, xi, int(y[i]), "occlusion").values
        ink = (xi[0, 0] > xi.min()).float()[None, None]
        window = attributions.OCCLUSION_WINDOW
        # a pixel every window over which is black: dilate the ink by a window either way
        near_ink = F.max_pool2d(ink, 2 * window - 1, stride=1, padding=window - 1)[0, 0] > 0
        assert (~near_ink).any()
        assert found[~near_ink].abs().max() <= 1e-5  # 0, but for batched float arithmetic


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("preset", catalog.PRESETS)
def test_every_method_works_on_every_preset(method, preset, digits):
    torch.manual_seed(0)
    model = models.build(ModelSpec.from_preset(preset))
    x = digits[0][:1]
    if method == "grad_cam" and attributions.last_conv(model) is None:
        with pytest.raises(ValueError, match="needs a conv layer"):
            attribute(model, x, 3, method)
        return
    found = attribute(model, x, 3, method)
    assert found.values.shape == (28, 28) and torch.isfinite(found.values).all()
    assert float(found.heat().min()) >= 0 and float(found.heat().max()) <= 1
    assert found.seconds > 0 and METHODS[method].answers
