"""Canvas drawings prepared like MNIST: against known shapes and against MNIST's own digits."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from playground.datasets import images as data
from playground.datasets.images import normalise
from playground.explain.drawing import (
    BOX,
    CENTRE,
    MAX_UPLOAD_BYTES,
    SIZE,
    ImageError,
    Steps,
    centre_of_mass,
    ink_of,
    prepare,
    read_image,
)


def canvas(size: int = 280) -> np.ndarray:
    """A black RGBA canvas, as the Draw page's canvas returns it."""
    image = np.zeros((size, size, 4), np.uint8)
    image[..., 3] = 255
    return image


def draw_box(image: np.ndarray, top: int, left: int, h: int, w: int) -> np.ndarray:
    image[top : top + h, left : left + w, :3] = 255
    return image


def box_of(image: np.ndarray) -> tuple[int, int]:
    rows, cols = np.nonzero(image > 0.05)
    return rows.max() - rows.min() + 1, cols.max() - cols.min() + 1


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def test_an_empty_canvas_is_no_digit():
    assert prepare(canvas()).empty
    speck = draw_box(canvas(), 10, 10, 2, 2)  # 4 pixels: a slip of the mouse
    assert prepare(speck).empty


def test_a_small_off_centre_drawing_comes_out_centred_and_sized_like_mnist():
    result = prepare(draw_box(canvas(), 200, 20, 60, 30))  # tall and thin, bottom left
    assert not result.empty and result.image.shape == (SIZE, SIZE)
    assert box_of(result.image) == (BOX, BOX // 2)
    cy, cx = centre_of_mass(result.image)
    assert abs(cy - CENTRE) <= 0.5 and abs(cx - CENTRE) <= 0.5


def test_a_thick_wide_drawing_keeps_its_aspect_and_fits_20_pixels():
    result = prepare(draw_box(canvas(), 100, 10, 50, 250))  # a thick bar across the canvas
    height, width = box_of(result.image)
    assert width == BOX and height == 4  # 50 / 250 * 20


def test_an_mnist_digit_drawn_large_and_off_centre_comes_back_as_itself():
    x = data.load("mnist-sample").test_x[:40].float() / 255  # (40, 1, 28, 28)
    as_is, aligned = [], []
    for digit in x:
        big = F.interpolate(digit[None], scale_factor=8, mode="bilinear")[0, 0].numpy()
        image = np.zeros((300, 300), np.float32)
        image[60 : 60 + 224, 10 : 10 + 224] = big  # off the centre of the canvas
        result = prepare((image * 255).astype(np.uint8))
        original = digit[0].numpy()
        size, mnist_size = box_of(result.image), box_of(original)
        assert abs(size[0] - mnist_size[0]) <= 1 and abs(size[1] - mnist_size[1]) <= 1

        shifts = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
        similar = {s: similarity(np.roll(result.image, s, axis=(0, 1)), original) for s in shifts}
        as_is.append(similar[(0, 0)])
        aligned.append(max(similar.values()))  # MNIST rounded centres to a pixel too
    assert np.median(as_is) > 0.95 and min(aligned) > 0.85


def test_each_step_can_be_switched_off():
    drawing = draw_box(canvas(), 200, 20, 60, 30)
    uncropped = prepare(drawing, Steps(crop=False))
    assert box_of(uncropped.image)[0] < 8  # the whole canvas shrank to 20 px: a tiny digit
    stretched = prepare(drawing, Steps(keep_aspect=False))
    assert box_of(stretched.image) == (SIZE, SIZE)
    # an L shape: its centre of mass is off its box's centre
    ell = draw_box(draw_box(canvas(), 50, 50, 150, 20), 180, 50, 20, 100)
    by_box = prepare(ell, Steps(centre_of_mass=False)).image
    by_mass = prepare(ell).image
    assert abs(centre_of_mass(by_box)[1] - CENTRE) > 1.5
    assert abs(centre_of_mass(by_mass)[1] - CENTRE) <= 0.5


def test_ink_on_a_transparent_background_counts_and_is_normalised_like_the_dataset():
    rgba = np.zeros((100, 100, 4), np.uint8)
    rgba[20:80, 40:60] = (255, 255, 255, 255)
    assert ink_of(rgba).max() == 1.0 and ink_of(rgba)[0, 0] == 0.0
    pixels = prepare(rgba).pixels()
    assert pixels.shape == (1, 1, SIZE, SIZE) and pixels.min() == 0 and pixels.max() <= 1
    x = normalise(pixels, mean=0.1307, std=0.3081)  # as a dataset's uint8 pixels would be
    assert torch.isclose(x.min(), torch.tensor(-0.1307 / 0.3081))
    as_bytes = (pixels * 255).round().to(torch.uint8)
    torch.testing.assert_close(normalise(as_bytes, 0.1307, 0.3081), x, atol=0.01, rtol=0)


# --- Uploaded images ------------------------------------------------------------------------


def encoded(image: np.ndarray, fmt: str, mode: str | None = None) -> bytes:
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.fromarray(image, mode).save(out, format=fmt)
    return out.getvalue()


def mnist_digits(n: int = 5) -> tuple[np.ndarray, np.ndarray]:
    sample = data.load("mnist-sample")
    return sample.test_x[:n, 0].numpy(), sample.test_y[:n].numpy()


def photo_of(digit: np.ndarray) -> np.ndarray:
    """An MNIST digit as dark ink on grey-white paper, 10x larger, off centre (uint8 grey)."""
    big = np.kron(digit.astype(np.float32) / 255, np.ones((10, 10), np.float32))
    page = np.full((400, 360), 0.9, np.float32)
    page[40 : 40 + 280, 60 : 60 + 280] -= 0.75 * big
    return (page * 255).round().astype(np.uint8)


def test_a_photo_of_dark_ink_on_paper_comes_back_as_the_mnist_digit():
    digits, _ = mnist_digits()
    for digit in digits:
        for fmt in ("PNG", "JPEG"):
            result = prepare(read_image(encoded(photo_of(digit), fmt)))
            assert not result.empty
            shifts = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
            best = max(
                similarity(np.roll(result.image, s, axis=(0, 1)), digit / 255.0) for s in shifts
            )
            assert best > 0.85, (fmt, best)


def test_light_ink_on_black_and_ink_on_a_transparent_background_are_read_as_ink():
    digit = mnist_digits(1)[0][0]
    big = np.kron(digit, np.ones((6, 6), np.uint8))
    light = read_image(encoded(big, "PNG"))
    assert light.shape == big.shape and similarity(light, big / 255.0) > 0.99
    rgba = np.zeros((*big.shape, 4), np.uint8)  # black ink, opaque only where it is drawn
    rgba[..., 3] = big
    transparent = read_image(encoded(rgba, "PNG", "RGBA"))
    assert similarity(transparent, big / 255.0) > 0.99


def test_a_large_photo_is_shrunk_before_it_is_prepared():
    digit = mnist_digits(1)[0][0]
    huge = np.kron(photo_of(digit), np.ones((8, 8), np.uint8))  # 3200x2880
    grey = read_image(encoded(huge, "PNG"))
    assert max(grey.shape) <= 280
    assert not prepare(grey).empty


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"hello, not an image", "not an image that can be read"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "not an image that can be read"),
        ("gif", "This is a GIF image: upload a PNG or JPEG."),
        (b"x" * (MAX_UPLOAD_BYTES + 1), "images up to 10 MB"),
    ],
)
def test_a_file_that_is_not_a_usable_image_gets_a_message(content, says):
    if content == "gif":
        content = encoded(np.zeros((28, 28), np.uint8), "GIF")
    with pytest.raises(ImageError, match=says):
        read_image(content)


def test_an_image_too_large_in_pixels_gets_a_message():
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("L", (8000, 6000)).save(out, format="PNG")  # 48 MP of one colour: a small file
    with pytest.raises(ImageError, match="8000x6000 pixels: too large"):
        read_image(out.getvalue())


def test_a_blank_page_has_no_digit():
    page = np.full((200, 200), 230, np.uint8)
    assert prepare(read_image(encoded(page, "JPEG"))).empty
