"""Optimizers racing on 2-D test functions: the real torch.optim optimizers from the catalog,
stepped on a point (x, y), with Adam's inner state recorded at every step."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from playground.engine.i18n import N_, _
from playground.engine.optimizers import OPTIMIZERS


@dataclass(frozen=True)
class Surface:
    name: str
    label: str
    note: str
    f: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    start: tuple[float, float]
    minimum: tuple[float, float]
    lrs: dict[str, float] = field(default_factory=dict)  # optimizer name -> a learning rate
    # that works here (the catalog's defaults are for MNIST-sized networks)
    log_scale: bool = False  # colour the contours by log(1 + f): for steep functions
    steps: int = 200

    def outside(self, x: float, y: float) -> bool:
        """Far off the plot: more than one plot-width beyond its edges."""
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        w, h = x1 - x0, y1 - y0
        return not (x0 - w <= x <= x1 + w and y0 - h <= y <= y1 + h)


SURFACES: dict[str, Surface] = {
    s.name: s
    for s in [
        Surface(
            "bowl",
            N_("Ill-conditioned bowl"),
            N_(
                "50 times steeper across than along: plain SGD's steps must be small enough "
                "for the steep side, so it zig-zags across the valley and crawls along it; "
                "momentum and Adam get to the bottom in half the steps."
            ),
            lambda x, y: 0.5 * (x**2 + 50 * y**2),
            (-6, 6),
            (-3, 3),
            (-5.0, 2.0),
            (0.0, 0.0),
            {
                "sgd": 0.038,  # just under 2 / 50, where it would diverge across the valley
                "momentum": 0.01,
                "nesterov": 0.01,
                "rmsprop": 0.1,
                "adam": 0.3,
                "adamw": 0.3,
            },
        ),
        Surface(
            "rosenbrock",
            N_("Rosenbrock"),
            N_("A curved, nearly flat valley: finding it is easy, following it to (1, 1) is not."),
            lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
            (-2, 2),
            (-1, 3),
            (-1.5, 2.5),
            (1.0, 1.0),
            {
                "sgd": 1e-3,
                "momentum": 1e-3,
                "nesterov": 1e-3,
                "rmsprop": 1e-2,
                "adam": 0.1,
                "adamw": 0.1,
            },
            log_scale=True,
            steps=500,
        ),
        Surface(
            "beale",
            N_("Beale"),
            N_("Flat plateaus and steep walls; the minimum sits at (3, 0.5)."),
            lambda x, y: (
                (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2
            ),
            (-4.5, 4.5),
            (-4.5, 4.5),
            (1.0, 1.4),
            (3.0, 0.5),
            {
                "sgd": 1e-2,
                "momentum": 3e-3,
                "nesterov": 3e-3,
                "rmsprop": 3e-2,
                "adam": 0.1,
                "adamw": 0.1,
            },
            log_scale=True,
            steps=300,
        ),
        Surface(
            "saddle",
            N_("Saddle"),
            N_(
                "Up along x, down along y: started near the ridge y = 0, the push along y is "
                "tiny at first; the quicker an optimizer leaves, the better."
            ),
            lambda x, y: x**2 - y**2,
            (-2, 2),
            (-2, 2),
            (-1.5, 1e-3),
            (math.nan, math.nan),
            {
                "sgd": 0.05,
                "momentum": 0.01,
                "nesterov": 0.01,
                "rmsprop": 0.01,
                "adam": 0.05,
                "adamw": 0.05,
            },
        ),
        Surface(
            "bumpy",
            N_("Bumpy bowl (local minima)"),
            N_("A bowl covered in dips: small steps settle in the nearest one."),
            lambda x, y: 0.1 * (x**2 + y**2) - torch.cos(2 * x) - torch.cos(2 * y) + 2,
            (-6, 6),
            (-6, 6),
            (4.5, 4.0),
            (0.0, 0.0),
            {
                "sgd": 0.1,
                "momentum": 0.3,
                "nesterov": 0.1,
                "rmsprop": 0.3,
                "adam": 0.3,
                "adamw": 0.3,
            },
        ),
    ]
}
RACERS = ["sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw"]  # from catalog.OPTIMIZERS
DEFAULT_RACE = ["sgd", "momentum", "adam"]  # what each surface's note speaks of


@dataclass(frozen=True)
class AdamState:
    """Adam's inner numbers for one step t (per coordinate x, y), read off torch.optim."""

    t: int
    grad: tuple[float, float]
    m: tuple[float, float]  # first moment: running mean of gradients
    v: tuple[float, float]  # second moment: running mean of squared gradients
    m_hat: tuple[float, float]  # bias-corrected: m / (1 - beta1^t)
    v_hat: tuple[float, float]  # v / (1 - beta2^t)
    step: tuple[float, float]  # lr * m_hat / (sqrt(v_hat) + eps): what is subtracted


@dataclass(frozen=True)
class Path:
    optimizer: str
    lr: float
    xs: list[float]
    ys: list[float]
    losses: list[float]
    left_at: int | None  # the step at which it went far off the plot (or became NaN)
    adam: list[AdamState]  # Adam and AdamW only: one per step

    def distance_to(self, point: tuple[float, float]) -> float:
        return math.hypot(self.xs[-1] - point[0], self.ys[-1] - point[1])


def grid(surface: Surface, points: int = 120) -> tuple[list[float], list[float], list[list]]:
    """xs, ys and f over the surface's plane (rows: y), for a contour plot."""
    xs = torch.linspace(*surface.x_range, points, dtype=torch.float64)
    ys = torch.linspace(*surface.y_range, points, dtype=torch.float64)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    return xs.tolist(), ys.tolist(), surface.f(gx, gy).tolist()


def race(
    surface: Surface, optimizer: str, lr: float, start: tuple[float, float], steps: int = 0
) -> Path:
    """`steps` steps (default: the surface's) of a catalog optimizer from `start`."""
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}")
    if lr <= 0:
        raise ValueError("the learning rate must be above 0")
    point = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = OPTIMIZERS[optimizer].make([point], lr, 0.0)
    xs, ys, losses, adam = [start[0]], [start[1]], [], []
    left = None
    for t in range(1, (steps or surface.steps) + 1):
        opt.zero_grad()
        loss = surface.f(point[0], point[1])
        losses.append(loss.item())
        loss.backward()
        grad = point.grad.detach().clone()
        opt.step()
        if optimizer in ("adam", "adamw"):
            adam.append(_adam_state(opt, point, t, grad))
        x, y = point.detach().tolist()
        if not (math.isfinite(x) and math.isfinite(y)) or surface.outside(x, y):
            left = t
            break
        xs.append(x)
        ys.append(y)
    if left is None:
        losses.append(surface.f(point[0], point[1]).item())
    return Path(optimizer, lr, xs, ys, losses, left, adam)


def _adam_state(opt: torch.optim.Optimizer, point: torch.Tensor, t: int, grad) -> AdamState:
    group, state = opt.param_groups[0], opt.state[point]
    beta1, beta2 = group["betas"]
    m, v = state["exp_avg"], state["exp_avg_sq"]
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    step = group["lr"] * m_hat / (v_hat.sqrt() + group["eps"])

    def pair(a: torch.Tensor) -> tuple[float, float]:
        return float(a[0]), float(a[1])

    return AdamState(t, pair(grad), pair(m), pair(v), pair(m_hat), pair(v_hat), pair(step))


def verdict(path: Path, surface: Surface) -> str:
    """What happened, in words: diverged, crawled, or got there."""
    label = _(OPTIMIZERS[path.optimizer].label)
    saddle = math.isnan(surface.minimum[0])  # no minimum: leaving is the goal
    if path.left_at is not None:
        if saddle:
            return _("{label} escaped the saddle: off the plot at step {step}.").format(
                label=label, step=path.left_at
            )
        return _(
            "{label} diverged at step {step}: the learning rate {lr} is too high here; "
            "try a tenth of it."
        ).format(label=label, step=path.left_at, lr=f"{path.lr:g}")
    if saddle:
        return _("{label} is still near the saddle after {steps} steps.").format(
            label=label, steps=len(path.xs) - 1
        )
    moved = math.hypot(path.xs[-1] - path.xs[0], path.ys[-1] - path.ys[0])
    left = path.distance_to(surface.minimum)
    if left < 0.05:
        near = next(
            i
            for i in range(len(path.xs))
            if math.hypot(path.xs[i] - surface.minimum[0], path.ys[i] - surface.minimum[1]) < 0.05
        )
        return _("{label} reached the minimum (within 0.05) at step {step}.").format(
            label=label, step=near
        )
    start_gap = math.hypot(path.xs[0] - surface.minimum[0], path.ys[0] - surface.minimum[1])
    if moved < 0.1 * start_gap:
        return _(
            "{label} crawled: it moved {moved} in {steps} steps. The learning rate {lr} "
            "is too low here; try 10 times it."
        ).format(label=label, moved=f"{moved:.2g}", steps=len(path.xs) - 1, lr=f"{path.lr:g}")
    return _("{label} ended {left} from the minimum, at f = {f}.").format(
        label=label, left=f"{left:.2g}", f=f"{path.losses[-1]:.3g}"
    )
