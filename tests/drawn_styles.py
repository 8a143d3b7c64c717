"""A larger set of drawn digits: ten digits, two ways of writing most of them, in six people's
styles (upright or slanted, small or large, thin or thick strokes, narrow or wide, steady or
wobbly, off-centre), as mouse strokes on the 280x280 canvas; 60 drawings, plus the ten of
drawn_digits.py. No model here was trained on them. `render` paints strokes the way the canvas
does (white, round ends, on black), for measuring without a browser."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from tests.drawn_digits import DIGITS

Stroke = list[tuple[float, float]]


def arc(cx, cy, rx, ry, start, end, n=16) -> Stroke:
    """Points along an ellipse from angle `start` to `end` (degrees, 0 = right, 90 = down)."""
    return [
        (cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
        for a in np.linspace(start, end, n)
    ]


# Each digit written two ways, in a unit box (x right, y down).
SHAPES: dict[str, list[list[Stroke]]] = {
    "0": [[arc(0.5, 0.5, 0.32, 0.45, -90, 270, 24)], [arc(0.5, 0.5, 0.38, 0.44, -60, 300, 24)]],
    "1": [[[(0.35, 0.25), (0.55, 0.05), (0.55, 0.95)]],
          [[(0.5, 0.05), (0.5, 0.95)], [(0.3, 0.95), (0.7, 0.95)]]],
    "2": [[[*arc(0.5, 0.3, 0.3, 0.22, 190, 360, 10), (0.15, 0.95), (0.85, 0.95)]],
          [[(0.2, 0.3), (0.5, 0.08), (0.8, 0.3), (0.2, 0.92), (0.85, 0.92)]]],
    "3": [[[*arc(0.48, 0.28, 0.3, 0.22, 200, 450, 12), *arc(0.48, 0.72, 0.33, 0.23, 270, 520, 12)]],
          [[(0.2, 0.08), (0.8, 0.08), (0.45, 0.42), *arc(0.48, 0.7, 0.32, 0.25, 280, 500, 12)]]],
    "4": [[[(0.6, 0.05), (0.12, 0.65), (0.88, 0.65)], [(0.65, 0.35), (0.65, 0.97)]],
          [[(0.22, 0.05), (0.2, 0.55), (0.8, 0.55)], [(0.72, 0.05), (0.72, 0.97)]]],
    "5": [[[(0.8, 0.06), (0.3, 0.06), (0.26, 0.45), *arc(0.5, 0.67, 0.32, 0.27, 240, 500, 14)]],
          [[(0.3, 0.06), (0.26, 0.45), *arc(0.5, 0.67, 0.32, 0.27, 240, 500, 14)],
           [(0.3, 0.06), (0.82, 0.06)]]],
    "6": [[[(0.72, 0.05), *arc(0.5, 0.66, 0.3, 0.3, 200, 560, 22)]],
          [[(0.62, 0.04), (0.25, 0.6), *arc(0.5, 0.7, 0.27, 0.25, 180, 540, 20)]]],
    "7": [[[(0.15, 0.08), (0.85, 0.08), (0.4, 0.96)]],
          [[(0.15, 0.1), (0.85, 0.08), (0.45, 0.96)], [(0.38, 0.52), (0.78, 0.52)]]],
    "8": [[[*arc(0.5, 0.27, 0.25, 0.22, 90, 450, 16), *arc(0.5, 0.72, 0.3, 0.23, -90, 270, 16)]],
          [arc(0.5, 0.27, 0.24, 0.21, 0, 360, 16), arc(0.5, 0.72, 0.3, 0.24, 0, 360, 16)]],
    "9": [[[*arc(0.48, 0.3, 0.28, 0.25, 0, 360, 18), (0.76, 0.3), (0.72, 0.96)]],
          [[*arc(0.46, 0.3, 0.27, 0.24, 10, 370, 18), (0.74, 0.5),
            *arc(0.45, 0.72, 0.3, 0.25, 0, 120, 8)]]],
}  # fmt: skip


@dataclass(frozen=True)
class Style:
    """How one person writes: which way of each digit, slant, size, shape, stroke, hand."""

    name: str
    variant: int
    slant: float  # degrees, positive leans right
    size: float  # height as a share of the canvas
    aspect: float  # width / height of the box
    width: int  # stroke width, px
    wobble: float  # px of hand shake
    offset: tuple[float, float]  # px from the centre


STYLES = (
    Style("upright", 0, 0, 0.72, 0.62, 22, 0, (0, 0)),
    Style("slanted, small", 0, 15, 0.55, 0.6, 16, 1.0, (-25, -20)),
    Style("backhand, thick", 1, -10, 0.8, 0.65, 28, 0.5, (10, 5)),
    Style("wobbly", 1, 5, 0.7, 0.6, 20, 3.5, (0, 10)),
    Style("narrow, tall", 1, 8, 0.85, 0.45, 18, 1.5, (15, 0)),
    Style("wide, short, off-centre", 0, -4, 0.58, 0.85, 24, 1.0, (30, 30)),
)


def strokes_of(digit: str, style: Style, seed: int = 0) -> list[Stroke]:
    """The digit's strokes on the canvas, as this person would draw them."""
    shape = SHAPES[digit][style.variant % len(SHAPES[digit])]
    rng = random.Random(f"{digit}-{style.name}-{seed}")
    h = 280 * style.size
    w = h * style.aspect
    shear = math.tan(math.radians(style.slant))
    out = []
    for stroke in shape:
        points = []
        for x, y in stroke:
            px = 140 + style.offset[0] + (x - 0.5) * w + (0.5 - y) * h * shear
            py = 140 + style.offset[1] + (y - 0.5) * h
            points.append((px + rng.gauss(0, style.wobble), py + rng.gauss(0, style.wobble)))
        out.append(points)
    return out


DRAWINGS: list[tuple[str, str, list[Stroke], int]] = [  # (digit, style, strokes, width)
    (d, s.name, strokes_of(d, s), s.width) for s in STYLES for d in SHAPES
] + [(d, "drawn_digits.py", strokes, 22) for d, strokes in DIGITS]


def render(strokes: list[Stroke], width: int = 22) -> np.ndarray:
    """The 280x280 RGBA image the canvas gives for these strokes."""
    image = Image.new("RGBA", (280, 280), (0, 0, 0, 255))
    draw = ImageDraw.Draw(image)
    r = width / 2
    for stroke in strokes:
        draw.line(stroke, fill=(255, 255, 255, 255), width=width, joint="curve")
        for x, y in (stroke[0], stroke[-1]):
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, 255, 255, 255))
    return np.asarray(image)
