"""In a real Chromium: a run leaves the runs table as a checked ONNX file and as a bundle, a
bundle comes back in through the upload box, and a link copied on Build rebuilds the same model
in another browser."""

import io
import zipfile

import onnxruntime
import pytest
import torch

from tests.browser import example_run, grid_row, idle, streamlit_server
from tests.test_browser_train import choose

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server whose runs folder holds one finished example run (made as the CLI makes one)."""
    folder = tmp_path_factory.mktemp("server")
    run_dir = example_run(folder, "mlp", epochs=1, train_limit=500)
    with streamlit_server(folder) as url:
        yield url, run_dir


def test_a_run_downloads_as_onnx_and_as_a_bundle_that_imports_again(browser, server, tmp_path):
    url, run_dir = server
    page = browser.new_page(viewport={"width": 1400, "height": 1400}, accept_downloads=True)
    page.goto(f"{url}/train")
    page.get_by_role("heading", name="Runs").wait_for()
    idle(page)
    grid_row(page, page.locator("[data-testid=stDataFrame]").first, "mlp")
    page.get_by_role("button", name="Export to ONNX").click(timeout=15_000)
    button = page.get_by_role("button", name="Download ONNX")
    button.wait_for(timeout=60_000)
    assert page.get_by_text("onnxruntime's outputs differ from PyTorch's by at most").count()
    with page.expect_download() as download:
        button.click()
    with open(download.value.path(), "rb") as f:
        onnx = f.read()
    session = onnxruntime.InferenceSession(onnx, providers=["CPUExecutionProvider"])
    (out,) = session.run(None, {"image": torch.zeros(3, 1, 28, 28).numpy()})
    assert out.shape == (3, 10)

    page.get_by_role("button", name="Make a bundle").click()
    button = page.get_by_role("button", name="Download bundle")
    button.wait_for(timeout=60_000)
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename == f"{run_dir.name}.zip"
    bundle = tmp_path / download.value.suggested_filename
    download.value.save_as(bundle)
    names = zipfile.ZipFile(io.BytesIO(bundle.read_bytes())).namelist()
    assert f"{run_dir.name}/model.onnx" in names and f"{run_dir.name}/README.md" in names

    # the same zip, uploaded by another browser, becomes that browser's own run
    other = browser.new_context(viewport={"width": 1400, "height": 1400}).new_page()
    other.goto(f"{url}/train")
    other.get_by_text("Import a run bundle").first.click()
    other.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(bundle)
    other.get_by_text(f"Imported {run_dir.name}.zip as your run").wait_for(timeout=30_000)
    other.context.close()


def test_a_copied_build_link_opens_the_same_model_in_another_browser(browser, server):
    url, _ = server
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{url}/build")
    choose(page, "Start from", "LeNet-5")
    page.get_by_role("button", name="Load", exact=True).click()
    page.get_by_text("Current model: lenet5").wait_for()
    page.get_by_role("button", name="Copy link").click()
    link = page.locator("[data-testid=stCode]").filter(has_text="model=lenet5").first
    link.wait_for()
    address = link.inner_text().strip()
    assert address.startswith(f"{url}/build?")

    other = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    other.goto(address)
    other.get_by_text("Current model: lenet5").wait_for(timeout=30_000)
    other.get_by_text("Ready to train.").wait_for()
    other.context.close()
