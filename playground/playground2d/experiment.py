"""A whole Playground 2-D experiment as one frozen dataclass: data settings, features, network,
hyper-parameters and seed. It round-trips through JSON and through a page URL's query
parameters, so a link rebuilds the same experiment; `validate` explains what is wrong."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from playground.engine.i18n import N_, Text
from playground.engine.optimizers import OPTIMIZERS
from playground.playground2d.data import CLASSIFICATION, DATASETS, FEATURES, REGRESSION

MAX_LAYERS, MAX_NEURONS = 6, 16
MAX_SEED = 1_000_000
# Activations offered per hidden layer (from the layer registry); "none" is shown as "linear".
ACTIVATION_CHOICES = ("tanh", "relu", "sigmoid", "none", "leaky_relu", "elu", "gelu", "silu")
REGULARIZATIONS = {"none": N_("None"), "l1": "L1", "l2": "L2"}
LOSSES = {"mse": N_("Mean squared error"), "cross_entropy": N_("Cross-entropy")}
INITS = {"xavier": N_("Random (Xavier)"), "zero": N_("All zeros")}
HIDEABLE = {  # what a link may hide, for a class: name -> what it is
    "lessons": N_("the lessons"),
    "text": N_("the explanations"),
    "data": N_("the data settings"),
    "features": N_("the features"),
    "network": N_("the hidden layers"),
    "lr": N_("the learning rate"),
    "optimizer": N_("the optimizer"),
    "loss": N_("the loss"),
    "regularization": N_("the regularisation"),
    "batch": N_("the batch size and dropout"),
    "more": N_("initialisation and when to stop"),
    "view": N_("Show test points and Discretize output"),
    "points": N_("adding points by clicks"),
    "weights": N_("the weights as JSON"),
    "tf": N_("opening a TensorFlow Playground link"),
}
CUSTOM = "custom"  # the dataset name of a user's own points (a CSV, or points added by clicks)


class ExperimentError(ValueError):
    """An experiment that cannot run, with a message for the user."""


@dataclass(frozen=True)
class Experiment:
    dataset: str = "circle"  # a name in playground2d.data.DATASETS, or CUSTOM
    noise: float = 0.0  # share of the plane the points are jittered by, 0-0.5
    points: int = 500
    train_ratio: float = 0.5  # share of the points used for training; the rest test
    seed: int = 0  # data, split, initial weights and batch order all follow it (0-MAX_SEED)
    features: tuple[str, ...] = ("x1", "x2")  # names in playground2d.data.FEATURES
    hidden: tuple[int, ...] = (4, 2)  # neurons per hidden layer
    activations: tuple[str, ...] = ("tanh", "tanh")  # one per hidden layer
    regularization: str = "none"  # none, l1 or l2, on the weights
    reg_rate: float = 0.0
    dropout: float = 0.0  # after every hidden layer, while training
    loss: str = "mse"  # mse or cross_entropy (classification only)
    optimizer: str = "sgd"  # a name in catalog.OPTIMIZERS
    lr: float = 0.03
    batch_size: int = 10
    init: str = "xavier"  # xavier (random, from the seed) or zero (every weight 0)
    stop_loss: float = 0.0  # pause when the test loss falls to this (0: never)
    stop_epochs: int = 0  # pause after this many epochs (0: never)
    data_seed: int = 0  # "Regenerate": new points from the same seed, the network kept
    discretize: bool = False  # the boundary in two colours (a view setting, kept in the link)
    show_test: bool = False  # the test points on the boundary (a view setting, too)
    hide: tuple[str, ...] = ()  # classroom mode: controls the link hides (names in HIDEABLE)

    def validate(self, kind: str | None = None) -> None:
        """Raises ExperimentError, in the user's words, for the first thing that cannot work.
        `kind` is the problem of the points (CLASSIFICATION or REGRESSION) for CUSTOM data."""
        if self.dataset != CUSTOM and self.dataset not in DATASETS:
            _fail(
                Text(
                    "There is no dataset {dataset!r}: pick one of {join}.",
                    dataset=self.dataset,
                    join=", ".join(DATASETS),
                )
            )
        if not 0 <= self.noise <= 0.5:
            _fail(N_("Noise goes from 0% to 50%."))
        if not 10 <= self.points <= 2000:
            _fail(N_("Use between 10 and 2,000 points."))
        if not 0.1 <= self.train_ratio <= 0.9:
            _fail(N_("The training share goes from 10% to 90%."))
        if not 0 <= self.seed <= MAX_SEED:
            _fail(Text("The seed is a whole number from 0 to {MAX_SEED:,}.", MAX_SEED=MAX_SEED))
        if not self.features:
            _fail(N_("Switch on at least one feature: the network needs an input."))
        unknown = [f for f in self.features if f not in FEATURES]
        if unknown:
            _fail(
                Text(
                    "Unknown feature {unknown!r}: use {join}.",
                    unknown=unknown[0],
                    join=", ".join(FEATURES),
                )
            )
        if len(self.hidden) > MAX_LAYERS:
            _fail(Text("Up to {MAX_LAYERS} hidden layers.", MAX_LAYERS=MAX_LAYERS))
        if any(not 1 <= n <= MAX_NEURONS for n in self.hidden):
            _fail(
                Text("Each hidden layer has 1 to {MAX_NEURONS} neurons.", MAX_NEURONS=MAX_NEURONS)
            )
        if len(self.activations) != len(self.hidden):
            _fail(N_("Each hidden layer needs one activation."))
        bad = [a for a in self.activations if a not in ACTIVATION_CHOICES]
        if bad:
            _fail(
                Text(
                    "Unknown activation {bad!r}: use {join}.",
                    bad=bad[0],
                    join=", ".join(ACTIVATION_CHOICES),
                )
            )
        if self.regularization not in REGULARIZATIONS:
            _fail(N_("Regularisation is none, l1 or l2."))
        if not (0 <= self.reg_rate <= 10 and math.isfinite(self.reg_rate)):
            _fail(N_("The regularisation rate goes from 0 to 10."))
        if not 0 <= self.dropout <= 0.9:
            _fail(N_("Dropout goes from 0 to 0.9."))
        if self.loss not in LOSSES:
            _fail(N_("The loss is mse or cross_entropy."))
        if self.optimizer not in OPTIMIZERS:
            _fail(
                Text(
                    "Unknown optimizer {optimizer!r}: use {join}.",
                    optimizer=self.optimizer,
                    join=", ".join(OPTIMIZERS),
                )
            )
        if not (0 < self.lr <= 10 and math.isfinite(self.lr)):
            _fail(N_("The learning rate must be above 0 and at most 10."))
        if not 1 <= self.batch_size <= 100:
            _fail(N_("The batch size goes from 1 to 100."))
        odd = [h for h in self.hide if h not in HIDEABLE]
        if odd:
            _fail(Text("The link hides {odd!r}, which is not a part of this page: use {join}.",
                       odd=odd[0], join=", ".join(HIDEABLE)))  # fmt: skip
        if not 0 <= self.data_seed <= MAX_SEED:
            _fail(
                Text("The data seed is a whole number from 0 to {MAX_SEED:,}.", MAX_SEED=MAX_SEED)
            )
        if self.init not in INITS:
            _fail(Text("Initialisation is {join}.", join=" or ".join(INITS)))
        if not (0 <= self.stop_loss <= 10 and math.isfinite(self.stop_loss)):
            _fail(N_("The target test loss goes from 0 (none) to 10."))
        if not 0 <= self.stop_epochs <= 100_000:
            _fail(N_("Stop after 0 (never) to 100,000 epochs."))
        if self.loss == "cross_entropy" and self.problem(kind) == REGRESSION:
            _fail(
                N_(
                    "Cross-entropy needs classes: this is a regression problem. Use mean squared "
                    "error, or pick a classification dataset."
                )
            )

    def problem(self, kind: str | None = None) -> str:
        if self.dataset == CUSTOM:
            return kind or CLASSIFICATION
        return DATASETS[self.dataset].kind

    @property
    def points_seed(self) -> int:
        """What the points are drawn with: the seed, or (after Regenerate) the seed and how
        many times the points were drawn again."""
        return self.seed if self.data_seed == 0 else self.seed * 1_000_003 + self.data_seed

    def replace(self, **changes) -> Experiment:
        return dataclasses.replace(self, **changes)

    # --- JSON -------------------------------------------------------------------------------

    def to_dict(self) -> dict:
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, d: dict) -> Experiment:
        if not isinstance(d, dict):
            _fail(N_("An experiment is a mapping of settings to values."))
        names = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - set(names))
        if unknown:
            _fail(Text("Unknown setting {unknown!r}.", unknown=unknown[0]))
        values = {}
        for key, value in d.items():
            default = getattr(cls(), key)
            try:
                if isinstance(default, bool):
                    values[key] = _switch(value)
                elif isinstance(default, tuple):
                    kind = type(default[0]) if default else str
                    values[key] = tuple(kind(v) for v in value)
                else:
                    values[key] = type(default)(value)
            except (TypeError, ValueError):
                what = N_("true or false") if isinstance(default, bool) else type(default).__name__
                _fail(
                    Text(
                        "The setting {key} = {value!r} is not a {what}.",
                        key=key,
                        value=value,
                        what=what,
                    )
                )
        return cls(**values)

    # --- URL --------------------------------------------------------------------------------

    def to_query(self) -> dict[str, str]:
        """Short query parameters for the settings that differ from the defaults."""
        default, out = Experiment(), {}
        for name, key in _QUERY.items():
            value = getattr(self, name)
            if value != getattr(default, name):
                out[key] = ",".join(map(str, value)) if isinstance(value, tuple) else str(value)
        return out

    @classmethod
    def from_query(cls, query: dict[str, str]) -> Experiment:
        """The experiment a URL describes (defaults for what it leaves out); raises
        ExperimentError for a value that cannot be read or cannot work."""
        d = {}
        for name, key in _QUERY.items():
            if key not in query:
                continue
            text = str(query[key])
            if isinstance(getattr(cls(), name), tuple):
                d[name] = [v for v in text.split(",") if v] if text else []
            else:
                d[name] = text
        try:
            exp = cls.from_dict(d)
        except ExperimentError as e:
            raise ExperimentError(Text("The link's settings could not be read: {e}", e=e)) from None
        exp.validate()
        return exp


_QUERY = {  # field -> query parameter
    "dataset": "data",
    "noise": "noise",
    "points": "n",
    "train_ratio": "train",
    "seed": "seed",
    "features": "f",
    "hidden": "h",
    "activations": "act",
    "regularization": "reg",
    "reg_rate": "rr",
    "dropout": "drop",
    "loss": "loss",
    "optimizer": "opt",
    "lr": "lr",
    "batch_size": "bs",
    "init": "init",
    "stop_loss": "stoploss",
    "stop_epochs": "stopepochs",
    "data_seed": "dseed",
    "discretize": "discretize",
    "show_test": "showtest",
    "hide": "hide",
}


def _switch(value) -> bool:
    """true / false, as a link or JSON says it."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in ("true", "false", "1", "0"):
        raise ValueError(value)
    return text in ("true", "1")


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


def _fail(message: str):
    raise ExperimentError(message)


@dataclass(frozen=True)
class Lesson:
    title: str
    text: str
    experiment: Experiment


LESSONS: list[Lesson] = [
    Lesson(
        N_("XOR needs a hidden layer"),
        N_(
            "With no hidden layer the network draws one straight line, and no line splits XOR. "
            "Train it, then add a hidden layer of 4 neurons (or the x1·x2 feature) and train again."
        ),
        Experiment(dataset="xor", hidden=(), activations=(), lr=0.03),
    ),
    Lesson(
        N_("Features can replace layers"),
        N_("x1² and x2² make the circle a straight-line problem: no hidden layer is needed."),
        Experiment(dataset="circle", features=("x1sq", "x2sq"), hidden=(), activations=()),
    ),
    Lesson(
        N_("The spiral needs depth or features"),
        N_(
            "With x1 and x2 alone and one small layer the spiral is out of reach; this network has "
            "more layers and the sine features. Try taking some away."
        ),
        Experiment(
            dataset="spiral",
            features=("x1", "x2", "sinx1", "sinx2"),
            hidden=(8, 8, 6),
            activations=("tanh", "tanh", "tanh"),
            noise=0.0,
            lr=0.03,
            batch_size=10,
        ),
    ),
    Lesson(
        N_("Too high a learning rate"),
        N_(
            "Regression on a plane at learning rate 1: each step overshoots and the loss explodes "
            "within a few epochs. Lower the rate to 0.03, Reset, and play again."
        ),
        Experiment(dataset="plane", lr=1.0),
    ),
    Lesson(
        N_("Regularisation against noise"),
        N_(
            "Noisy labels and a big network: the boundary bends around single points (the test "
            "loss rises). Set L2 at rate 0.01 and compare the test loss."
        ),
        Experiment(
            dataset="circle",
            noise=0.35,
            hidden=(16, 16),
            activations=("relu", "relu"),
            train_ratio=0.3,
        ),
    ),
]
