"""The decision boundary as a picture: the network's output over the plane coloured as
TensorFlow Playground colours it, encoded as a small PNG. The boundary chart shows it as its
background image, so a frame while training changes one picture and nothing else: the browser
redraws an image, not the chart (drawing the chart's heatmap and points again each frame took
Chromium's renderer a whole core)."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

Stops = list  # [[position 0..1, "#rrggbb"], ...], as plotly's colour scales


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], np.float32)


def colour(z: np.ndarray, low: float, high: float, scale: Stops) -> np.ndarray:
    """(rows, columns, 3) bytes: each value's colour on `scale` between `low` and `high`,
    interpolated between the scale's stops as plotly does."""
    span = (high - low) or 1.0
    t = np.clip((np.asarray(z, np.float32) - low) / span, 0.0, 1.0)
    where = np.array([float(p) for p, _ in scale], np.float32)
    colours = np.stack([_rgb(c) for _, c in scale])
    out = np.empty((*t.shape, 3), np.float32)
    for channel in range(3):
        out[..., channel] = np.interp(t, where, colours[:, channel])
    return np.rint(out).astype(np.uint8)


def faded(rgb: np.ndarray, opacity: float) -> np.ndarray:
    """The colours as they look at `opacity` over white."""
    return np.rint(rgb * opacity + 255 * (1 - opacity)).astype(np.uint8)


def png(rgb: np.ndarray, upscale: int = 4) -> str:
    """A data URL of the picture, rows top to bottom, each cell `upscale` pixels wide (sharp
    edges whatever the browser does when it scales an image)."""
    image = Image.fromarray(rgb, "RGB")
    if upscale > 1:
        image = image.resize((rgb.shape[1] * upscale, rgb.shape[0] * upscale), Image.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False, compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def read_png(url: str) -> np.ndarray:
    """The (rows, columns, 3) bytes of a data URL png() made."""
    raw = base64.b64decode(url.split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(raw)).convert("RGB"))
