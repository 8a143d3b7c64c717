"""A model as an ONNX file, checked before it is offered.

The export goes through `torch.onnx.export(..., dynamo=True)` with a dynamic batch size (input
"image": (batch, C, H, W) normalised pixels; output "logits"). Before the file is handed out,
onnxruntime runs it on a batch of test images and on one image, and its outputs must match
PyTorch's to 1e-4 (the largest difference is kept, for the page and the CLI to show). A model
that cannot be exported says which layer and why.
"""

from __future__ import annotations

import re
import time
import warnings
from dataclasses import dataclass

import torch
from torch import nn

from playground.datasets import image_sets
from playground.datasets import images as data
from playground.engine.exporting import ONE_AT_A_TIME
from playground.engine.i18n import Text
from playground.engine.records import SpecError
from playground.tasks.image import models
from playground.tasks.image.specs import ModelSpec

TOLERANCE = 1e-4  # the largest difference from PyTorch an export may have
CHECK_IMAGES = 64


class ExportError(SpecError):
    """A model that cannot be exported, or whose export does not agree with PyTorch."""


@dataclass(frozen=True)
class OnnxFile:
    data: bytes
    max_difference: float  # over the checked images, onnxruntime vs PyTorch
    images: int  # how many test images it was checked on
    seconds: float  # export and check

    @property
    def check_text(self) -> str:
        return Text(
            "Checked: on {images} test images onnxruntime's outputs differ from "
            "PyTorch's by at most {max_difference:.1e} (allowed: {tolerance:g}).",
            images=self.images,
            max_difference=self.max_difference,
            tolerance=TOLERANCE,
        )


def export(
    model: nn.Module,
    check: torch.Tensor,
    spec: ModelSpec | None = None,
) -> OnnxFile:
    """`model` as a checked ONNX file. `check` is a float batch (N, C, H, W) of normalised
    test images to compare onnxruntime with PyTorch on; `spec` names layers in messages.
    Raises ExportError."""
    started = time.perf_counter()
    model = model.cpu().float().eval()
    check = check.float().cpu()
    with ONE_AT_A_TIME, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            program = _export(model, check[:2])
        except Exception as e:
            raise ExportError(_which_layer(model, check[:2], spec) or _reason(e)) from None
    data_bytes = program.model_proto.SerializeToString()
    difference = max_difference(data_bytes, model, check)
    if not difference <= TOLERANCE:
        raise ExportError(
            Text(
                "The ONNX file does not agree with PyTorch: its outputs differ by up to "
                "{difference:.2g} (allowed: {TOLERANCE:g}), so it is not offered.",
                difference=difference,
                TOLERANCE=TOLERANCE,
            )
        )
    return OnnxFile(data_bytes, difference, len(check), time.perf_counter() - started)


def _export(model: nn.Module, x: torch.Tensor):
    return torch.onnx.export(
        model,
        (x,),
        dynamo=True,
        dynamic_shapes=({0: torch.export.Dim("batch")},),
        input_names=["image"],
        output_names=["logits"],
        verbose=False,
        report=False,
    )


def max_difference(onnx_bytes: bytes, model: nn.Module, x: torch.Tensor) -> float:
    """The largest difference between onnxruntime's and PyTorch's outputs, over batch x and
    over its first image alone (so a batch size fixed by mistake fails too)."""
    import onnxruntime  # only needed here

    session = onnxruntime.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    worst = 0.0
    with torch.no_grad():
        for batch in (x, x[:1]):
            ours = model(batch)
            theirs = torch.from_numpy(session.run(None, {"image": batch.numpy()})[0])
            if theirs.shape != ours.shape:
                return float("inf")
            worst = max(worst, (theirs - ours).abs().max().item())
    return worst


def _which_layer(model: nn.Module, x: torch.Tensor, spec: ModelSpec | None) -> str | None:
    """'Layer 3 (Conv2d 32 3x3) cannot be exported to ONNX: ...' for the first child of a
    Sequential that fails on its own, or None."""
    if not isinstance(model, nn.Sequential):
        return None
    for i, child in enumerate(model):
        try:
            _export(child, x)
        except Exception as e:
            name = type(child).__name__
            if spec is not None and i < len(spec.layers):
                layer = spec.layers[i]
                name = models.layer_label(layer.kind, layer.resolved_params(), layer.activation)
            return Text(
                "Layer {layer} ({name}) cannot be exported to ONNX: {reason}",
                layer=i + 1,
                name=name,
                reason=_reason(e),
            )
        with torch.no_grad():
            x = child(x)
    return None


def _reason(e: Exception) -> str:
    """The cause in an exporter's long message, in one line."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(e))
    if "## Exception summary" in text:
        text = text.split("## Exception summary", 1)[1]
    lines = [s.strip() for s in text.splitlines() if s.strip()]
    cause = lines[0] if lines else type(e).__name__
    cause = re.sub(r"^<class '([\w.]+\.)?(\w+)'>: ", r"\2: ", cause)
    cause = cause[:300] + ("..." if len(cause) > 300 else "")
    if "DataDependent" in cause or "data-dependent" in cause:
        return Text(
            "it decides in Python on a value of its input, which a graph cannot hold ({cause})",
            cause=cause,
        )
    return cause


def check_images(dataset: str, n: int = CHECK_IMAGES) -> torch.Tensor:
    """n normalised test images of `dataset` (the bundled sample's where it is not on disk,
    as they only have to be the right shape and kind of image)."""
    info = image_sets.DATASETS[dataset]
    name = dataset if data.available(dataset) else "mnist-sample"
    try:
        test_x = data.load(name, download=False).test_x[:n]
    except data.DataError:
        test_x = data.load("mnist-sample").test_x[:n]
    return data.normalise(test_x, info.mean, info.std)


def export_run(run) -> OnnxFile:
    """A run's model (with its saved weights) as a checked ONNX file."""
    return export(run.model(), check_images(run.config.dataset), run.spec)
