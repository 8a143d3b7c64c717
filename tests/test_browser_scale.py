"""The scaling lab in a real Chromium: a 4-size sweep of the MLP on the bundled MNIST sample
starts, and its points appear on the log-log chart as its members finish."""

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.browser import idle
from tests.test_browser_sharing import button, person
from tests.test_browser_train import choose

pytestmark = pytest.mark.browser

POINTS = """(least) => {
    const plot = [...document.querySelectorAll('.js-plotly-plot')].find(p => p.layout &&
        p.layout.title && String(p.layout.title.text).includes('Loss against parameters: mlp'));
    return Boolean(plot) && plot.data[0].x.length >= least;
}"""


def test_a_sweep_puts_its_points_on_the_chart_as_members_finish(browser, app_url):
    page = person(browser)
    page.goto(f"{app_url}/scale")
    page.get_by_role("heading", name="Start a sweep").wait_for()
    idle(page)
    choose(page, "Model family", "mlp")
    idle(page)
    choose(page, "Data", "MNIST sample (bundled)")
    idle(page)
    field = page.get_by_role("spinbutton", name="Each size gets", exact=True)
    field.fill("30")
    field.press("Enter")
    idle(page)
    sizes = page.get_by_role("slider").first  # "Sizes": 5, one step down to 4
    sizes.focus()
    sizes.press("ArrowLeft")
    idle(page)
    expect(sizes).to_have_attribute("aria-valuetext", "4")
    button(page, "Start sweep").click()
    expect(page.get_by_text("sizes trained").first).to_be_visible(timeout=60_000)
    # the lab redraws as the first member finishes: one point of the new sweep, live
    page.wait_for_function(POINTS, arg=1, timeout=240_000)
    # then the others join it (a reload between looks: a state, whatever polling a busy
    # machine's page manages in the meantime)
    for _ in range(60):
        try:
            page.wait_for_function(POINTS, arg=4, timeout=5_000)
            break
        except PlaywrightTimeout:
            page.reload()
            page.get_by_role("heading", name="Look at a sweep").wait_for(timeout=60_000)
    page.wait_for_function(POINTS, arg=4, timeout=5_000)
