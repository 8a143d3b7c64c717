"""In a real Chromium: Inspect and Evaluate with the pretrained model on real MNIST's test set."""

import re
from io import BytesIO

import numpy as np
import pytest
from playwright.sync_api import expect

from tests.browser import idle, metric, streamlit_server
from tests.test_browser_train import choose

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, mnist_dir):
    workdir = tmp_path_factory.mktemp("server")
    raw = workdir / "data" / "MNIST" / "raw"  # torchvision's layout: no download is tried
    raw.mkdir(parents=True)
    for f in mnist_dir.glob("*-ubyte.gz"):
        (raw / f.name).symlink_to(f)
    with streamlit_server(workdir) as url:
        yield url


def test_inspect_shows_the_feature_maps_of_a_test_image_and_of_an_uploaded_photo(browser, app_url):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{app_url}/inspect")
    expect(metric(page, "The model says")).to_have_text("7", timeout=60_000)  # test image #0
    expect(page.get_by_text("Layer 1: Conv2d").first).to_be_visible(timeout=30_000)  # opened
    expect(page.get_by_text("The network at a glance").first).to_be_visible()
    choose(page, "Open layer", "17 Linear")  # the last layer: its ten units
    expect(page.get_by_text("Layer 17: Linear -> 10").first).to_be_attached(timeout=30_000)
    # a photo of a 3 (dark ink on paper) through the file uploader
    page.get_by_text("An image file").click()
    idle(page)
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "three.png", "mimeType": "image/png", "buffer": photo_of_a_three()}]
    )
    expect(metric(page, "The model says")).to_have_text("3", timeout=30_000)
    expect(page.get_by_text("Layer 17: Linear -> 10").first).to_be_attached()  # still open
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "notes.png", "mimeType": "image/png", "buffer": b"not an image"}]
    )
    expect(page.get_by_text("not an image that can be read")).to_be_visible(timeout=30_000)
    page.close()


def test_evaluate_shows_the_confusion_matrix_and_a_clicked_cells_images(browser, app_url):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{app_url}/evaluate")
    expect(metric(page, "Test images")).to_have_text("10,000", timeout=60_000)
    expect(metric(page, "Test accuracy")).to_have_text("99.66%")
    matrix = page.locator(".js-plotly-plot").first
    expect(matrix).to_be_visible()
    idle(page)
    heading = page.get_by_text(re.compile(r"^True \d, predicted \d: \d+ images"))
    before = heading.inner_text()
    # click the cell true 2, predicted 2 (the diagonal): its square marker in the scatter layer
    cell = matrix.locator(".scatterlayer .point").nth(2 * 10 + 2)
    cell.click(force=True)
    expect(heading).to_have_text(re.compile(r"^True 2, predicted 2: 10\d\d images"), timeout=30_000)
    assert heading.inner_text() != before
    page.close()


def photo_of_a_three() -> bytes:
    from PIL import Image

    from playground.datasets import images as data

    sample = data.load("mnist-sample")
    index = int((sample.test_y == 3).nonzero()[0])
    digit = sample.test_x[index, 0].numpy().astype(np.float32) / 255
    page = np.full((360, 320), 0.92, np.float32)
    page[40:320, 20:300] -= 0.8 * np.kron(digit, np.ones((10, 10), np.float32))
    out = BytesIO()
    Image.fromarray((page * 255).astype(np.uint8)).save(out, format="PNG")
    return out.getvalue()
