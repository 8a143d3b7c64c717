"""Small images (a 28x28 digit) shown large, each pixel a visible square."""

from __future__ import annotations

import numpy as np


def enlarged(image: np.ndarray) -> np.ndarray:
    """A small grey image (0-1) as uint8, scaled up by whole pixels to about 112 px."""
    scale = max(1, 112 // max(image.shape))
    big = np.kron(np.clip(image, 0, 1), np.ones((scale, scale), np.float32))
    return (big * 255).astype(np.uint8)
