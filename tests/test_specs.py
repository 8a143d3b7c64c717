"""Specs: JSON round trips, shape inference against PyTorch, and errors a learner can act on."""

import contextlib
import json

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from playground.engine.records import SpecError
from playground.tasks.image import catalog, models
from playground.tasks.image.fit import check_fit
from playground.tasks.image.recipe import TrainConfig
from playground.tasks.image.specs import LayerSpec, ModelSpec


def spec_of(*layers, input_shape=(1, 28, 28)):
    return ModelSpec(tuple(LayerSpec(*layer) for layer in layers), input_shape=input_shape)


@pytest.mark.parametrize("name", catalog.PRESETS)
def test_presets_round_trip_through_json(name):
    spec = ModelSpec.from_preset(name)
    assert ModelSpec.from_json(spec.to_json()) == spec
    assert hash(ModelSpec.from_json(spec.to_json()).layers) == hash(spec.layers)


def test_train_config_round_trips_through_json():
    config = TrainConfig(optimizer="nesterov", lr=0.05, augment=True, seed=7, schedule="cosine")
    assert TrainConfig.from_json(config.to_json()) == config
    assert TrainConfig.from_dict({"epochs": 2, "lr": 1}) == TrainConfig(epochs=2, lr=1.0)


SHAPE_CASES = [ModelSpec.from_preset(name) for name in catalog.PRESETS] + [
    spec_of(
        ("conv2d", {"out_channels": 8, "kernel_size": 5, "stride": 2, "padding": 1}, "gelu"),
        ("residual", {}, "relu"),
        ("residual", {"out_channels": 12}, "none"),
        ("avgpool2d", {"kernel_size": 3, "stride": 2}, "none"),
        ("batchnorm", {}, "silu"),
        ("flatten", {}, "none"),
        ("dropout", {"p": 0.5}, "none"),
        ("linear", {"out_features": 10}, "softmax"),
    ),
    spec_of(
        ("conv2d", {"out_channels": 4, "kernel_size": 3, "padding": 1}, "elu"),
        ("maxpool2d", {"kernel_size": 3}, "none"),
        ("flatten", {}, "none"),
        ("linear", {"out_features": 7}, "tanh"),
        input_shape=(3, 32, 32),
    ),
    spec_of(
        ("linear", {"out_features": 4}, "tanh"),
        ("linear", {"out_features": 2}, "none"),
        input_shape=(2,),
    ),
]


@pytest.mark.parametrize("spec", SHAPE_CASES, ids=lambda s: s.name + str(len(s.layers)))
def test_shape_inference_matches_pytorch(spec):
    model = models.build(spec).eval()
    x = torch.zeros(2, *spec.input_shape)
    actual = []
    with torch.no_grad():
        for block in model:
            x = block(x)
            actual.append(tuple(x.shape[1:]))
    assert list(spec.validate()) == actual


def error_of(spec, input_shape=None) -> SpecError:
    with pytest.raises(SpecError) as caught:
        spec.validate(input_shape)
    return caught.value


def test_kernel_larger_than_its_input_names_the_layer_and_the_fix():
    spec = spec_of(
        ("conv2d", {"kernel_size": 3}, "relu"),
        ("maxpool2d", {"kernel_size": 2}, "none"),
        ("maxpool2d", {"kernel_size": 2}, "none"),
        ("maxpool2d", {"kernel_size": 2}, "none"),
        ("conv2d", {"kernel_size": 5}, "relu"),
    )
    e = error_of(spec)
    assert e.layer == 4
    assert str(e).startswith("Layer 5 (Conv2d): Kernel 5 is larger than the 3x3 input")
    assert "smaller kernel" in str(e)


def test_linear_after_conv_without_flatten_says_to_add_flatten_and_can_be_fixed():
    spec = spec_of(("conv2d", {}, "relu"), ("linear", {"out_features": 10}, "none"))
    e = error_of(spec)
    assert (e.layer, "Layer 2 (Linear)" in str(e), "add a Flatten layer" in str(e)) == (
        1,
        True,
        True,
    )
    fixed, notes = spec.with_flatten_inserted()
    assert [layer.kind for layer in fixed.layers] == ["conv2d", "flatten", "linear"]
    assert notes == ["Added a Flatten layer before layer 3 (Linear), which needs a flat vector."]
    assert fixed.validate()[-1] == (10,)


@pytest.mark.parametrize(
    ("layer", "words"),
    [
        (("linear", {"out_features": 0}, "none"), "out_features is 0 but must be at least 1"),
        (("dropout", {"p": 1.0}, "none"), "p is 1.0 but must be below 1"),
        (("dropout", {"p": -0.1}, "none"), "p is -0.1 but must be at least 0"),
        (("linear", {"out_features": 2.5}, "none"), "must be a whole number"),
        (("linear", {"out_features": "64"}, "none"), "must be a number"),
        (("linear", {"out_features": True}, "none"), "must be a number"),
        (("linear", {"units": 3}, "none"), "no parameter 'units' (it takes out_features)"),
        (("dense", {}, "none"), "there is no layer kind 'dense'"),
        (("linear", {}, "swish"), "there is no activation 'swish'"),
    ],
)
def test_bad_layers_are_named_with_the_reason(layer, words):
    spec = spec_of(("flatten", {}, "none"), layer)
    e = error_of(spec)
    assert e.layer == 1
    assert str(e).startswith("Layer 2 (")
    assert words in str(e)


def test_an_empty_model_and_a_huge_one_are_refused():
    assert "no layers" in str(error_of(ModelSpec(())))
    huge = spec_of(
        ("flatten", {}, "none"),
        ("linear", {"out_features": 4096}, "relu"),
        ("linear", {"out_features": 4096}, "relu"),
        ("linear", {"out_features": 4096}, "none"),
    )
    assert "parameters, more than" in str(error_of(huge))


def test_pooling_a_flat_vector_is_explained():
    e = error_of(spec_of(("flatten", {}, "none"), ("maxpool2d", {}, "none")))
    assert "MaxPool2d works on images" in str(e) and "flat vector of 784 features" in str(e)


@pytest.mark.parametrize(
    ("loss", "outputs", "fits"),
    [
        ("cross_entropy", 10, True),
        ("cross_entropy", 5, False),
        ("mse", 10, True),
        ("mse", 1, False),
        ("bce", 10, True),
        ("bce", 1, False),  # one output is for two classes, MNIST has ten
        ("bce", 3, False),
        ("nll", 10, True),
    ],
)
def test_the_loss_must_fit_the_output(loss, outputs, fits):
    spec = spec_of(("flatten", {}, "none"), ("linear", {"out_features": outputs}, "none"))
    config = TrainConfig(loss=loss)
    if fits:
        assert check_fit(spec, config)[-1] == (outputs,)
    else:
        with pytest.raises(SpecError) as caught:
            check_fit(spec, config)
        assert caught.value.layer == 1 and "set the last Linear layer to 10 units" in str(
            caught.value
        )


def test_a_model_ending_in_feature_maps_cannot_classify():
    with pytest.raises(SpecError, match="add Flatten and a Linear layer of 10 units"):
        check_fit(spec_of(("conv2d", {}, "relu")), TrainConfig())


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"optimizer": "lion"}, "optimizer"),
        ({"epochs": 0}, "epochs"),
        ({"lr": -1.0}, "lr"),
        ({"val_fraction": 0.9}, "val_fraction"),
        ({"device": "tpu"}, "device"),
        ({"lr": float("nan")}, "lr"),
    ],
)
def test_bad_train_configs_name_the_field(changes, field):
    with pytest.raises(SpecError) as caught:
        TrainConfig(**changes).validate()
    assert caught.value.field == field


MALFORMED = [
    "",
    "not json",
    "[]",
    "null",
    '{"layers": "conv"}',
    '{"layers": [1, 2]}',
    '{"layers": [{"kind": 3}]}',
    '{"layers": [{"kind": "linear", "params": []}]}',
    '{"layers": [{"kind": "linear", "params": {"out_features": 1e400}}]}',
    '{"layers": [{"kind": "linear", "params": {"out_features": NaN}}]}',
    '{"layers": [{"kind": "linear"}], "input_shape": [0]}',
    '{"layers": [{"kind": "linear"}], "input_shape": "big"}',
    '{"layers": [], "extra": 1}',
    "[" * 100_000,
    b"\xff\xfe\x00",
]


@pytest.mark.parametrize("text", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_model_json_gives_only_spec_errors(text):
    with pytest.raises(SpecError):
        ModelSpec.from_json(text).validate()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
param_names = sorted({p.name for kind in catalog.LAYERS.values() for p in kind.params})
layer_like = st.fixed_dictionaries(
    {"kind": st.sampled_from([*catalog.LAYERS, "x"]) | json_values},
    optional={
        "params": st.dictionaries(
            st.sampled_from([*param_names, "q"]),
            json_values,
        )
        | json_values,
        "activation": st.sampled_from(list(catalog.ACTIVATIONS)) | json_values,
    },
)


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries(
        {"layers": st.lists(layer_like, max_size=6) | json_values},
        optional={"input_shape": st.lists(st.integers(-2, 40), max_size=4) | json_values},
    )
    | json_values
)
def test_no_json_input_escapes_as_anything_but_spec_error(data):
    with contextlib.suppress(SpecError):
        ModelSpec.from_json(json.dumps(data)).validate()


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(st.sampled_from([*TrainConfig().to_dict(), "zzz"]), json_values) | json_values
)
def test_no_config_input_escapes_as_anything_but_spec_error(data):
    with contextlib.suppress(SpecError):
        TrainConfig.from_json(json.dumps(data))
