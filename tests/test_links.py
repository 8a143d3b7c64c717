"""Links to an experiment: every preset and every setting survives the trip through a page
address, a hand-edited or cut-short link is explained in a sentence, and no string at all
does anything worse than that."""

import base64
import dataclasses
import zlib
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playground.tasks.image import catalog
from playground.tasks.image.export import links
from playground.tasks.image.export.links import Experiment, LinkError
from playground.tasks.image.recipe import REGISTRIES, SETTINGS, TrainConfig
from playground.tasks.image.specs import LayerSpec, ModelSpec
from tests.test_standalone import EVERY_KIND


def through_the_address_bar(query: dict[str, str]) -> dict[str, str]:
    """What a browser gives back: the query as text, parsed again."""
    return dict(parse_qsl(urlencode(query)))


def other_value(setting):
    """A valid value of a setting that is not its default."""
    if setting.choices and setting.choices != "devices":
        return next(n for n in REGISTRIES[setting.choices] if n != setting.default)
    if setting.choices == "devices":
        return "cpu"
    if setting.kind is bool:
        return not setting.default
    if setting.kind is str:
        return "5,6,7,8,9"  # the one text setting: classes
    if setting.kind is int:
        return min(int(setting.high), int(setting.default) + 3)
    return (setting.low + setting.high) / 3


@pytest.mark.parametrize("preset", catalog.PRESETS)
def test_every_preset_round_trips(preset):
    spec = ModelSpec.from_preset(preset)
    query = links.to_query(spec, TrainConfig())
    assert query == {"model": preset}
    assert links.from_query(through_the_address_bar(query)) == Experiment(spec, None)  # defaults


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_every_setting_round_trips(setting):
    config = dataclasses.replace(TrainConfig(), **{setting.name: other_value(setting)})
    query = links.to_query(ModelSpec.from_preset("mlp"), config)
    assert query[setting.name]  # readable: the setting's own name
    back = links.from_query(through_the_address_bar(query))
    assert back.config == config and back.spec == ModelSpec.from_preset("mlp")


def test_a_built_model_round_trips_and_its_link_is_short():
    config = TrainConfig(optimizer="sgd", lr=0.05, epochs=5, augment=True)
    query = links.to_query(EVERY_KIND, config)
    assert set(query) == {"layers", "optimizer", "lr", "epochs", "augment"}
    assert len(urlencode(query)) < 600
    assert links.from_query(through_the_address_bar(query)) == Experiment(EVERY_KIND, config)


def packed(text: bytes) -> str:
    return base64.urlsafe_b64encode(zlib.compress(text)).decode().rstrip("=")


BAD = {
    "an unknown parameter": ({"model": "mlp", "learning_rate": "0.1"}, "'learning_rate'"),
    "no such preset": ({"model": "resnet-152"}, "There is no preset 'resnet-152'"),
    "text for a number": ({"epochs": "five"}, "Epochs is 'five', but it must be a whole number"),
    "out of range": ({"lr": "1000"}, "must be from 1e-06 to 100"),
    "not a number": ({"lr": "nan"}, "must be a number"),
    "no such optimizer": ({"optimizer": "lion"}, "There is no optimizer 'lion'"),
    "a bad switch": ({"augment": "maybe"}, "must be true or false"),
    "cut short": ({"layers": packed(b'{"layers": []}')[:-6]}, "cut short"),
    "not base64": ({"layers": "%%%"}, "cannot be read"),
    "both kinds of model": ({"model": "mlp", "layers": "x"}, "keep one of them"),
    "a model that cannot work": (
        {"layers": packed(b'{"layers": [{"kind": "flatten"}, {"kind": "conv2d"}]}')},
        "Layer 2 (Conv2d)",
    ),
    "a zip bomb": ({"layers": packed(b" " * (10 << 20))}, "far more than any model"),
    "far too long": ({"layers": "A" * 20_000}, "far longer"),
}


@pytest.mark.parametrize("case", BAD)
def test_a_bad_link_is_explained(case):
    query, words = BAD[case]
    with pytest.raises(LinkError) as e:
        links.from_query(query)
    assert words in e.value.message


def test_the_pages_own_parameters_are_not_settings():
    assert links.from_query({"job": "abc", "watch": "x"}).empty


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["model", "layers", "lr", "epochs", "augment", "seed", "dataset", "x"]),
        st.text(max_size=60),
    )
)
def test_any_address_is_read_or_explained(query):
    try:
        links.from_query(query)
    except LinkError as e:
        assert e.message.endswith((".", ")", "'")) or e.message


def test_a_custom_layer_spec_keeps_its_name():
    spec = ModelSpec((LayerSpec("flatten"), LayerSpec("linear", {"out_features": 10})), name="mine")
    assert links.from_query(links.to_query(spec)).spec.name == "mine"
