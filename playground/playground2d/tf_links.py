"""TensorFlow Playground's links, opened here: the part after `#` of a playground.tensorflow.org
address (its `state.ts` keys and scales) read into an Experiment, with a note for each thing
that does not map.

Their keys: activation (relu, tanh, sigmoid, linear: one for every layer), regularization
(none, L1, L2), regularizationRate, learningRate, batchSize, noise (0-50, percent),
percTrainData (10-90, percent), networkShape ("4,2"), seed (a string), dataset (circle, xor,
gauss, spiral) or regDataset (reg-plane, reg-gauss) with problem (classification, regression),
the feature switches (x, y, xSquared, ySquared, xTimesY, sinX, sinY, cosX, cosY), initZero,
showTestData, discretize, hideText, collectStats, and `<control>_hide`.
"""

from __future__ import annotations

import math
import zlib
from urllib.parse import parse_qsl

from playground.engine.i18n import N_, Text
from playground.playground2d.experiment import (
    ACTIVATION_CHOICES,
    MAX_LAYERS,
    MAX_NEURONS,
    MAX_SEED,
    Experiment,
    ExperimentError,
)

DATASETS = {"circle": "circle", "xor": "xor", "gauss": "gaussians", "spiral": "spiral"}
REGRESSION_DATASETS = {"reg-plane": "plane", "reg-gauss": "bumps"}
FEATURES = {"x": "x1", "y": "x2", "xSquared": "x1sq", "ySquared": "x2sq", "xTimesY": "x1x2",
            "sinX": "sinx1", "sinY": "sinx2"}  # fmt: skip
MISSING_FEATURES = ("cosX", "cosY")
ACTIVATIONS = {"relu": "relu", "tanh": "tanh", "sigmoid": "sigmoid", "linear": "none"}
IGNORED = {"collectStats", "hideText", "tutorial"}
HIDES = {  # their control -> the part of this page it hides
    "dataset": "data", "regDataset": "data", "noise": "data", "percTrainData": "data",
    "problem": "data", "seed": "data", "batchSize": "batch", "learningRate": "lr",
    "activation": "network", "networkShape": "network", "numHiddenLayers": "network",
    "regularization": "regularization", "regularizationRate": "regularization",
    "showTestData": "view", "discretize": "view", **dict.fromkeys(FEATURES, "features"),
    **dict.fromkeys(MISSING_FEATURES, "features"),
}  # fmt: skip


def looks_like_one(text: str) -> bool:
    """Whether `text` is (or ends in) a TensorFlow Playground state, not one of our links."""
    state = text.split("#", 1)[-1]
    return "networkShape=" in state or "percTrainData=" in state or "regDataset=" in state


def from_tf_link(text: str) -> tuple[Experiment, list[str]]:
    """(the experiment, notes on what did not map) for a TensorFlow Playground address or the
    part after its `#`; the controls it hides (`<control>_hide`, hideText) are hidden here too
    (Experiment.hide). ExperimentError if it is not one or a value cannot be read."""
    state = text.strip().split("#", 1)[-1]
    pairs = dict(parse_qsl(state, keep_blank_values=True))
    if not looks_like_one(state):
        raise ExperimentError(
            Text(
                "That is not a TensorFlow Playground link: it has no networkShape, percTrainData "
                "or regDataset (copy the whole address, or the part after #)."
            )
        )
    notes: list[str] = []
    hidden = {
        HIDES.get(k[: -len("_hide")], "")
        for k, v in pairs.items()
        if k.endswith("_hide") and _bool(v, k)
    } - {""}
    if _bool(pairs.get("hideText", "false"), "hideText"):
        hidden.add("text")
    values: dict = {}
    regression = pairs.get("problem", "classification") == "regression"
    if regression:
        name = pairs.get("regDataset", "reg-plane")
        values["dataset"] = REGRESSION_DATASETS.get(name, "plane")
        if name == "reg-gauss":
            notes.append(
                N_("Their multi-Gaussian regression is our six bumps: alike, not the same.")
            )
        elif name not in REGRESSION_DATASETS:
            notes.append(
                Text("Their dataset {name!r} is unknown here: the plane is used.", name=name)
            )
    else:
        name = pairs.get("dataset", "circle")
        if name not in DATASETS:
            notes.append(
                Text("Their dataset {name!r} is unknown here: the circle is used.", name=name)
            )
        values["dataset"] = DATASETS.get(name, "circle")
    if "noise" in pairs:
        values["noise"] = _number(pairs["noise"], "noise") / 100
    if "percTrainData" in pairs:
        values["train_ratio"] = _number(pairs["percTrainData"], "percTrainData") / 100
    if "learningRate" in pairs:
        values["lr"] = _number(pairs["learningRate"], "learningRate")
    if "batchSize" in pairs:
        values["batch_size"] = int(_number(pairs["batchSize"], "batchSize"))
    if "regularizationRate" in pairs:
        values["reg_rate"] = _number(pairs["regularizationRate"], "regularizationRate")
    reg = pairs.get("regularization", "none").lower()
    values["regularization"] = reg if reg in ("none", "l1", "l2") else "none"
    shape = [s for s in pairs.get("networkShape", "4,2").split(",") if s.strip()]
    try:
        hidden_units = tuple(int(s) for s in shape)
    except ValueError:
        raise ExperimentError(
            Text(
                "Their networkShape {pairs!r} is not a list of whole numbers.",
                pairs=pairs["networkShape"],
            )
        ) from None
    if len(hidden_units) > MAX_LAYERS or any(not 1 <= n <= MAX_NEURONS for n in hidden_units):
        notes.append(Text(
"Their network {shape} is larger than this playground's ({MAX_LAYERS} "
"layers of up to {MAX_NEURONS}): cut to fit.",
shape=shape, MAX_LAYERS=MAX_LAYERS, MAX_NEURONS=MAX_NEURONS))  # fmt: skip
        hidden_units = tuple(min(max(n, 1), MAX_NEURONS) for n in hidden_units[:MAX_LAYERS])
    activation = ACTIVATIONS.get(pairs.get("activation", "tanh"), "tanh")
    assert activation in ACTIVATION_CHOICES
    values["hidden"] = hidden_units
    values["activations"] = (activation,) * len(hidden_units)
    chosen = tuple(
        ours for theirs, ours in FEATURES.items() if _bool(pairs.get(theirs, "false"), theirs)
    )
    cos = [f for f in MISSING_FEATURES if _bool(pairs.get(f, "false"), f)]
    if cos:
        notes.append(Text("{join} are not features here: left out.", join=" and ".join(cos)))
    values["features"] = chosen or ("x1", "x2")
    if "seed" in pairs:
        values["seed"] = _seed(pairs["seed"])
    values["init"] = "zero" if _bool(pairs.get("initZero", "false"), "initZero") else "xavier"
    values["show_test"] = _bool(pairs.get("showTestData", "false"), "showTestData")
    values["discretize"] = _bool(pairs.get("discretize", "false"), "discretize")
    values["loss"] = "mse"  # theirs: squared error, always
    if regression:
        values["points"] = 1200
    values["hide"] = tuple(sorted(hidden))
    unknown = sorted(k for k in pairs if k not in _KNOWN and not k.endswith("_hide"))
    if unknown:
        notes.append(Text("Not used here: {join}.", join=", ".join(unknown)))
    exp = Experiment(**values)
    exp.validate()
    return exp, notes


_KNOWN = {"activation", "regularization", "regularizationRate", "learningRate", "batchSize",
          "noise", "percTrainData", "networkShape", "seed", "dataset", "regDataset", "problem",
          "initZero", "showTestData", "discretize", *FEATURES, *MISSING_FEATURES,
          *IGNORED}  # fmt: skip


def _bool(text: str, key: str) -> bool:
    if text not in ("true", "false"):
        raise ExperimentError(
            Text("Their {key} is {text!r}: it should be true or false.", key=key, text=text)
        )
    return text == "true"


def _number(text: str, key: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ExperimentError(
            Text("Their {key} is {text!r}: it should be a number.", key=key, text=text)
        ) from None
    if not math.isfinite(value):
        raise ExperimentError(
            Text("Their {key} is {text!r}: it should be a finite number.", key=key, text=text)
        )
    return value


def _seed(text: str) -> int:
    """Their seed is any string (e.g. "0.52749"): a whole number here, the same for the same
    string."""
    try:
        value = float(text)
        if 0 <= value < 1:
            return int(value * 1_000_000) % (MAX_SEED + 1)
    except ValueError:
        pass
    return zlib.crc32(text.encode()) % (MAX_SEED + 1)
