"""What a channel looks for: the optimised input excites its target far more than where it
started and than the typical test image; for an output class, the pretrained model reads it as
that class; the top images are the ones that excite the target most."""

import pytest
import torch

from playground.datasets import image_sets
from playground.datasets import images as data
from playground.explain.feature_vis import Target, maximise, top_images
from playground.tasks.image.export import pretrained

INFO = image_sets.DATASETS["mnist"]
LOW, HIGH = (0 - INFO.mean) / INFO.std, (1 - INFO.mean) / INFO.std


@pytest.fixture(scope="module")
def test_images():
    return data.normalise(data.load("mnist-sample").test_x[:500], INFO.mean, INFO.std)


@pytest.mark.parametrize("digit", [0, 3, 7])
def test_an_input_made_for_a_class_is_read_as_that_class(digit):
    model = pretrained.model()
    seen = []
    made = maximise(model, Target(None, digit), (1, 28, 28), LOW, HIGH, progress=seen.append)
    assert seen[-1] == 1.0 and seen == sorted(seen)
    assert made.image.min() >= LOW - 1e-6 and made.image.max() <= HIGH + 1e-6
    with torch.no_grad():
        assert int(model.eval()(made.image[None]).argmax()) == digit
    assert made.activation > made.curve[0]


def test_a_channel_is_excited_more_than_by_typical_test_images(test_images):
    model = pretrained.model()
    target = Target(6, 5)  # the third conv layer's channel 5
    made = maximise(model, target, (1, 28, 28), LOW, HIGH)
    with torch.no_grad():
        typical = target.of(model.eval(), test_images).median()
    assert made.activation > typical


def test_top_images_are_the_most_exciting_ones(test_images):
    model = pretrained.model()
    target = Target(2, 7)
    indices, values = top_images(model, target, test_images, k=8)
    with torch.no_grad():
        everything = target.of(model.eval(), test_images)
    assert torch.equal(values, everything.sort(descending=True).values[:8])
    assert torch.equal(everything[indices], values)


def test_the_same_model_gives_the_same_picture():
    model = pretrained.model()
    a = maximise(model, Target(None, 1), (1, 28, 28), LOW, HIGH, steps=32)
    b = maximise(model, Target(None, 1), (1, 28, 28), LOW, HIGH, steps=32)
    assert torch.equal(a.image, b.image)


def test_the_view_opens_on_a_channel_whose_picture_shows_something(test_images):
    """Issue 34, item 19: the defaults (the first layer's channel 1) gave an almost blank
    square. The view opens on the second conv layer's most excited channel: a picture with
    contrast (its pixels spread over much of their range), where the old default had none."""
    from playground.explain import inside
    from playground.explain.feature_vis import first_layer_shown, strongest_channel

    model = pretrained.model()
    convs = inside.conv_layers(model)
    layer = first_layer_shown(convs)
    assert layer == convs[1]
    shown = Target(layer, strongest_channel(model, layer, test_images))
    old = maximise(model, Target(convs[0], 0), (1, 28, 28), LOW, HIGH)
    new = maximise(model, shown, (1, 28, 28), LOW, HIGH)
    spread = HIGH - LOW
    assert old.image.std() < 0.05 * spread < 0.2 * spread < new.image.std()
