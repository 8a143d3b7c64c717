"""A drawing on a canvas -> a 28x28 input prepared the way MNIST's digits were.

MNIST's digits were cropped to their ink, scaled so the longer side is 20 px (keeping the aspect
ratio, with anti-aliasing), and placed in a 28x28 field with their centre of mass at the centre.
`prepare` does the same to a canvas (RGBA, white ink on black or on transparent) and keeps each
step's image so a page can show what the model sees. Each step can be switched off to show why
it matters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from playground.engine.i18n import Text

SIZE = 28  # MNIST's field
BOX = 20  # the longer side of the digit inside it
CENTRE = SIZE / 2  # where MNIST's centres of mass sit (measured: 14.1, 13.9 on its test set)
INK_THRESHOLD = 0.1  # grey levels below this (0-1) are background, not ink
MIN_INK_PIXELS = 10  # fewer inked pixels than this is an empty canvas, not a digit


@dataclass(frozen=True)
class Steps:
    """Which steps of MNIST's preparation to apply (all, by default)."""

    crop: bool = True  # cut the canvas down to the ink's bounding box
    keep_aspect: bool = True  # scale the longer side to 20 px; off: stretch to fill 28x28
    centre_of_mass: bool = True  # put the centre of mass at the centre; off: the box's centre


@dataclass(frozen=True)
class Prepared:
    """Each step's image (float 0-1, (H, W)) and the result, or empty=True for no digit."""

    ink: np.ndarray  # the canvas as grey levels
    cropped: np.ndarray  # the ink's bounding box (or the whole canvas)
    scaled: np.ndarray  # after scaling
    image: np.ndarray  # (28, 28): what the model sees, before normalisation
    empty: bool

    def pixels(self) -> torch.Tensor:
        """The model's input (1, 1, 28, 28), floats 0-1, before normalisation."""
        return torch.from_numpy(self.image).float()[None, None]


def ink_of(rgba: np.ndarray) -> np.ndarray:
    """Grey levels 0-1 of a canvas image (H, W, 4) uint8 or (H, W) grey: light ink counts, on
    black or on a transparent background."""
    rgba = np.asarray(rgba)
    if rgba.ndim == 2:
        grey = rgba.astype(np.float32)
    else:
        rgb = rgba[..., :3].astype(np.float32)
        grey = rgb.mean(axis=-1)
        if rgba.shape[-1] == 4:
            grey = grey * (rgba[..., 3].astype(np.float32) / 255.0)
    if grey.max() > 1.0:
        grey = grey / 255.0
    return np.where(grey >= INK_THRESHOLD, grey, 0.0).astype(np.float32)


def prepare(rgba: np.ndarray, steps: Steps = Steps()) -> Prepared:
    """The MNIST-style 28x28 image of a drawing, with each step kept for display."""
    ink = ink_of(rgba)
    blank = np.zeros((SIZE, SIZE), np.float32)
    if int((ink > 0).sum()) < MIN_INK_PIXELS:
        return Prepared(ink, ink, blank, blank, empty=True)
    if steps.crop:
        rows, cols = np.nonzero(ink)
        cropped = ink[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    else:
        cropped = ink
    h, w = cropped.shape
    if steps.keep_aspect:
        scale = BOX / max(h, w)
        size = (max(1, round(h * scale)), max(1, round(w * scale)))
    else:
        size = (SIZE, SIZE)
    scaled = _resize(cropped, size)
    image = _place(scaled, steps.centre_of_mass)
    return Prepared(ink, cropped, scaled, image, empty=False)


def _resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Anti-aliased resize (area averaging when shrinking, bilinear when growing)."""
    x = torch.from_numpy(np.ascontiguousarray(image))[None, None]
    shrink = size[0] <= image.shape[0] and size[1] <= image.shape[1]
    if shrink:
        y = F.interpolate(x, size=size, mode="area")
    else:
        y = F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=True)
    return y[0, 0].clamp(0, 1).numpy()


def _place(scaled: np.ndarray, by_mass: bool) -> np.ndarray:
    """Paste `scaled` into a 28x28 field centred by its centre of mass (or its box)."""
    h, w = scaled.shape
    if by_mass and scaled.sum() > 0:
        cy, cx = centre_of_mass(scaled)
    else:
        cy, cx = (h - 1) / 2, (w - 1) / 2
    top, left = round(CENTRE - cy), round(CENTRE - cx)
    field = np.zeros((SIZE, SIZE), np.float32)
    # the overlap of the pasted image with the field (a far-off centre of mass can push part
    # of a wide digit out; MNIST's own digits have the same limit)
    y0, x0 = max(0, top), max(0, left)
    y1, x1 = min(SIZE, top + h), min(SIZE, left + w)
    if y1 > y0 and x1 > x0:
        field[y0:y1, x0:x1] = scaled[y0 - top : y1 - top, x0 - left : x1 - left]
    return field


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(row, column) of an image's centre of mass."""
    rows, cols = np.indices(image.shape)
    total = image.sum()
    return float((rows * image).sum() / total), float((cols * image).sum() / total)


# --- Uploaded images ------------------------------------------------------------------------

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UPLOAD_PIXELS = 40_000_000  # PIL's own bomb guard starts at ~89 M; refuse well before
_WORKING_SIDE = 280  # a photo is shrunk to this (the canvas's size) before it is prepared
_FORMATS = {"PNG", "JPEG"}


class ImageError(ValueError):
    """An uploaded file that cannot be used as an input, with a message for the user."""


def read_image(data: bytes) -> np.ndarray:
    """An uploaded PNG or JPEG -> grey levels 0-1 (H, W) with the digit light on black, ready
    for `prepare`. Dark ink on a light page (a photo, a scan) is inverted; a transparent
    background counts as background."""
    from io import BytesIO

    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageError(
            Text(
                "The file is {value:.1f} MB; images up to {value2} MB are taken.",
                value=len(data) / 1e6,
                value2=MAX_UPLOAD_BYTES // (1024 * 1024),
            )
        )
    try:
        with Image.open(BytesIO(data)) as image:
            if image.format not in _FORMATS:
                raise ImageError(
                    Text("This is a {format} image: upload a PNG or JPEG.", format=image.format)
                )
            if image.width * image.height > MAX_UPLOAD_PIXELS:
                raise ImageError(
                    Text(
                        "The image is {width}x{height} pixels: too large. Crop it to the digit "
                        "or scale it down.",
                        width=image.width,
                        height=image.height,
                    )
                )
            image.draft("L", (_WORKING_SIDE * 2, _WORKING_SIDE * 2))  # JPEG: decode smaller
            image = image.convert("LA")
            image.thumbnail((_WORKING_SIDE, _WORKING_SIDE))
            grey_alpha = np.asarray(image, dtype=np.float32) / 255.0
    except ImageError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ImageError(
            Text("This file is not an image that can be read: upload a PNG or JPEG.")
        ) from None
    grey, alpha = grey_alpha[..., 0], grey_alpha[..., 1]
    if _border(alpha).mean() < 0.5:  # a transparent background: what is opaque is the ink
        return alpha  # whatever its colour
    grey = grey * alpha + (1 - alpha)  # anything see-through counts as white paper
    if np.median(_border(grey)) > 0.5:  # dark ink on a light page
        grey = 1 - grey
    background = float(np.median(_border(grey)))
    top = float(grey.max())
    if top - background < 0.2:
        return np.zeros_like(grey)  # no contrast: no digit (prepare says so)
    return ((grey - background) / (top - background)).clip(0, 1)


def _border(image: np.ndarray) -> np.ndarray:
    """The pixels of the outermost 5% of an image (by its shorter side)."""
    k = max(1, min(image.shape) // 20)
    return np.concatenate(
        [image[:k].ravel(), image[-k:].ravel(), image[:, :k].ravel(), image[:, -k:].ravel()]
    )
