"""What a model that makes digits takes with it: an ONNX file of the part that makes images (a
VAE's decoder, a GAN's generator, a diffusion model's denoiser) checked against onnxruntime, a
standalone training script (torch only: the same model code, split, batches, loss, optimizer and
schedule), and a model card that states its score."""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import torch
from torch import nn

from playground.engine.cost import cost_text
from playground.engine.exporting import ONE_AT_A_TIME
from playground.engine.i18n import N_, Text, _
from playground.engine.records import SpecError
from playground.tasks.generate import diffusion, gan
from playground.tasks.generate.recipe import IMAGE_SETS
from playground.tasks.generate.specs import CLASSES, FAMILIES, IMAGE

TOLERANCE = 1e-4
PARTS = {  # what each family's ONNX file holds, its inputs and output, in words
    "vae": N_("the decoder: latent points `z` (batch, latent){told} in, images (batch, 1, 28, "
             "28) in 0..1 out"),
    "gan": N_("the generator: noise `z` (batch, latent){told} in, images (batch, 1, 28, 28) in "
             "0..1 out"),
    "diffusion": N_("the denoiser: noised images `x` (batch, 1, 28, 28) in -1..1, noise levels "
                   "`t` (batch){told} in, the predicted noise out"),
}  # fmt: skip


@dataclass(frozen=True)
class OnnxFile:
    data: bytes
    max_difference: float  # onnxruntime against PyTorch, over the checked inputs
    what: str
    seconds: float

    @property
    def check_text(self) -> str:
        return Text(
            "It holds {what}. Checked: onnxruntime's outputs differ from PyTorch's by at most "
            "{max_difference:.1e} (allowed: {tolerance:g}).",
            what=self.what, max_difference=self.max_difference, tolerance=TOLERANCE,
        )  # fmt: skip


class _Maker(nn.Module):
    """The part of a model that makes images, with plain tensor inputs, for export."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, *inputs):
        m = self.model
        if isinstance(m, diffusion.Denoiser):
            return m(*inputs)
        if isinstance(m, gan.GAN):
            return (m.generate(*inputs) + 1) / 2
        return torch.sigmoid(m.decode(*inputs))


def _inputs(model: nn.Module, batch: int, seed: int) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    if isinstance(model, diffusion.Denoiser):
        found = {"x": torch.randn((batch, *IMAGE), generator=g),
                 "t": torch.randint(0, model.timesteps, (batch,), generator=g)}  # fmt: skip
    else:
        found = {"z": torch.randn(batch, model.latent, generator=g)}
    if model.conditional:
        found["y"] = torch.randint(0, CLASSES, (batch,), generator=g)
    return found


def onnx_of(run) -> OnnxFile:
    """The run's image-making part as ONNX (its batch dynamic), checked with onnxruntime."""
    import onnxruntime

    started = time.perf_counter()
    model = run.model().float().eval()
    maker = _Maker(model)
    example = _inputs(model, 2, 0)
    batch = torch.export.Dim("batch", min=1, max=4096)
    with ONE_AT_A_TIME, warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        try:
            program = torch.onnx.export(
                maker, tuple(example.values()), dynamo=True, input_names=list(example),
                output_names=["images" if "z" in example else "noise"],
                dynamic_shapes=(tuple({0: batch} for name in example),))  # fmt: skip
        except Exception as e:
            raise SpecError(Text("This model cannot be exported to ONNX ({name__}).",
                                 name__=type(e).__name__)) from None  # fmt: skip
    data = program.model_proto.SerializeToString()
    session = onnxruntime.InferenceSession(data, providers=["CPUExecutionProvider"])
    worst = 0.0
    for size, seed in ((1, 1), (5, 2)):
        inputs = _inputs(model, size, seed)
        with torch.no_grad():
            want = maker(*inputs.values()).numpy()
        got = session.run(None, {k: v.numpy() for k, v in inputs.items()})[0]
        worst = max(worst, float(abs(got - want).max()))
    if not worst <= TOLERANCE:
        raise SpecError(Text("The ONNX file does not agree with PyTorch (up to {worst:.2g} "
                             "apart).", worst=worst))  # fmt: skip
    told = _(", classes `y` (batch)") if model.conditional else ""
    what = _(PARTS[run.spec.family]).format(told=told)
    return OnnxFile(data, worst, what, time.perf_counter() - started)


# --- the model card ---------------------------------------------------------------------------


def model_card(run, files: dict[str, str]) -> str:
    spec, config, s = run.spec, run.config, run.summary
    told = _(", told the class") if spec.conditional else ""
    lines = [
        f"# {(s.get('name') or spec.name)[:80]}", "",
        _("A model that makes images, made in Deep Learning Playground: run `{run}`, "
          "{status}.").format(run=run.name, status=_(s.get("status", "unfinished"))), "",
        _("## The model"), "",
        _("{family}{told}: width {width}, {parameters} parameters. {about}").format(
            family=_(FAMILIES[spec.family].label), told=told, width=spec.hidden,
            parameters=f"{s.get('parameters', 0):,}",
            about=_(FAMILIES[spec.family].description)), "",
        _("## Data"), "",
        _("{data}, {epochs} epochs of batches of {batch}.").format(
            data=_(IMAGE_SETS[config.dataset].label) if config.dataset in IMAGE_SETS
            else config.dataset, epochs=config.epochs, batch=config.batch_size), "",
        _("## Its score"), "",
        *_score_lines(s), "",
    ]  # fmt: skip
    if cost_text(s):
        lines += [_("It cost {cost} (FLOPs counted; energy and CO2 estimated).").format(
            cost=cost_text(s)), ""]  # fmt: skip
    lines += ["![" + _("Loss curves") + "](curves.png)", "", _("## The files"), ""]
    lines += [f"- `{name}`: {what}" for name, what in files.items()]
    return "\n".join(lines) + "\n"


def _score_lines(s: dict) -> list[str]:
    if "frechet" not in s:
        return [_("Not scored: the app's digit classifier scores finished models of digits.")]
    found = [
        _("The app's own digit classifier read {n} images it made (no download: its features "
          "stand in for Inception's).").format(n=s.get("score_images", "?")), "",
        "- " + _("Fréchet distance to real test digits: **{frechet:.1f}** (two sets of real "
                 "digits: {real:.1f}).").format(frechet=s["frechet"], real=s["frechet_real"]),
        "- " + _("The classifier's mean confidence: {confidence:.0%}.").format(
            confidence=s.get("confidence", 0)),
    ]  # fmt: skip
    if s.get("as_asked") is not None:
        found.append("- " + _("Read as the digit asked for: **{share:.1%}**.").format(
            share=s["as_asked"]))  # fmt: skip
    if isinstance(s.get("test_loss"), float):
        found.append("- " + _("Test loss: {loss:.4g}.").format(loss=s["test_loss"]))
    return found
