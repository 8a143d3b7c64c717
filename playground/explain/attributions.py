"""Which pixels an answer rests on, by captum (the PyTorch library for attributions): integrated
gradients, SmoothGrad, occlusion and Grad-CAM, each one record with the question it answers.

Every method gets the model (the nn.Sequential `models.build` makes, on the CPU), one normalised
input x (1, C, H, W) and a class; it returns a map (H, W) over the input, and how long it took.
The baseline, where one is needed, is a black image: what "no ink" means to the model.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from playground.engine.i18n import N_, Text
from playground.tasks.image.models import eval_mode

IG_STEPS = 50
IG_MAX_STEPS = 1600
IG_TOLERANCE = 0.01  # of the change of the score from the baseline to the input
IG_SMALL_CHANGE = 0.1  # a change of the score below this is held to 1% of this instead
SMOOTHGRAD_SAMPLES = 25
SMOOTHGRAD_NOISE = 0.15  # of the input's range
OCCLUSION_WINDOW, OCCLUSION_STRIDE = 4, 2


@dataclass(frozen=True)
class Attribution:
    method: str
    values: torch.Tensor  # (H, W), in the method's own units (signed where the method is)
    seconds: float
    delta: float | None = None  # integrated gradients: how far its sum is from f(x) - f(base)

    def heat(self) -> torch.Tensor:
        """|values| scaled to 0-1, for drawing over the image (all zeros if nothing shows)."""
        v = self.values.abs()
        top = v.max()
        return v / top if top > 0 else v


@dataclass(frozen=True)
class Method:
    name: str
    label: str
    answers: str  # the one-line question it answers, for the page
    run: Callable[[nn.Sequential, torch.Tensor, int, torch.Tensor], tuple]


def black(x: torch.Tensor) -> torch.Tensor:
    """The baseline: an image of the input's darkest value (a normalised black pixel)."""
    return torch.full_like(x, float(x.min()))


def _integrated_gradients(model, x, target, baseline, batch):
    """With IG_STEPS steps, doubled until the parts add up to the whole change within 1% (a
    ReLU network's path has kinks that a few steps can miss), at most IG_MAX_STEPS."""
    from captum.attr import IntegratedGradients

    with torch.no_grad():
        change = float(model(x)[0, target] - model(baseline)[0, target])
    steps, method = IG_STEPS, IntegratedGradients(model)
    while True:
        values, delta = method.attribute(
            x,
            baselines=baseline,
            target=target,
            n_steps=steps,
            internal_batch_size=min(200, batch),
            return_convergence_delta=True,
        )
        delta = float(delta.abs().item())
        if delta <= IG_TOLERANCE * max(abs(change), IG_SMALL_CHANGE) or steps >= IG_MAX_STEPS:
            return values[0].sum(dim=0), delta
        steps *= 2


def _smoothgrad(model, x, target, baseline, batch):
    from captum.attr import NoiseTunnel, Saliency

    noise = SMOOTHGRAD_NOISE * float(x.max() - x.min())
    values = NoiseTunnel(Saliency(model)).attribute(
        x,
        nt_type="smoothgrad",
        nt_samples=SMOOTHGRAD_SAMPLES,
        stdevs=noise,
        target=target,
        nt_samples_batch_size=min(SMOOTHGRAD_SAMPLES, batch),
    )
    return values[0].sum(dim=0), None


def _occlusion(model, x, target, baseline, batch):
    from captum.attr import Occlusion

    c = x.shape[1]
    values = Occlusion(model).attribute(
        x,
        sliding_window_shapes=(c, OCCLUSION_WINDOW, OCCLUSION_WINDOW),
        strides=(c, OCCLUSION_STRIDE, OCCLUSION_STRIDE),
        baselines=baseline,
        target=target,
        perturbations_per_eval=min(64, batch),
    )
    return values[0].sum(dim=0), None


def _grad_cam(model, x, target, baseline, batch):
    from captum.attr import LayerAttribution, LayerGradCam

    layer = last_conv(model)
    if layer is None:
        raise ValueError(Text("Grad-CAM needs a conv layer: this model has none."))
    cam = LayerGradCam(model, model[layer]).attribute(x, target=target, relu_attributions=True)
    cam = LayerAttribution.interpolate(cam, tuple(x.shape[-2:]), interpolate_mode="bilinear")
    return cam[0, 0], None


def last_conv(model: nn.Sequential) -> int | None:
    """The index of the last child that starts with a Conv2d, or None."""
    found = None
    for i, child in enumerate(model.children()):
        core = child[0] if isinstance(child, nn.Sequential) else child
        if isinstance(core, nn.Conv2d):
            found = i
    return found


METHODS: dict[str, Method] = {
    m.name: m
    for m in [
        Method(
            "integrated_gradients",
            N_("Integrated gradients"),
            N_(
                "How much each pixel adds to the class's score, on the way from a black image to "
                "this one (the parts add up to the whole change)."
            ),
            _integrated_gradients,
        ),
        Method(
            "smoothgrad",
            N_("SmoothGrad"),
            N_(
                "Which pixels the score is most sensitive to, averaged over noisy copies so that "
                "the map is not speckle."
            ),
            _smoothgrad,
        ),
        Method(
            "occlusion",
            N_("Occlusion"),
            N_(
                "How much the score drops when a 4x4 patch is blacked out: no gradients, just "
                "experiments."
            ),
            _occlusion,
        ),
        Method(
            "grad_cam",
            N_("Grad-CAM"),
            N_(
                "Where the last conv layer's maps that matter for the class are active (coarse: "
                "its resolution, blown up)."
            ),
            _grad_cam,
        ),
    ]
}


def attribute(
    model: nn.Sequential, x: torch.Tensor, target: int, method: str, batch: int = 200
) -> Attribution:
    """The attribution of class `target` for input x (1, C, H, W) by `method` (a METHODS key),
    running at most `batch` copies of the input at once (what fits the memory budget with
    gradients: fit.gradient_batch_size). ValueError if the method cannot work on this model
    (Grad-CAM without a conv layer)."""
    entry = METHODS[method]
    x = x.detach().float()
    start = time.perf_counter()
    with eval_mode(model):
        values, delta = entry.run(model, x, target, black(x), max(1, batch))
    return Attribution(method, values.detach(), time.perf_counter() - start, delta)
