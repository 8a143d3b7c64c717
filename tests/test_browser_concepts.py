"""In a real Chromium: the optimizer race on /concepts starts where the user clicks."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_click_on_the_surface_moves_the_start_and_reruns_the_race(browser, app_url):
    page = browser.new_page(viewport={"width": 1400, "height": 2400})
    page.goto(f"{app_url}/concepts")
    page.get_by_role("tab", name="Optimizers").click()
    chart = page.locator(".js-plotly-plot").filter(has_text="click to start")
    expect(chart).to_be_visible(timeout=30_000)
    start_x = page.get_by_test_id("stSlider").filter(has_text="Start x")
    expect(start_x).to_contain_text("-5.00")
    verdicts = page.get_by_text("SGD reached the minimum").first
    before = verdicts.inner_text()
    # the clickable grid: 30 x 30 invisible markers, row by row from the bottom (y = -3)
    grid = chart.locator(".scatterlayer .trace").first.locator(".point")
    grid.nth(20 * 30 + 25).click(force=True)  # row 20, column 25: x = 4.08, y = 1.03
    expect(start_x).to_contain_text("4.10", timeout=30_000)
    expect(page.get_by_test_id("stSlider").filter(has_text="Start y")).to_contain_text("1.05")
    expect(page.get_by_text("SGD reached the minimum").first).not_to_have_text(before)
    page.close()
