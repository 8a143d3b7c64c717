"""Playground 2-D's TensorFlow Playground parity, part one: zero initialisation leaves neurons
identical, L1 prunes weights that cross zero for good, accuracy and R² against their closed
forms, the stop conditions, and a network's weights out as JSON and back in (typed by hand: the
weights that solve XOR)."""

import json
import math

import numpy as np
import pytest
import torch

from playground.playground2d import data, net, picture
from playground.playground2d.data import CLASSIFICATION, REGRESSION
from playground.playground2d.experiment import Experiment, ExperimentError
from tests.test_playground2d import accuracy, train_epochs, wait_until


def test_zero_initialisation_leaves_every_neuron_of_a_layer_the_same():
    points = data.generate("circle", 200, 0.0, 0.5, 0)
    exp = Experiment(
        dataset="circle", hidden=(4, 3), activations=("tanh", "tanh"), init="zero", lr=0.1
    )
    trainer = train_epochs(exp, points, 20)
    try:
        for layer in net.linears(trainer.snapshot().model)[:-1]:
            w, b = layer.weight, layer.bias
            assert torch.equal(w, w[:1].expand_as(w)) and torch.equal(b, b[:1].expand_as(b))
        assert accuracy(trainer) < 0.8  # so it cannot learn the circle
    finally:
        trainer.close()


def test_l1_drops_weights_that_cross_zero_and_they_stay_dropped():
    points = data.generate("gaussians", 200, 0.0, 0.5, 0)
    exp = Experiment(dataset="gaussians", hidden=(8,), activations=("tanh",),
                     regularization="l1", reg_rate=0.01, lr=0.1)  # fmt: skip
    trainer = train_epochs(exp, points, 30)
    try:
        snap = trainer.snapshot()
        zeros = [(m.weight == 0) for m in net.linears(snap.model)]
        assert snap.pruned > 0 and sum(int(z.sum()) for z in zeros) == snap.pruned
        trainer.step()
        wait_until(lambda: trainer.snapshot().epoch == 31)
        later = [(m.weight == 0) for m in net.linears(trainer.snapshot().model)]
        assert all((z <= w).all() for z, w in zip(zeros, later, strict=True))  # still 0
    finally:
        trainer.close()


def test_accuracy_and_r2_are_their_closed_forms():
    exp = Experiment(dataset="plane", hidden=(), activations=())
    model = net.build(exp)
    with torch.no_grad():
        net.linears(model)[0].weight[:] = torch.tensor([[0.1, 0.1]])  # (x1 + x2) / 10 exactly
    points = data.generate("plane", 300, 0.0, 0.5, 0)
    x, y = points.split(True)
    assert net.score(model, exp, x, y, REGRESSION) == pytest.approx(1.0)
    with torch.no_grad():
        net.linears(model)[0].weight.zero_()
        net.linears(model)[0].bias.fill_(float(y.mean()))
    assert net.score(model, exp, x, y, REGRESSION) == pytest.approx(0.0, abs=1e-6)
    labels = torch.tensor([1.0, 0.0, 1.0, 0.0])
    xs = torch.tensor([[1.0, 1.0], [1.0, -1.0], [-1.0, -1.0], [-1.0, 1.0]])
    cls = Experiment(features=("x1x2",), hidden=(), activations=())
    m = net.build(cls)
    with torch.no_grad():
        net.linears(m)[0].weight[:] = torch.tensor([[5.0]])
    assert net.score(m, cls, xs, labels, CLASSIFICATION) == 1.0


def test_the_stop_conditions_pause_training_and_say_why():
    points = data.generate("xor", 200, 0.0, 0.5, 0)
    exp = Experiment(dataset="xor", hidden=(4,), activations=("tanh",), lr=0.1, stop_epochs=7)
    from playground.playground2d.trainer import Trainer

    trainer = Trainer(exp, points)
    try:
        trainer.play()
        wait_until(lambda: not trainer.snapshot().playing)
        snap = trainer.snapshot()
        assert snap.epoch == 7 and snap.note == "Paused after 7 epochs, as set."
        assert len(snap.train_score) == len(snap.test_score) == 8  # epoch 0 too
        assert 0 <= snap.test_score[-1] <= 1
        trainer.update(exp.replace(stop_epochs=0, stop_loss=0.2), points)
        trainer.play()
        wait_until(lambda: not trainer.snapshot().playing, timeout=60)
        snap = trainer.snapshot()
        assert snap.test_loss[-1] <= 0.2 < snap.test_loss[-2] and "reached the target" in snap.note
    finally:
        trainer.close()


def test_weights_go_out_as_json_and_back_in_and_typed_weights_solve_xor():
    exp = Experiment(dataset="xor", features=("x1", "x2"), hidden=(2,), activations=("tanh",))
    points = data.generate("xor", 400, 0.0, 0.5, 0)
    from playground.playground2d.trainer import Trainer

    trainer = Trainer(exp, points)
    try:
        typed = {
            "layers": [  # h1 = tanh(5 (x1 + x2)), h2 = tanh(5 (x1 - x2)); out = -h1 h2 in sign
                {"weight": [[5.0, 5.0], [5.0, -5.0]], "bias": [0.0, 0.0]},
                {"weight": [[0.0, 0.0]], "bias": [0.0]},
            ]
        }
        trainer.set_weights(json.loads(json.dumps(typed)))
        assert net.to_json(trainer.snapshot().model) == typed
        with pytest.raises(ExperimentError, match="this network has 2"):
            trainer.set_weights({"layers": typed["layers"][:1]})
        with pytest.raises(ExperimentError, match=r"this network.s are \(2, 2\) with \(2,\)"):
            trainer.set_weights(
                {"layers": [{"weight": [[1.0]], "bias": [0.0]}, typed["layers"][1]]}
            )
        with pytest.raises(ExperimentError, match="JSON object"):
            trainer.set_weights({"weights": []})
        assert net.to_json(trainer.snapshot().model) == typed  # nothing changed
    finally:
        trainer.close()
    # with the x1·x2 feature one weight is enough: a learner can type it
    solved = Experiment(dataset="xor", features=("x1x2",), hidden=(), activations=())
    t = Trainer(solved, points)
    try:
        t.set_weights({"layers": [{"weight": [[3.0]], "bias": [0.0]}]})  # class 1: x1 x2 > 0
        assert t.snapshot().test_score[-1] > 0.95 and math.isfinite(t.snapshot().test_loss[-1])
    finally:
        t.close()


def test_new_settings_travel_in_the_link():
    exp = Experiment(init="zero", stop_loss=0.05, stop_epochs=100)
    assert Experiment.from_query(exp.to_query()) == exp
    with pytest.raises(ExperimentError, match="Initialisation"):
        Experiment.from_query({"init": "ones"})


def test_discretize_draws_the_boundary_in_two_colours():
    from playground.playground2d import plots

    points = data.generate("circle", 100, 0.0, 0.5, 0)
    exp = Experiment()
    model = net.build(exp)
    side, _ = net.plane_grid(20)
    values = net.over_plane(model, exp, CLASSIFICATION, 20)
    smooth = plots.boundary_figure(side.tolist(), values, points, False, "t")
    two = plots.boundary_figure(side.tolist(), values, points, False, "t", discretize=True)
    smooth_rgb = picture.read_png(smooth.layout.images[0].source)
    two_rgb = picture.read_png(two.layout.images[0].source)
    assert smooth_rgb.shape == two_rgb.shape == (80, 80, 3)  # 20 cells, 4 pixels each
    assert len({tuple(c) for c in smooth_rgb.reshape(-1, 3)}) > 2
    orange, blue = picture.colour(np.array([0.0, 1.0]), 0, 1, plots.SCALE)
    cells = two_rgb[2::4, 2::4][::-1]  # a pixel a cell, rows along x2 upwards as the values
    assert ((cells == blue).all(axis=-1) == (values.numpy() >= 0.5)).all()
    assert ((cells == orange).all(axis=-1) == (values.numpy() < 0.5)).all()


def test_the_boundary_picture_covers_the_plane_and_a_frame_changes_only_the_picture():
    from playground.playground2d import plots
    from playground.ui.sent_figures import SentAsIs

    points = data.generate("circle", 100, 0.0, 0.5, 0)
    side, _ = net.plane_grid(50)
    base = SentAsIs.of(plots.boundary_base(side.tolist(), points, True, "t"))
    image = plots.boundary_image(side.tolist(), torch.rand(50, 50), points)
    cell = 12 / 49
    assert image["x"] == pytest.approx(-6 - cell / 2) and image["y"] == pytest.approx(6 + cell / 2)
    assert image["sizex"] == image["sizey"] == pytest.approx(12 + cell)
    frame = base.with_layout(images=[image])
    assert frame.to_dict()["data"] is base.to_dict()["data"]  # the points are not copied
    assert frame.to_dict()["layout"]["datarevision"] == base.to_dict()["layout"]["datarevision"]
    other = plots.boundary_base(side.tolist(), points, True, "t")
    assert other.layout.datarevision != base.to_dict()["layout"]["datarevision"]


def test_one_fixed_scale_with_a_legend_and_every_bias_shown_as_the_forward_pass_has_it():
    from playground.playground2d import plots

    exp = Experiment(hidden=(2,), activations=("tanh",))
    model = net.build(exp)
    net.load_json(model, {"layers": [
        {"weight": [[0.5, 0.0], [2.0, -1.0]], "bias": [0.25, -0.75]},
        {"weight": [[0.1, -3.0]], "bias": [0.4]},
    ]})  # fmt: skip
    columns = net.neurons_over_plane(model, exp, CLASSIFICATION, resolution=5)
    _, grid = net.plane_grid(5)
    by_hand = torch.tanh(
        grid @ torch.tensor([[0.5, 0.0], [2.0, -1.0]]).T + torch.tensor([0.25, -0.75])
    )
    assert torch.allclose(columns[1], by_hand.T.reshape(2, 5, 5), atol=1e-6)  # biases count
    fig = plots.network_figure(
        columns, net.weights(model), ["x1", "x2"], CLASSIFICATION, net.biases(model)
    )
    thumbs = [t for t in fig.data if t.type == "heatmap" and t.opacity != 0]
    hidden = thumbs[2:4]  # after the two features
    assert all((t.zmin, t.zmax) == (-1, 1) for t in hidden)  # not each its own maximum
    bias = [t for t in fig.data if t.name == "bias"]
    assert [c for b in bias for c in b.marker.color] == pytest.approx([0.25, -0.75, 0.4])
    assert all((b.marker.cmin, b.marker.cmax) == (-1, 1) for b in bias)
    widths = {
        round(float(t.line.width)) for t in fig.data if t.type == "scatter" and t.mode == "lines"
    }
    assert widths == {1, 3, 5}  # |w| 0.1 -> 1, 0.5 -> 3, 1 or more -> 5: a fixed scale
    legend = [t for t in fig.data if t.type == "heatmap" and t.opacity == 0]
    assert len(legend) == 1 and list(legend[0].colorbar.tickvals) == [-1, 0, 1]


TF = "https://playground.tensorflow.org/#"
TF_DEFAULT = (  # TensorFlow Playground's own default state, as its address shows it
    "activation=tanh&batchSize=10&dataset=circle&regDataset=reg-plane&learningRate=0.03&"
    "regularizationRate=0&noise=0&networkShape=4,2&seed=0.52749&showTestData=false&"
    "discretize=false&percTrainData=50&x=true&y=true&xTimesY=false&xSquared=false&"
    "ySquared=false&cosX=false&sinX=false&cosY=false&sinY=false&collectStats=false&"
    "problem=classification&initZero=false&hideText=false"
)


def tf(**changes) -> str:
    from urllib.parse import parse_qsl, urlencode

    state = dict(parse_qsl(TF_DEFAULT)) | {
        k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in changes.items()
    }
    return TF + urlencode(state, safe=",")


def test_tensorflow_playgrounds_own_links_open_here():
    from playground.playground2d.tf_links import from_tf_link

    exp, notes = from_tf_link(TF + TF_DEFAULT)
    assert (exp.dataset, exp.hidden, exp.activations, exp.lr, exp.batch_size) == (
        "circle", (4, 2), ("tanh", "tanh"), 0.03, 10)  # fmt: skip
    assert exp.features == ("x1", "x2") and exp.train_ratio == 0.5 and exp.loss == "mse"
    assert notes == [] and exp.hide == ()
    assert from_tf_link(TF_DEFAULT)[0] == exp  # the part after # alone
    xor, _ = from_tf_link(tf(dataset="xor", networkShape="", x="false", y="false",
                             xTimesY="true", noise=25, percTrainData=70))  # fmt: skip
    assert (xor.dataset, xor.hidden, xor.features, xor.noise, xor.train_ratio) == (
        "xor", (), ("x1x2",), 0.25, 0.7)  # fmt: skip
    spiral, notes = from_tf_link(tf(dataset="spiral", networkShape="8,8,5", activation="relu",
                                    regularization="L2", regularizationRate=0.003,
                                    sinX="true", cosX="true", initZero="true",
                                    discretize="true", showTestData="true"))  # fmt: skip
    assert spiral.activations == ("relu",) * 3 and spiral.regularization == "l2"
    assert spiral.features == ("x1", "x2", "sinx1") and spiral.init == "zero"
    assert spiral.discretize and spiral.show_test
    assert notes == ["cosX are not features here: left out."]
    reg, notes = from_tf_link(tf(problem="regression", regDataset="reg-gauss",
                                 learningRate_hide="false", dataset_hide="true",
                                 networkShape_hide="true", hideText="true"))  # fmt: skip
    assert (reg.dataset, reg.points) == ("bumps", 1200)
    assert reg.hide == ("data", "network", "text")
    assert "six bumps" in notes[0]


@pytest.mark.parametrize(
    ("link", "says"),
    [
        ("https://example.com/#a=1", "not a TensorFlow Playground link"),
        (tf(networkShape="4,x"), "not a list of whole numbers"),
        (tf(learningRate="fast"), "it should be a number"),
        (tf(x="yes"), "true or false"),
    ],
)
def test_a_bad_tensorflow_link_is_explained(link, says):
    from playground.playground2d.tf_links import from_tf_link

    with pytest.raises(ExperimentError, match=says):
        from_tf_link(link)


def test_a_users_points_travel_in_the_link_and_back():
    points = data.read_csv(
        "x1,x2,label\n" + "\n".join(f"{i % 7 - 3.5},{i % 5 - 2.25},{i % 2}" for i in range(300))
    )
    text = data.points_to_link(points)
    assert len(text) < 4000
    back = data.points_from_link(text)
    assert torch.allclose(back.x, points.x, atol=0.005) and torch.equal(back.y, points.y)
    assert torch.equal(back.train, points.train) and back.kind == points.kind
    many = data.generate("circle", 2000, 0.0, 0.5, 0)
    assert data.points_to_link(many) is None  # too many for a link


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("%%%", "cut short"),
        ("eJzLSM3JyVcozy_KSQEAGgQEXQ", "cut short"),  # "hello world": not points
        ("", "cut short"),
    ],
)
def test_points_in_a_bad_link_are_explained(text, says):
    with pytest.raises(data.PointsError, match=says):
        data.points_from_link(text)


@pytest.mark.parametrize(("name", "classes"), [("spiral3", 3), ("gaussians4", 4)])
def test_more_than_two_classes_train_with_softmax_and_colour_the_boundary_per_class(name, classes):
    from playground.playground2d import plots

    points = data.generate(name, 600, 0.0, 0.5, 0)
    assert points.classes == classes
    hidden = (12, 12) if name == "spiral3" else (4,)
    exp = Experiment(dataset=name, hidden=hidden, activations=("tanh",) * len(hidden),
                     loss="cross_entropy", optimizer="adam", lr=0.03)  # fmt: skip
    trainer = train_epochs(exp, points, 60 if name == "spiral3" else 10)
    try:
        snap = trainer.snapshot()
        assert net.linears(snap.model)[-1].out_features == classes  # one output a class
        x, y = points.split(False)
        with torch.no_grad():
            raw = snap.model(data.features(x, exp.features))
            by_hand = torch.nn.functional.cross_entropy(raw, y.long()).item()
            right = (raw.argmax(1).float() == y).double().mean().item()
        assert snap.test_loss[-1] == pytest.approx(by_hand, rel=1e-5)
        assert snap.test_score[-1] == pytest.approx(right)
        assert right > (0.9 if name == "gaussians4" else 0.5)  # chance: 1/4 and 1/3
        columns = net.neurons_over_plane(snap.model, exp, CLASSIFICATION, 10)
        assert columns[-1].shape[0] == classes
        assert torch.allclose(columns[-1].sum(dim=0), torch.ones(10, 10))  # probabilities
        side, _ = net.plane_grid(30)
        values = net.over_plane(snap.model, exp, CLASSIFICATION, 30)
        assert set(values.unique().tolist()) <= set(map(float, range(classes)))
        fig = plots.boundary_figure(side.tolist(), values, points, True, "t")
        rgb = picture.read_png(fig.layout.images[0].source)
        assert len({tuple(c) for c in rgb.reshape(-1, 3)}) == len(values.unique())  # a class each
    finally:
        trainer.close()


def test_a_csv_with_labels_0_to_2_is_three_classes_and_travels_in_a_link():
    rows = "\n".join(f"{i % 7 - 3},{i % 5 - 2},{i % 3}" for i in range(30))
    points = data.read_csv(rows)
    assert points.kind == CLASSIFICATION and points.classes == 3
    back = data.points_from_link(data.points_to_link(points))
    assert back.classes == 3 and torch.equal(back.y, points.y)


REAL = (  # a TensorFlow Playground link as people share it (from a public notebook's comment)
    "https://playground.tensorflow.org/#activation=tanh&batchSize=10&dataset=circle&"
    "regDataset=reg-plane&learningRate=0.03&regularizationRate=0&noise=0&networkShape=5,4&"
    "seed=0.47617&showTestData=false&discretize=true&percTrainData=70&x=true&y=true&"
    "xTimesY=false&xSquared=false&ySquared=false&cosX=false&sinX=false&cosY=false&sinY=false&"
    "collectStats=false&problem=classification&initZero=false&hideText=false"
)


def test_a_link_shared_in_the_wild_opens_as_it_was():
    from playground.playground2d.tf_links import from_tf_link

    exp, notes = from_tf_link(REAL)
    assert (exp.hidden, exp.discretize, exp.train_ratio, exp.seed) == ((5, 4), True, 0.7, 476170)
    assert notes == []
