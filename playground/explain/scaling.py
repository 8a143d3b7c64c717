"""Scaling laws measured on one's own runs: a sweep's members read back from their run folders,
the power law L(N) = a N^-alpha + c fitted to their final losses with alpha's uncertainty by
bootstrap, the compute frontier of their curves, and the published exponents beside them.

The fit: for each floor c on a grid below the lowest loss, log(L - c) against log N is a line
(least squares gives alpha and a); the c whose curve is closest to the losses wins. The
bootstrap refits resampled points; the interval is their 5th to 95th percentile.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from playground.engine.i18n import N_, Text
from playground.exchange.runs import Run, list_runs
from playground.serving.sweeps import FILE, point

MIN_POINTS = 4
RESAMPLES = 300

# What the papers measured, for the lab's table (language models; exponents of L against N).
PUBLISHED = (
    ("Kaplan et al. 2020", N_("parameters N (non-embedding)"), 0.076,
     N_("WebText2, 768 to 1.5 billion parameters, trained to convergence (about 23 B tokens)")),
    ("Kaplan et al. 2020", N_("data D (tokens)"), 0.095, N_("the same models, data limited")),
    ("Kaplan et al. 2020", N_("compute C (PF-days)"), 0.050, N_("compute-optimal training")),
    ("Hoffmann et al. 2022 (Chinchilla)", N_("parameters N"), 0.34,
     N_("L = E + A/N^0.34 + B/D^0.28; 70 M to 16 B parameters, about 20 tokens a parameter")),
)  # fmt: skip


@dataclass(frozen=True)
class Fit:
    a: float = math.nan
    alpha: float = math.nan
    c: float = math.nan
    alpha_low: float = math.nan
    alpha_high: float = math.nan
    problem: str | None = None  # a sentence when there is no fit to trust

    def predict(self, n: float) -> float:
        return self.a * n ** (-self.alpha) + self.c

    def to_dict(self) -> dict:
        return {"alpha": self.alpha, "alpha_low": self.alpha_low, "alpha_high": self.alpha_high,
                "a": self.a, "c": self.c, "problem": self.problem}  # fmt: skip


def _fit_once(x: np.ndarray, loss: np.ndarray) -> tuple[float, float, float] | None:
    """(a, alpha, c) of the least-squares curve, or None if no floor gives a falling line."""
    best, low = None, float(loss.min())
    for c in np.linspace(0.0, low * 0.999, 120):
        y = np.log(loss - c)
        slope, intercept = np.polyfit(x, y, 1)
        if slope >= 0:
            continue
        a, alpha = math.exp(intercept), -slope
        error = float(np.sum((a * np.exp(-alpha * x) + c - loss) ** 2))
        if best is None or error < best[0]:
            best = (error, a, alpha, float(c))
    return None if best is None else best[1:]


FLAT = N_(
    "The loss does not fall as the model grows here, so no power law fits: the larger models "
    "may need more steps (a bigger budget) to pay off."
)


def _usable(n, loss) -> bool:
    numbers = all(isinstance(v, (int, float)) and math.isfinite(v) for v in (n, loss))
    return numbers and n > 0 and loss > 0


def fit_power_law(n, loss, seed: int = 0, resamples: int = RESAMPLES) -> Fit:
    """L(N) = a N^-alpha + c through the points (N, L), with a bootstrap interval of alpha."""
    pairs = [(float(a), float(b)) for a, b in zip(n, loss, strict=True) if _usable(a, b)]
    if len({a for a, _ in pairs}) < MIN_POINTS:
        return Fit(problem=Text("A fit needs at least {least} sizes that finished; this sweep has "
                                "{count}.", least=MIN_POINTS, count=len(pairs)))  # fmt: skip
    pairs.sort()
    sizes = np.array([a for a, _ in pairs])
    losses = np.array([b for _, b in pairs])
    x = np.log(sizes)
    if np.corrcoef(x, losses)[0, 1] >= 0 or losses[-1] >= losses[0]:
        return Fit(problem=FLAT)
    found = _fit_once(x, losses)
    if found is None:
        return Fit(problem=N_("No falling power law fits these points."))
    a, alpha, c = found
    rng = np.random.default_rng(seed)
    alphas = []
    for _ in range(resamples):
        pick = rng.integers(0, len(pairs), len(pairs))
        if len(set(pick.tolist())) < 3:
            continue
        again = _fit_once(x[pick], losses[pick])
        if again is not None:
            alphas.append(again[1])
    low, high = np.percentile(alphas, [5, 95]) if alphas else (math.nan, math.nan)
    alpha = float(alpha)
    return Fit(a, alpha, c, float(min(low, alpha)), float(max(high, alpha)))


@dataclass
class Sweep:
    """A sweep's members found on disk, smallest first."""

    id: str
    name: str
    task: str
    how: str
    budget: str
    amount: float
    count: int
    runs: list[Run] = field(default_factory=list)

    def points(self) -> list[dict]:
        found = [
            point(r.task, r.summary, r.path)
            for r in self.runs
            if r.summary.get("status") == "finished"
        ]
        return sorted(found, key=lambda p: p["parameters"] or 0)

    def fit(self) -> Fit:
        pts = self.points()
        return fit_power_law([p["parameters"] for p in pts], [p["val_loss"] for p in pts])


def sweeps(runs: list[Run]) -> list[Sweep]:
    """The sweeps the runs belong to (a run with a readable sweep.json), newest first."""
    found: dict[str, Sweep] = {}
    for run in runs:
        about = _about(run.path)
        if about is None or about.get("kind", "sweep") != "sweep":
            continue
        sweep = found.setdefault(about["id"], Sweep(
            about["id"], str(about.get("name", "sweep")), str(about.get("task", "image")),
            str(about.get("how", "width")), str(about.get("budget", "steps")),
            float(about.get("amount", 0)), int(about.get("count", 0)),
        ))  # fmt: skip
        sweep.runs.append(run)
    for sweep in found.values():
        sweep.runs.sort(key=lambda r: r.summary.get("parameters") or 0)
    return sorted(found.values(), key=lambda s: -max(r.path.stat().st_mtime for r in s.runs))


def shipped(folder: Path) -> list[Sweep]:
    """The ready sweeps under `folder` (playground/assets/sweeps): one folder of runs each."""
    if not folder.is_dir():
        return []
    return sweeps([r for sub in sorted(folder.iterdir()) if sub.is_dir() for r in list_runs(sub)])


def _about(folder: Path) -> dict | None:
    try:
        about = json.loads((folder / FILE).read_text())
    except (OSError, ValueError):
        return None
    return about if isinstance(about, dict) and isinstance(about.get("id"), str) else None


def curves(run: Run, flops_per_sample: float) -> tuple[np.ndarray, np.ndarray]:
    """(compute so far, training loss) at each kept step of a run."""
    steps = run.log().steps()
    if not steps:
        return np.array([]), np.array([])
    compute = np.array([s.samples_per_second * s.seconds * flops_per_sample for s in steps])
    return compute, np.array([s.loss for s in steps])


def frontier(curves_: list[tuple[np.ndarray, np.ndarray]], points: int = 60):
    """(compute, lowest loss any run had reached by it, index of that run) on a log grid."""
    reach = [c for c, _ in curves_ if len(c)]
    if not reach:
        return np.array([]), np.array([]), np.array([], dtype=int)
    low = max(min(float(c[c > 0].min()) if (c > 0).any() else 1.0 for c in reach), 1.0)
    grid = np.geomspace(low, max(float(c.max()) for c in reach), points)
    best = np.full(points, np.inf)
    who = np.full(points, -1)
    for i, (compute, loss) in enumerate(curves_):
        if not len(compute):
            continue
        running = np.minimum.accumulate(loss)
        at = np.searchsorted(compute, grid, side="right") - 1
        ok = at >= 0
        values = np.where(ok, running[np.clip(at, 0, None)], np.inf)
        better = values < best
        best[better], who[better] = values[better], i
    keep = np.isfinite(best)
    return grid[keep], best[keep], who[keep]
