"""Playground 2-D's library: datasets against their definitions, features, CSV files, the
experiment's JSON and URL round trips, the network, and the trainer."""

import math
import threading
import time

import pytest
import torch

from playground.playground2d import data, net
from playground.playground2d.data import CLASSIFICATION, REGRESSION, PointsError
from playground.playground2d.experiment import LESSONS, Experiment, ExperimentError
from playground.playground2d.trainer import Trainer

# --- datasets -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(data.DATASETS))
def test_every_dataset_has_its_shape_split_and_repeats_with_its_seed(name):
    points = data.generate(name, 300, 0.1, 0.7, seed=3)
    assert points.x.shape == (300, 2) and points.y.shape == (300,)
    assert int(points.train.sum()) == 210  # 70% for training
    assert points.x.abs().max() <= data.LIMIT
    again, other = data.generate(name, 300, 0.1, 0.7, 3), data.generate(name, 300, 0.1, 0.7, 4)
    assert torch.equal(points.x, again.x) and torch.equal(points.train, again.train)
    assert not torch.equal(points.x, other.x)
    if points.kind == CLASSIFICATION:
        assert set(points.y.tolist()) == set(map(float, range(points.classes)))
        assert points.classes == data.DATASETS[name].classes
    else:  # bumps: -1 to 1; the plane: (x1 + x2) / 10, read at a point moved by the noise
        reach = 1.0 if name == "bumps" else 2 * data.LIMIT * 1.1 / 10
        assert points.y.abs().max() <= reach


def test_classification_sets_without_noise_follow_their_definitions():
    circle = data.generate("circle", 400, 0.0, 0.5, 0)
    r = circle.x.norm(dim=1)
    assert torch.equal(circle.y, (r < 2.5).float()) and circle.y.sum() == 200
    assert ((r < 2.5) | (r >= 3.5)).all()  # the gap between the disc and the ring
    xor = data.generate("xor", 400, 0.0, 0.5, 0)
    assert torch.equal(xor.y, (xor.x[:, 0] * xor.x[:, 1] >= 0).float())
    assert (xor.x.abs() >= 0.3).all()
    blobs = data.generate("gaussians", 400, 0.0, 0.5, 0)
    ones = blobs.x[blobs.y == 1]
    assert blobs.y.sum() == 200 and (ones.mean(dim=0) - 2).abs().max() < 0.15
    spiral = data.generate("spiral", 400, 0.0, 0.5, 0)
    assert spiral.y.sum() == 200 and spiral.x.norm(dim=1).max() <= 5


def test_regression_sets_follow_their_definitions():
    plane = data.generate("plane", 300, 0.0, 0.5, 0)
    assert torch.allclose(plane.y, plane.x.sum(dim=1) / 10, atol=1e-6)  # TF Playground's
    assert plane.y.abs().max() > 1  # not clamped
    bumps = data.generate("bumps", 300, 0.0, 0.5, 0)
    centre = torch.tensor([[-4.0, 2.5]])
    near = (bumps.x - centre).norm(dim=1) < 0.5
    assert (bumps.y[near] > 0.7).all()


def test_noise_flips_labels_near_the_boundary():
    clean, noisy = (
        data.generate("circle", 500, 0.0, 0.5, 0),
        data.generate("circle", 500, 0.5, 0.5, 0),
    )
    r = noisy.x.norm(dim=1)
    assert not torch.equal(noisy.y, (r < 2.5).float())
    assert torch.equal(clean.x, noisy.x)  # noise moves the labels, not the points


def test_features_are_their_formulas():
    x = torch.tensor([[1.0, 2.0], [-3.0, 0.5]])
    f = data.features(x, tuple(data.FEATURES))
    a, b = x[:, 0], x[:, 1]
    expected = torch.stack([a, b, a * a, b * b, a * b, torch.sin(a), torch.sin(b)], dim=1)
    assert torch.allclose(f, expected)


# --- a user's CSV ---------------------------------------------------------------------------


def test_a_csv_with_a_header_and_minus_one_labels_is_a_classification():
    text = "x1,x2,label\n" + "\n".join(f"{i / 2},{-i / 2},{1 if i % 2 else -1}" for i in range(10))
    points = data.read_csv(text, train_ratio=0.5)
    assert points.kind == CLASSIFICATION and points.y.tolist() == [0.0, 1.0] * 5
    assert points.note == "" and int(points.train.sum()) == 5


def test_a_csv_of_large_numbers_is_scaled_to_the_plane_and_said_so():
    text = "\n".join(f"{i * 100},{i * 50},{i * 0.5}" for i in range(12))
    points = data.read_csv(text)
    assert points.kind == REGRESSION
    assert points.x.abs().max() == pytest.approx(6.0) and points.y.max() == pytest.approx(1.0)
    assert "scaled by" in points.note and "targets divided by 5.5" in points.note


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("1,2,0\n3,4,1\n", "at least 4 rows"),
        ("1,2,0\n3,4,1\n5,6\n7,8,0\n", "Row 3 is '5,6'"),
        ("1,2,0\n3,x,1\n5,6,1\n7,8,0\n", "Row 2 is '3,x,1'"),
        ("1,2,1\n3,4,1\n5,6,1\n7,8,1\n", "same label"),
        ("1,2,nan\n3,4,1\n5,6,1\n7,8,0\n", "three numbers"),
    ],
)
def test_a_bad_csv_gets_a_message(text, says):
    with pytest.raises(PointsError, match=says):
        data.read_csv(text)


# --- the experiment -------------------------------------------------------------------------


def test_an_experiment_round_trips_through_json_and_the_url():
    exp = Experiment(
        dataset="spiral",
        noise=0.25,
        points=300,
        train_ratio=0.7,
        seed=9,
        features=("x1", "sinx2"),
        hidden=(8, 3, 2),
        activations=("relu", "none", "gelu"),
        regularization="l2",
        reg_rate=0.003,
        dropout=0.1,
        loss="cross_entropy",
        optimizer="adam",
        lr=0.003,
        batch_size=25,
    )
    assert Experiment.from_dict(exp.to_dict()) == exp
    query = exp.to_query()
    assert query["h"] == "8,3,2" and query["data"] == "spiral"
    assert Experiment.from_query({k: str(v) for k, v in query.items()}) == exp
    assert Experiment().to_query() == {}  # the defaults make a short link
    no_hidden = Experiment(hidden=(), activations=())
    assert Experiment.from_query(no_hidden.to_query()) == no_hidden


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ({"h": "4,x"}, "hidden = "),
        ({"lr": "fast"}, "lr = 'fast'"),
        ({"data": "moons"}, "no dataset 'moons'"),
        ({"h": "4,4,4,4,4,4,4", "act": "tanh,tanh,tanh,tanh,tanh,tanh,tanh"}, "Up to 6"),
        ({"h": "17", "act": "tanh"}, "1 to 16 neurons"),
        ({"f": ""}, "at least one feature"),
        ({"data": "plane", "loss": "cross_entropy"}, "Cross-entropy needs classes"),
    ],
)
def test_a_bad_link_is_explained(query, says):
    with pytest.raises(ExperimentError, match=says):
        Experiment.from_query(query)


def test_lessons_are_valid_experiments():
    for lesson in LESSONS:
        lesson.experiment.validate()
        assert Experiment.from_query(lesson.experiment.to_query()) == lesson.experiment


# --- the network and its trainer ------------------------------------------------------------


def train_epochs(exp: Experiment, points, epochs: int) -> Trainer:
    trainer = Trainer(exp, points)
    for _ in range(epochs):
        trainer.step()
    deadline = time.monotonic() + 60
    while trainer.snapshot().epoch < epochs:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    return trainer


def accuracy(trainer: Trainer) -> float:
    snap = trainer.snapshot()
    x, y = trainer.points.split(train=False)
    with torch.no_grad():
        p = net.output(snap.model, trainer.exp, x, CLASSIFICATION)
    return ((p > 0.5).float() == y).float().mean().item()


def test_xor_is_solved_with_one_hidden_layer_and_not_without():
    points = data.generate("xor", 500, 0.0, 0.5, 0)
    solved = train_epochs(
        Experiment(dataset="xor", hidden=(4,), activations=("tanh",), lr=0.1), points, 150
    )
    flat = train_epochs(Experiment(dataset="xor", hidden=(), activations=(), lr=0.1), points, 150)
    try:
        assert accuracy(solved) > 0.95
        assert accuracy(flat) < 0.75  # one straight line cannot split XOR
    finally:
        solved.close()
        flat.close()


def test_one_step_is_one_epoch_and_reset_starts_again():
    points = data.generate("circle", 200, 0.0, 0.5, 0)
    trainer = train_epochs(Experiment(), points, 3)
    try:
        snap = trainer.snapshot()
        assert snap.epoch == 3 and len(snap.train_loss) == 4 and not snap.playing
        trainer.play()
        deadline = time.monotonic() + 30
        while trainer.snapshot().epoch <= 3:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        trainer.pause()
        trainer.reset(trainer.exp, points)
        assert trainer.snapshot().epoch == 0
    finally:
        trainer.close()


def test_a_new_learning_rate_applies_live_and_a_new_network_resets():
    points = data.generate("circle", 200, 0.0, 0.5, 0)
    trainer = train_epochs(Experiment(), points, 2)
    try:
        assert trainer.update(trainer.exp.replace(lr=0.1), points) is False
        assert trainer.snapshot().epoch == 2
        assert trainer._optimizer.param_groups[0]["lr"] == 0.1
        assert trainer.update(trainer.exp.replace(hidden=(3,), activations=("relu",)), points)
        assert trainer.snapshot().epoch == 0
    finally:
        trainer.close()


def test_divergence_stops_training_with_advice():
    lesson = next(x for x in LESSONS if x.title == "Too high a learning rate").experiment
    points = data.generate(lesson.dataset, lesson.points, lesson.noise, lesson.train_ratio, 0)
    trainer = Trainer(lesson, points)
    try:
        trainer.play()
        deadline = time.monotonic() + 30
        while not trainer.snapshot().message:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        snap = trainer.snapshot()
        assert "diverged at epoch" in snap.message and "too high" in snap.message
        assert not snap.playing and not math.isfinite(snap.train_loss[-1])
    finally:
        trainer.close()


def test_every_neuron_is_drawn_over_the_plane():
    exp = Experiment(features=("x1", "x2", "x1x2"), hidden=(5, 3), activations=("relu", "tanh"))
    model = net.build(exp)
    columns = net.neurons_over_plane(model, exp, CLASSIFICATION, resolution=12)
    assert [tuple(c.shape) for c in columns] == [(3, 12, 12), (5, 12, 12), (3, 12, 12), (1, 12, 12)]
    _, grid = net.plane_grid(12)
    with torch.no_grad():
        hidden = torch.relu(model[0](data.features(grid, exp.features)))
    assert torch.allclose(columns[1][2].flatten(), hidden[:, 2])
    assert torch.allclose(columns[-1][0], net.over_plane(model, exp, CLASSIFICATION, 12))


def wait_until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_trainer_has_a_thread_only_while_it_trains_and_an_abandoned_one_ends(monkeypatch):
    from playground.playground2d import trainer as module

    monkeypatch.setattr(module, "IDLE_SECONDS", 0.5)
    points = data.generate("circle", 200, 0.0, 0.5, 0)
    trainer = Trainer(Experiment(), points)
    assert not trainer.running  # a paused network needs no thread
    trainer.play()
    assert trainer.running
    wait_until(lambda: not trainer.running)  # nobody reads it: it pauses, its thread ends
    assert not trainer.snapshot().playing and trainer.snapshot().epoch > 0
    trainer.play()  # the page is back: training goes on from there
    epoch = trainer.snapshot().epoch
    wait_until(lambda: trainer.snapshot().epoch > epoch + 3)
    trainer.pause()
    wait_until(lambda: not trainer.running)


def test_the_server_trains_a_bounded_number_of_networks_at_once(monkeypatch):
    from playground.playground2d import trainer as module

    monkeypatch.setattr(module, "_slots", threading.BoundedSemaphore(2))
    points = data.generate("circle", 200, 0.0, 0.5, 0)
    first, second, third = (Trainer(Experiment(), points) for _ in range(3))
    try:
        first.play()
        second.step()
        with pytest.raises(module.TrainersBusy, match="the most it takes at once"):
            third.play()
        assert not third.running and not third.snapshot().playing
        first.pause()
        wait_until(lambda: not first.running and not second.running)
        third.play()
        assert third.running
    finally:
        for t in (first, second, third):
            t.close()
