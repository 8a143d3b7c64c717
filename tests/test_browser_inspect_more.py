"""In a real Chromium: click a pixel of a feature map on Inspect and see its convolution worked
out; move the replay slider of a finished run and see the kernels change."""

import re

import pytest
from playwright.sync_api import expect

from playground.datasets.images import SAMPLE_DIR
from tests.browser import example_run, idle, streamlit_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The sample as MNIST, and one finished seed CNN run (an example everyone sees)."""
    folder = tmp_path_factory.mktemp("server")
    raw = folder / "data" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for f in SAMPLE_DIR.glob("*-ubyte.gz"):
        (raw / f.name).symlink_to(f)
    run_dir = example_run(folder, "seed-cnn", epochs=2, train_limit=1000)
    with streamlit_server(folder) as url:
        yield url, run_dir


def test_a_clicked_feature_map_pixel_is_worked_out(browser, server):
    url, _ = server
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    page.goto(f"{url}/inspect")
    page.get_by_role("tab", name="Worked convolution").click(timeout=60_000)
    worked = page.get_by_text(re.compile(r"^Row \d+, column \d+: the 3x3 kernel"))
    worked.wait_for(timeout=30_000)
    chart = page.locator(".js-plotly-plot").filter(has_text="Layer 1, channel 1").first
    idle(page)
    chart.locator(".scatterlayer .point").nth(4 * 26 + 9).click(force=True)  # row 4, column 9
    expect(page.get_by_text(re.compile(r"^Row 4, column 9: the 3x3 kernel"))).to_be_visible(
        timeout=30_000
    )
    expect(page.get_by_text("The feature map holds").first).to_be_visible()
    page.close()


KERNELS = """() => {
    // the kernels chart's title (without the theme's <b> tags) and its values
    const title = e => String((e.layout && e.layout.title && e.layout.title.text) || '')
        .replace(/<[^>]+>/g, '');
    const chart = [...document.querySelectorAll('.js-plotly-plot')]
        .find(e => title(e).startsWith("First conv layer's kernels"));
    return chart ? [title(chart), JSON.stringify(chart.data[0].z)] : null;
}"""


def test_the_replay_slider_shows_the_kernels_as_they_were(browser, server):
    url, run_dir = server
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    page.goto(f"{url}/inspect")
    model = page.locator("[data-testid=stSelectbox]").filter(has_text="Model")
    model.click(timeout=60_000)
    page.get_by_role("option", name=re.compile("^" + re.escape(run_dir.name[16:]) + " · ")).click()
    idle(page)
    page.get_by_role("tab", name="Replay training").click()
    page.get_by_text("At epoch 2, it says").wait_for(timeout=30_000)
    page.wait_for_function(f"({KERNELS})() !== null", timeout=30_000)
    title, last = page.evaluate(KERNELS)
    assert title.endswith("at epoch 2")
    slider = page.get_by_role("slider").filter(has_text="").first
    slider.focus()
    slider.press("Home")  # back to before training
    page.get_by_text("At before training, it says").wait_for(timeout=30_000)
    page.wait_for_function(f"({KERNELS})()[0].endsWith('before training')", timeout=30_000)
    _, first = page.evaluate(KERNELS)
    assert first != last  # the kernels formed while it trained
    page.close()
