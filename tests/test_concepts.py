"""The Concepts lab's numbers against oracles: known values, closed-form derivatives, the update
rules written out by hand, and autograd."""

import itertools
import math

import pytest
import torch

from playground.concepts import activations, backprop, losses, optimizers, regularisation

# --- activations ----------------------------------------------------------------------------

CLOSED_FORM = {  # f'(x), by hand
    "sigmoid": lambda x: torch.sigmoid(x) * (1 - torch.sigmoid(x)),
    "tanh": lambda x: 1 - torch.tanh(x) ** 2,
    "relu": lambda x: (x > 0).double(),
    "leaky_relu": lambda x: torch.where(x > 0, 1.0, 0.01).double(),
    "elu": lambda x: torch.where(x > 0, torch.ones_like(x), torch.exp(x)),
    "silu": lambda x: torch.sigmoid(x) * (1 + x * (1 - torch.sigmoid(x))),
    "gelu": lambda x: (
        0.5 * (1 + torch.erf(x / math.sqrt(2)))
        + x * torch.exp(-(x**2) / 2) / math.sqrt(2 * math.pi)
    ),
}


@pytest.mark.parametrize("name", activations.CURVES)
def test_each_derivative_matches_its_closed_form(name):
    curve = activations.curve(name, -5, 5, points=200)  # even: x = 0 is not on the grid
    x = torch.tensor(curve.x, dtype=torch.float64)
    slope = torch.tensor(curve.slope, dtype=torch.float64)
    assert torch.allclose(slope, CLOSED_FORM[name](x), atol=1e-9)


def test_saturation_is_where_the_derivative_vanishes():
    sigmoid = activations.curve("sigmoid", -10, 10, points=201)
    flagged = [x for x, s in zip(sigmoid.x, sigmoid.saturated, strict=True) if s]
    assert min(abs(x) for x in flagged) == pytest.approx(4.6, abs=0.1)  # sigma' = 0.01 there
    relu = activations.curve("relu", -3, 3, points=61)
    assert all(s == (x < 0) for x, s in zip(relu.x, relu.saturated, strict=True) if x != 0)


def test_the_gradient_through_stacked_sigmoids_is_the_product_of_their_slopes():
    value, expected = 2.0, 1.0
    for _ in range(10):
        s = 1 / (1 + math.exp(-value))
        expected *= s * (1 - s)
        value = s
    assert activations.vanishing("sigmoid", 10) == pytest.approx(expected, rel=1e-12)
    assert activations.vanishing("relu", 10) == 1.0


def test_softmax_with_temperature_and_its_jacobian():
    result = activations.softmax([2.0, 1.0, 0.1], temperature=2.0)
    z = torch.tensor([1.0, 0.5, 0.05], dtype=torch.float64)
    p = torch.exp(z) / torch.exp(z).sum()
    assert torch.allclose(torch.tensor(result.probabilities, dtype=torch.float64), p)
    jacobian = (torch.diag(p) - torch.outer(p, p)) / 2.0
    assert torch.allclose(torch.tensor(result.jacobian, dtype=torch.float64), jacobian)
    sharp = activations.softmax([2.0, 1.0, 0.1], temperature=0.05).probabilities
    assert sharp[0] > 0.999
    with pytest.raises(ValueError, match="temperature must be above 0"):
        activations.softmax([1.0, 2.0], 0)


# --- losses ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("y", "p", "gradient", "theta"),
    [(0, 0.9, 0.9, 0.41), (1, 0.1, -0.9, 0.59)],
)
def test_the_worked_example_of_the_issue(y, p, gradient, theta):
    step = losses.worked_step("bce", y, p, lr=0.1, theta=0.5)
    assert step.loss == pytest.approx(2.302585, abs=1e-6)  # -ln(0.1)
    assert step.grad_logit == pytest.approx(gradient, abs=1e-12)
    assert step.theta == pytest.approx(theta, abs=1e-12)


def test_mse_through_a_sigmoid_has_the_vanishing_gradient():
    step = losses.worked_step("mse", 0, 0.9, lr=0.1, theta=0.5, x=2.0)
    assert step.loss == pytest.approx(0.81)
    assert step.grad_logit == pytest.approx(2 * 0.9 * 0.9 * 0.1)
    assert step.grad_theta == pytest.approx(2 * step.grad_logit)


def f64(values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


def test_loss_curves_have_the_known_gradients_with_respect_to_the_logit():
    for y in (0, 1):
        bce = losses.loss_curve("bce", y)
        p = f64(bce.p)
        assert torch.allclose(f64(bce.grad_logit), p - y, atol=1e-9)
        assert torch.allclose(f64(bce.grad_p), (p - y) / (p * (1 - p)), rtol=1e-6)
        mse = losses.loss_curve("mse", y)
        assert torch.allclose(f64(mse.grad_logit), 2 * (p - y) * p * (1 - p), atol=1e-9)
    cce = losses.loss_curve("cce", 1)
    assert torch.allclose(f64(cce.loss), -torch.log(f64(cce.p)))


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        (dict(loss="bce", y=0, p=1.0, lr=0.1, theta=0), "between 0 and 1"),
        (dict(loss="bce", y=2, p=0.5, lr=0.1, theta=0), "label y is 0 or 1"),
        (dict(loss="cce", y=1, p=0.5, lr=0.1, theta=0), "binary cross-entropy or MSE"),
    ],
)
def test_bad_worked_example_inputs_are_explained(kwargs, says):
    with pytest.raises(ValueError, match=says):
        losses.worked_step(**kwargs)


# --- optimizers -----------------------------------------------------------------------------


def gradient(surface, x, y):
    point = torch.tensor([x, y], dtype=torch.float64, requires_grad=True)
    surface.f(point[0], point[1]).backward()
    return point.grad.tolist()


def test_sgd_and_momentum_paths_follow_their_update_rules_written_out():
    bowl = optimizers.SURFACES["bowl"]
    sgd = optimizers.race(bowl, "sgd", 0.03, (-5.0, 2.0), steps=30)
    x, y = -5.0, 2.0
    for t in range(30):
        gx, gy = gradient(bowl, x, y)
        x, y = x - 0.03 * gx, y - 0.03 * gy
        assert (sgd.xs[t + 1], sgd.ys[t + 1]) == pytest.approx((x, y), abs=1e-12)
    momentum = optimizers.race(bowl, "momentum", 0.02, (-5.0, 2.0), steps=30)
    (x, y), (vx, vy) = (-5.0, 2.0), (0.0, 0.0)
    for t in range(30):
        gx, gy = gradient(bowl, x, y)
        vx, vy = (gx, gy) if t == 0 else (0.9 * vx + gx, 0.9 * vy + gy)  # PyTorch's form
        x, y = x - 0.02 * vx, y - 0.02 * vy
        assert (momentum.xs[t + 1], momentum.ys[t + 1]) == pytest.approx((x, y), abs=1e-12)


def test_adams_recorded_state_is_adam_written_out():
    beale = optimizers.SURFACES["beale"]
    path = optimizers.race(beale, "adam", 0.1, (1.0, 1.4), steps=40)
    x, y = 1.0, 1.4
    m, v = [0.0, 0.0], [0.0, 0.0]
    for t, state in enumerate(path.adam, start=1):
        g = gradient(beale, x, y)
        m = [0.9 * m[i] + 0.1 * g[i] for i in range(2)]
        v = [0.999 * v[i] + 0.001 * g[i] ** 2 for i in range(2)]
        m_hat = [m[i] / (1 - 0.9**t) for i in range(2)]
        v_hat = [v[i] / (1 - 0.999**t) for i in range(2)]
        step = [0.1 * m_hat[i] / (math.sqrt(v_hat[i]) + 1e-8) for i in range(2)]
        assert state.grad == pytest.approx(g, rel=1e-9)
        assert state.m == pytest.approx(m, rel=1e-9) and state.v == pytest.approx(v, rel=1e-9)
        assert state.step == pytest.approx(step, rel=1e-9)
        x, y = x - step[0], y - step[1]
        assert (path.xs[t], path.ys[t]) == pytest.approx((x, y), rel=1e-9)


@pytest.mark.parametrize("name", optimizers.RACERS)
def test_each_path_is_the_optimizer_stepped_directly(name):
    rosenbrock = optimizers.SURFACES["rosenbrock"]
    path = optimizers.race(rosenbrock, name, rosenbrock.lrs[name], (-1.5, 2.5), steps=50)
    from playground.tasks.image.catalog import OPTIMIZERS

    point = torch.tensor([-1.5, 2.5], dtype=torch.float64, requires_grad=True)
    opt = OPTIMIZERS[name].make([point], rosenbrock.lrs[name], 0.0)
    for t in range(50):
        opt.zero_grad()
        loss = rosenbrock.f(point[0], point[1])
        assert path.losses[t] == pytest.approx(loss.item(), rel=1e-12)
        loss.backward()
        opt.step()
        assert (path.xs[t + 1], path.ys[t + 1]) == pytest.approx(point.tolist(), rel=1e-12)


def test_too_high_a_learning_rate_diverges_and_too_low_crawls():
    bowl = optimizers.SURFACES["bowl"]
    high = optimizers.race(bowl, "sgd", 0.2, bowl.start)  # above 2 / 50: unstable across
    assert high.left_at is not None and "diverged at step" in optimizers.verdict(high, bowl)
    low = optimizers.race(bowl, "sgd", 1e-5, bowl.start)
    assert "crawled" in optimizers.verdict(low, bowl)
    good = optimizers.race(bowl, "sgd", bowl.lrs["sgd"], bowl.start)
    assert "reached the minimum" in optimizers.verdict(good, bowl)


def _reached(path, point, within=0.05) -> int | None:
    """The first step at which `path` is within `within` of `point`."""
    return next((i for i, (x, y) in enumerate(zip(path.xs, path.ys, strict=True))
                 if math.hypot(x - point[0], y - point[1]) < within), None)  # fmt: skip


def test_each_surfaces_default_race_shows_what_its_note_says():
    """Issue 34, item 11: on the bowl, whose note says plain SGD zig-zags, the default race had
    SGD reach the minimum first. Each surface's default race (its start, learning rates and
    racers) is run here and its note's claim checked."""
    race = {
        name: {opt: optimizers.race(s, opt, s.lrs[opt], s.start) for opt in optimizers.DEFAULT_RACE}
        for name, s in optimizers.SURFACES.items()
    }
    bowl = race["bowl"]  # SGD zig-zags across the valley and is last to the bottom
    sgd = bowl["sgd"]
    assert sum(a * b < 0 for a, b in itertools.pairwise(sgd.ys[:60])) >= 50  # across, each step
    steps = {opt: _reached(path, (0.0, 0.0)) for opt, path in bowl.items()}
    assert all(steps.values()) and steps["sgd"] >= 1.5 * max(steps["momentum"], steps["adam"])
    valley = race["rosenbrock"]  # the valley is found at once; (1, 1) is reached by none
    for path in valley.values():
        assert any(abs(y - x * x) < 0.2 for x, y in zip(path.xs[:100], path.ys[:100], strict=True))
        assert _reached(path, (1.0, 1.0)) is None
    beale = race["beale"]  # the minimum is at (3, 0.5)
    assert optimizers.SURFACES["beale"].f(torch.tensor(3.0), torch.tensor(0.5)).item() == 0
    assert any(_reached(path, (3.0, 0.5)) for path in beale.values())
    assert all(path.left_at for path in race["saddle"].values())  # each leaves the saddle
    bumpy = race["bumpy"]  # small steps settle in a dip that is not the bottom
    assert _reached(bumpy["sgd"], (0.0, 0.0)) is None and bumpy["sgd"].losses[-1] > 0.5
    assert any(_reached(path, (0.0, 0.0)) for path in bumpy.values())  # one gets there


def test_every_surface_has_a_start_inside_its_plot_and_a_contour_grid():
    for surface in optimizers.SURFACES.values():
        assert not surface.outside(*surface.start)
        xs, ys, zs = optimizers.grid(surface, points=20)
        assert len(zs) == 20 and len(zs[0]) == 20
        assert zs[3][5] == pytest.approx(surface.f(torch.tensor(xs[5]), torch.tensor(ys[3])).item())


# --- backpropagation ------------------------------------------------------------------------


def test_the_tiny_net_by_hand_matches_autograd_and_the_classic_numbers():
    net = backprop.TinyNet()
    values = backprop.by_hand(net)
    assert values.h == pytest.approx([0.593269992, 0.596884378], abs=1e-9)  # the classic example
    auto = backprop.by_autograd(net)
    for name in ("w1", "b1", "w2", "b2"):
        assert torch.allclose(torch.tensor(values.grads[name]), torch.tensor(auto[name]))
    torch.manual_seed(0)
    for _ in range(20):
        r = torch.randn(11).tolist()
        other = backprop.TinyNet(
            (r[0], r[1]), ((r[2], r[3]), (r[4], r[5])), (r[6], r[7]), (r[8], r[9]), r[10], 0.7
        )
        g, a = backprop.by_hand(other).grads, backprop.by_autograd(other)
        for name in ("w1", "b1", "w2", "b2"):
            assert torch.allclose(torch.tensor(g[name]), torch.tensor(a[name]), atol=1e-12)


def test_a_step_against_the_gradient_lowers_the_loss():
    net = backprop.TinyNet()
    before = backprop.by_hand(net).loss
    assert backprop.by_hand(backprop.step(net, 0.5)).loss < before


# --- regularisation -------------------------------------------------------------------------


def test_dropout_zeroes_units_and_scales_the_rest_in_train_mode_only():
    demo = regularisation.dropout(0.5, units=400, seed=1)
    kept = [(a, b) for a, b in zip(demo.inputs, demo.train, strict=True) if b != 0]
    assert 150 < len(kept) < 250
    assert all(b == pytest.approx(2 * a) for a, b in kept)
    assert demo.eval == demo.inputs
    plain, averaged = regularisation.dropout_means(0.5)
    assert averaged == pytest.approx(plain, rel=0.02)


def test_batch_norm_uses_the_batch_in_train_mode_and_running_estimates_in_eval_mode():
    demo = regularisation.batch_norm(mean=3.0, std=2.0, batches_seen=5, momentum=0.1)
    train = torch.tensor(demo.train)
    assert train.mean().item() == pytest.approx(0, abs=1e-6)
    assert train.std(unbiased=False).item() == pytest.approx(1, abs=1e-3)
    x = torch.tensor(demo.inputs)
    expected = (x - demo.running_mean) / math.sqrt(demo.running_var + 1e-5)
    assert torch.allclose(torch.tensor(demo.eval), expected, atol=1e-5)
    assert 3.0 * 0.3 < demo.running_mean < 3.0 * 0.5  # 1 - 0.9^5 = 41% of the way to 3
