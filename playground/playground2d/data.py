"""Toy datasets in the plane [-6, 6]^2, their input features, and a user's own CSV of points.

Classification labels are 0 and 1; regression targets lie in [-1, 1]. The definitions follow
TensorFlow Playground's `dataset.ts` (noise is a share, 0-0.5, as its 0-50% slider).
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

import torch

from playground.engine.i18n import N_, Text

LIMIT = 6.0  # the plane is [-LIMIT, LIMIT]^2
CLASSIFICATION, REGRESSION = "classification", "regression"
MAX_POINTS = 5000
MAX_CLASSES = 6  # a CSV's whole-number labels 0 .. 5 (three or more of them) are classes


@dataclass(frozen=True)
class Points:
    x: torch.Tensor  # (N, 2) float32 coordinates
    y: torch.Tensor  # (N,) float32: 0/1 labels, or regression targets in [-1, 1]
    train: torch.Tensor  # (N,) bool: in the training split (the rest is the test split)
    kind: str  # CLASSIFICATION or REGRESSION
    note: str = ""  # e.g. how a CSV was scaled to fit the plane
    classes: int = 2  # classification: labels 0 .. classes - 1

    def split(self, train: bool) -> tuple[torch.Tensor, torch.Tensor]:
        mask = self.train if train else ~self.train
        return self.x[mask], self.y[mask]

    def with_point(self, x1: float, x2: float, label: float) -> Points:
        """These points plus one more, in the training split."""
        return Points(
            torch.cat([self.x, torch.tensor([[x1, x2]], dtype=torch.float32)]),
            torch.cat([self.y, torch.tensor([label], dtype=torch.float32)]),
            torch.cat([self.train, torch.tensor([True])]),
            self.kind,
            self.note,
            self.classes,
        )


def _uniform(g: torch.Generator, n: int, low: float, high: float) -> torch.Tensor:
    return low + (high - low) * torch.rand(n, generator=g, dtype=torch.float64)


def circle(n: int, noise: float, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Half the points inside radius 2.5 (label 1), half in the ring 3.5-5 (label 0); noise
    moves the point used for the label, so labels near the edge flip."""
    radius = 5.0
    inner, outer = n // 2, n - n // 2
    r = torch.cat([_uniform(g, inner, 0, radius * 0.5), _uniform(g, outer, radius * 0.7, radius)])
    angle = _uniform(g, n, 0, 2 * math.pi)
    x = torch.stack([r * torch.sin(angle), r * torch.cos(angle)], dim=1)
    shifted = x + _uniform(g, 2 * n, -radius, radius).reshape(n, 2) * noise
    return x, (shifted.norm(dim=1) < radius * 0.5).double()


def xor(n: int, noise: float, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Points away from the axes; label 1 where x1 and x2 have the same sign."""
    x = _uniform(g, 2 * n, -5, 5).reshape(n, 2)
    x = x + torch.where(x > 0, 0.3, -0.3)  # a gap along the axes
    shifted = x + _uniform(g, 2 * n, -5, 5).reshape(n, 2) * noise
    return x, (shifted[:, 0] * shifted[:, 1] >= 0).double()


def gaussians(n: int, noise: float, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Two blobs: around (2, 2) with label 1 and around (-2, -2) with label 0; noise widens
    them (variance 0.5 at no noise to 4 at 50%)."""
    std = math.sqrt(0.5 + 7 * noise)
    half = n // 2
    centres = torch.tensor([[2.0, 2.0]] * half + [[-2.0, -2.0]] * (n - half), dtype=torch.float64)
    x = centres + std * torch.randn(n, 2, generator=g, dtype=torch.float64)
    return x, torch.cat([torch.ones(half), torch.zeros(n - half)]).double()


def spiral(n: int, noise: float, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Two interleaved spirals of 1.75 turns out to radius 5, label 1 and label 0."""
    parts, labels = [], []
    for label, delta, count in ((1.0, 0.0, n // 2), (0.0, math.pi, n - n // 2)):
        i = torch.arange(count, dtype=torch.float64) / max(count, 1)
        r, t = 5 * i, 1.75 * i * 2 * math.pi + delta
        xy = torch.stack([r * torch.sin(t), r * torch.cos(t)], dim=1)
        parts.append(xy + _uniform(g, 2 * count, -1, 1).reshape(count, 2) * noise)
        labels.append(torch.full((count,), label, dtype=torch.float64))
    return torch.cat(parts), torch.cat(labels)


def plane(n: int, noise: float, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Regression: the target is (x1 + x2) / 10, as TensorFlow Playground's (-1.2 to 1.2 over
    the plane, not clamped); noise moves the point the label is read at."""
    x = _uniform(g, 2 * n, -LIMIT, LIMIT).reshape(n, 2)
    shifted = x + _uniform(g, 2 * n, -LIMIT, LIMIT).reshape(n, 2) * noise
    return x, shifted.sum(dim=1) / 10


_BUMPS = [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)]


def bumps(n: int, noise: float, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Regression: six bumps, up and down in a checkerboard; the target falls from +-1 at a
    bump's centre to 0 at distance 2."""
    x = _uniform(g, 2 * n, -LIMIT, LIMIT).reshape(n, 2)
    shifted = x + _uniform(g, 2 * n, -LIMIT, LIMIT).reshape(n, 2) * noise
    target = torch.zeros(n, dtype=torch.float64)
    for cx, cy, sign in _BUMPS:
        d = (shifted - torch.tensor([cx, cy], dtype=torch.float64)).norm(dim=1)
        value = sign * (1 - d / 2).clamp(min=0)
        target = torch.where(value.abs() > target.abs(), value, target)
    return x, target


def spiral3(n: int, noise: float, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Three interleaved spiral arms (labels 0, 1, 2), as the spiral's, a third of a turn apart."""
    parts, labels = [], []
    for label in range(3):
        count = n // 3 + (1 if label < n % 3 else 0)
        i = torch.arange(count, dtype=torch.float64) / max(count, 1)
        r, t = 5 * i, 1.25 * i * 2 * math.pi + label * 2 * math.pi / 3
        xy = torch.stack([r * torch.sin(t), r * torch.cos(t)], dim=1)
        parts.append(xy + _uniform(g, 2 * count, -1, 1).reshape(count, 2) * noise)
        labels.append(torch.full((count,), float(label), dtype=torch.float64))
    return torch.cat(parts), torch.cat(labels)


_CORNERS = ((2.5, 2.5), (-2.5, 2.5), (-2.5, -2.5), (2.5, -2.5))


def gaussians4(n: int, noise: float, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Four blobs, one in each quadrant (labels 0-3 counter-clockwise from (2.5, 2.5)); noise
    widens them as the two gaussians'."""
    std = math.sqrt(0.5 + 7 * noise)
    labels = torch.arange(n) % 4
    centres = torch.tensor(_CORNERS, dtype=torch.float64)[labels]
    x = centres + std * torch.randn(n, 2, generator=g, dtype=torch.float64)
    return x.clamp(-LIMIT, LIMIT), labels.double()


@dataclass(frozen=True)
class ToyDataset:
    name: str
    label: str
    kind: str
    make: Callable[[int, float, torch.Generator], tuple[torch.Tensor, torch.Tensor]]
    classes: int = 2


DATASETS: dict[str, ToyDataset] = {
    d.name: d
    for d in [
        ToyDataset("circle", N_("Circle"), CLASSIFICATION, circle),
        ToyDataset("xor", N_("Exclusive or"), CLASSIFICATION, xor),
        ToyDataset("gaussians", N_("Two gaussians"), CLASSIFICATION, gaussians),
        ToyDataset("spiral", N_("Spiral"), CLASSIFICATION, spiral),
        ToyDataset("spiral3", N_("Three-arm spiral (3 classes)"), CLASSIFICATION, spiral3, 3),
        ToyDataset("gaussians4", N_("Four gaussians (4 classes)"), CLASSIFICATION, gaussians4, 4),
        ToyDataset("plane", N_("Plane (regression)"), REGRESSION, plane),
        ToyDataset("bumps", N_("Six bumps (regression)"), REGRESSION, bumps),
    ]
}


def generate(name: str, points: int, noise: float, train_ratio: float, seed: int) -> Points:
    """`points` points of a dataset, shuffled and split with `seed`."""
    if name not in DATASETS:
        raise ValueError(f"There is no dataset {name!r}; choose one of {', '.join(DATASETS)}.")
    g = torch.Generator().manual_seed(seed)
    x, y = DATASETS[name].make(points, noise, g)
    return _split(x, y, DATASETS[name].kind, train_ratio, g, classes=DATASETS[name].classes)


def _split(
    x, y, kind: str, train_ratio: float, g: torch.Generator, note: str = "", classes: int = 2
) -> Points:
    order = torch.randperm(len(x), generator=g)
    train = torch.zeros(len(x), dtype=torch.bool)
    train[order[: max(1, round(len(x) * train_ratio))]] = True
    return Points(x.float(), y.float(), train, kind, note, classes)


# --- Features -------------------------------------------------------------------------------

FEATURES: dict[str, tuple[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]]] = {
    "x1": ("x1", lambda a, b: a),
    "x2": ("x2", lambda a, b: b),
    "x1sq": ("x1²", lambda a, b: a * a),
    "x2sq": ("x2²", lambda a, b: b * b),
    "x1x2": ("x1·x2", lambda a, b: a * b),
    "sinx1": ("sin(x1)", lambda a, b: torch.sin(a)),
    "sinx2": ("sin(x2)", lambda a, b: torch.sin(b)),
}


def features(x: torch.Tensor, names: tuple[str, ...]) -> torch.Tensor:
    """(N, 2) points -> (N, len(names)) inputs for the network, in FEATURES' order."""
    a, b = x[:, 0], x[:, 1]
    return torch.stack([FEATURES[n][1](a, b) for n in names], dim=1)


# --- A user's own points --------------------------------------------------------------------


class PointsError(ValueError):
    """A CSV of points that cannot be used, with a message for the user."""


def read_csv(source: str | IO[str], train_ratio: float = 0.5, seed: int = 0) -> Points:
    """Rows of x1, x2, label (a header row is allowed), from text or a text file. Labels that are
    all 0/1 (or -1/1) make a classification problem, any other numbers a regression (scaled to
    [-1, 1]). Points are scaled to fit the plane when they do not. Only the rows up to the
    limit are read: a huge file costs no more than a full one."""
    stream = io.StringIO(source) if isinstance(source, str) else source
    rows = []
    try:
        for row in csv.reader(stream):
            if any(c.strip() for c in row):
                rows.append(row)
            if len(rows) > MAX_POINTS + 1:  # a header and the most points taken
                raise PointsError(
                    Text(
                        "The file has more than {MAX_POINTS:,} rows; up to {MAX_POINTS2:,} are "
                        "taken.",
                        MAX_POINTS=MAX_POINTS,
                        MAX_POINTS2=MAX_POINTS,
                    )
                )
    except csv.Error as e:
        raise PointsError(
            Text(
                "Row {value} could not be read as CSV ({e}): is it a CSV of x1, x2, label?",
                value=len(rows) + 1,
                e=e,
            )
        ) from None
    if rows and not any(_number(c) for c in rows[0]):
        rows = rows[1:]  # a header: no numbers at all
    if len(rows) < 4:
        raise PointsError(Text("The file needs at least 4 rows of x1, x2, label."))
    if len(rows) > MAX_POINTS:
        raise PointsError(
            Text(
                "The file has {count:,} rows; up to {MAX_POINTS:,} are taken.",
                count=len(rows),
                MAX_POINTS=MAX_POINTS,
            )
        )
    values = []
    for number, row in enumerate(rows, start=1):
        if len(row) != 3 or not _numeric(row):
            shown = ",".join(row)
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            raise PointsError(
                Text(
                    "Row {number} is {shown!r}: each row needs three numbers, x1, x2, label.",
                    number=number,
                    shown=shown,
                )
            )
        values.append([float(c) for c in row])
    data = torch.tensor(values, dtype=torch.float64)
    x, y = data[:, :2], data[:, 2]
    labels = set(y.tolist())
    note = []
    classes = 2
    if labels <= {0.0, 1.0} or labels <= {-1.0, 1.0}:
        kind = CLASSIFICATION
        y = (y > 0).double()
        if len(labels) < 2:
            raise PointsError(
                Text("All points have the same label: a classifier needs both 0 and 1.")
            )
    elif len(labels) >= 3 and all(v.is_integer() and 0 <= v < MAX_CLASSES for v in labels):
        kind, classes = CLASSIFICATION, int(max(labels)) + 1  # labels 0, 1, 2, ...: classes
    else:
        kind = REGRESSION
        top = y.abs().max().item()
        if top > 1:
            y = y / top
            note.append(Text("targets divided by {top:g} to lie in [-1, 1]", top=top))
    reach = x.abs().max().item()
    if reach > LIMIT:
        x = x * (LIMIT / reach)
        note.append(Text("points scaled by {factor:.3g} to fit the plane", factor=LIMIT / reach))
    g = torch.Generator().manual_seed(seed)
    fields = "; ".join(f"{{n{i}}}" for i in range(len(note)))  # each note in its language
    joined = Text(fields, **{f"n{i}": n for i, n in enumerate(note)})
    return _split(x, y, kind, train_ratio, g, joined, classes)


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _numeric(row: list[str]) -> bool:
    return all(_number(c) and math.isfinite(float(c)) for c in row)


# --- A user's points in a link -------------------------------------------------------------

MAX_LINK_POINTS = 1000  # more points make a link too long to share (about 8 KB at 1,000)
_LINK_BYTES = 64 * 1024  # what the text of a link's points may unpack to


def points_to_link(points: Points) -> str | None:
    """The points as a short text for a page address (rows of x1, x2, label and 1 for a
    training point, rounded to 0.01, zlib-compressed, base64url), or None for more than
    MAX_LINK_POINTS."""
    if len(points.y) > MAX_LINK_POINTS:
        return None
    rows = [
        f"{x1:.2f},{x2:.2f},{y:.3g},{int(t)}"
        for (x1, x2), y, t in zip(
            points.x.tolist(), points.y.tolist(), points.train.tolist(), strict=True
        )
    ]
    head = f"c{points.classes}" if points.kind == CLASSIFICATION else "r"
    text = f"{head};" + ";".join(rows)
    return base64.urlsafe_b64encode(zlib.compress(text.encode(), 9)).decode().rstrip("=")


def points_from_link(text: str) -> Points:
    """The points a link carries; PointsError in words if they cannot be read."""
    try:
        packed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        unpacker = zlib.decompressobj()
        raw = unpacker.decompress(packed, _LINK_BYTES)
        if unpacker.unconsumed_tail or not unpacker.eof:
            raise ValueError
        head, *rows = raw.decode().split(";")
        kind = {"c": CLASSIFICATION, "r": REGRESSION}[head[:1]]
        classes = int(head[1:] or 2) if kind == CLASSIFICATION else 2
        if not 2 <= classes <= MAX_CLASSES:
            raise ValueError
        values = [[float(v) for v in row.split(",")] for row in rows]
    except (ValueError, KeyError, binascii.Error, zlib.error, UnicodeDecodeError):
        raise PointsError(
            Text("The points in this link cannot be read: it was probably cut short when copied.")
        ) from None
    if not 4 <= len(values) <= MAX_LINK_POINTS or any(len(v) != 4 for v in values):
        raise PointsError(
            Text(
                "A link carries 4 to {MAX_LINK_POINTS} points of x1, x2, label.",
                MAX_LINK_POINTS=MAX_LINK_POINTS,
            )
        )
    data = torch.tensor(values, dtype=torch.float64)
    if not torch.isfinite(data).all() or data[:, :2].abs().max() > LIMIT:
        raise PointsError(Text("The points in this link are not all in the plane."))
    y = data[:, 2]
    if kind == CLASSIFICATION and not set(y.tolist()) <= set(map(float, range(classes))):
        raise PointsError(
            Text("A classification link's labels are 0 to {value}.", value=classes - 1)
        )
    train = data[:, 3] > 0
    return Points(data[:, :2].float(), y.float(), train, kind, "", classes)
