"""ONNX export: every preset (and the pretrained model) exports, with a batch size of any
length, and onnxruntime agrees with PyTorch on real test images; a model that cannot be
exported says which layer and why."""

import numpy as np
import onnxruntime
import pytest
import torch
from torch import nn

from playground.datasets import image_sets
from playground.datasets import images as data
from playground.tasks.image import catalog, models
from playground.tasks.image.export import onnx_export, pretrained
from playground.tasks.image.export.onnx_export import ExportError
from playground.tasks.image.specs import ModelSpec


@pytest.fixture(scope="module")
def test_images(mnist_dir):
    info = image_sets.DATASETS["mnist"]
    mnist = data.load("mnist", mnist_dir)
    return data.normalise(mnist.test_x[:64], info.mean, info.std), mnist.test_y[:64]


@pytest.mark.parametrize("name", [*catalog.PRESETS, "pretrained"])
def test_every_preset_exports_and_onnxruntime_agrees_on_real_test_images(name, test_images):
    test_images, labels = test_images
    if name == "pretrained":
        spec, model = pretrained.run().spec, pretrained.model()
    else:
        torch.manual_seed(0)
        spec = ModelSpec.from_preset(name)
        model = models.build(spec)
    exported = onnx_export.export(model, test_images, spec)
    assert exported.max_difference <= 1e-4 and exported.images == 64
    session = onnxruntime.InferenceSession(exported.data, providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["image"]
    for n in (1, 7, 64):  # any batch size
        (out,) = session.run(None, {"image": test_images[:n].numpy()})
        with torch.no_grad():
            expected = model.eval()(test_images[:n]).numpy()
        assert out.shape == (n, 10)
        assert np.abs(out - expected).max() <= 1e-4
    if name == "pretrained":  # trained weights: the answers are right, too
        assert (out.argmax(1) == labels.numpy()).mean() > 0.95
    assert "at most" in exported.check_text


class DecidesOnItsInput(nn.Module):
    """Python control flow on a tensor's value: torch.export cannot follow it."""

    def forward(self, x):
        return x if x.sum() > 0 else -x


def test_a_model_that_cannot_be_exported_says_which_layer_and_why(test_images):
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10), DecidesOnItsInput())
    with pytest.raises(ExportError) as e:
        onnx_export.export(model, test_images[0])
    print(e.value.message)
    assert e.value.message.startswith("Layer 3 (DecidesOnItsInput) cannot be exported to ONNX:")
    assert "data-dependent" in e.value.message.lower() or "guard" in e.value.message.lower()


def test_the_pretrained_model_exports_with_the_check_images_of_its_dataset():
    run = pretrained.run()
    exported = onnx_export.export_run(run)
    assert exported.max_difference <= 1e-4 and len(exported.data) > 100_000
