"""The Generate page in a real Chromium: the ready model makes the digit typed the moment the
page opens, a VAE preset trains live (its losses, and what it makes now, moment by moment), and
a second browser (another person) watches the job through its share link."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import idle, metric
from tests.test_browser_sharing import button, person, set_number
from tests.test_browser_train import choose

pytestmark = pytest.mark.browser
NOW = re.compile(r"What it makes now: (\d+) moments so far")


def moments(page) -> int:
    title = page.get_by_text(NOW).first
    title.wait_for(timeout=120_000)
    return int(NOW.search(title.inner_text()).group(1))


def test_ask_the_ready_model_for_a_digit_train_one_live_and_be_watched(browser, app_url):
    ada = person(browser)
    ada.goto(f"{app_url}/generate")
    ada.get_by_role("heading", name="Generate").wait_for()
    said = ada.get_by_text(re.compile(r"reads (\d+) of 40 as the digit asked for"))
    said.wait_for(timeout=60_000)
    idle(ada)
    field = ada.get_by_role("textbox", name="Which digit?")
    field.fill("七")
    field.press("Enter")
    idle(ada)
    right = int(re.search(r"reads (\d+) of 40", said.inner_text()).group(1))
    assert right >= 36, said.inner_text()  # the ready model draws sevens the classifier reads
    expect(ada.get_by_role("img").first).to_be_visible()
    choose(ada, "Model", "Ready model (ships with the app): Diffusion model, told the class")
    ada.get_by_text(re.compile(r"reads (\d+) of 20 as the digit asked for")).wait_for(
        timeout=60_000
    )  # the ready diffusion model's grid of the 七 asked for
    field = ada.get_by_role("textbox", name="Which digit?")
    field.fill("7")
    field.press("Enter")
    idle(ada)
    drawn = ada.get_by_text(re.compile(r"reads (\d+) of 20 as the digit asked for"))
    assert int(re.search(r"reads (\d+) of 20", drawn.inner_text()).group(1)) >= 18
    expect(ada.get_by_text(re.compile(r"ms and .*FLOP an image"))).to_be_visible()

    choose(ada, "Start from", "vae-2d")
    idle(ada)
    choose(ada, "Dataset", "MNIST sample (bundled)")
    set_number(ada, "Epochs", "1000")  # long enough to still train when Bob watches
    button(ada, "Start training").click()
    for label in ("Epoch", "Train loss", "Images/s"):
        metric(ada, label).wait_for(timeout=120_000)
    first = moments(ada)
    ada.wait_for_function(  # what it makes now gains moments while it trains (a state)
        """(first) => [...document.querySelectorAll('h3')].some(h => {
            const m = h.innerText.match(/What it makes now: (\\d+) moments/);
            return m && Number(m[1]) > first; })""",
        arg=first,
        timeout=120_000,
    )

    button(ada, "Share").click()
    link = ada.get_by_test_id("stCode").first.inner_text(timeout=30_000).strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/generate\?watch=[A-Za-z0-9_-]+", link), link
    bob = person(browser)
    bob.goto(link)
    metric(bob, "Epoch").wait_for(timeout=60_000)
    expect(bob.get_by_role("button", name="Stop", exact=True)).to_have_count(0)
    button(ada, "Stop").click()
    ada.get_by_text(re.compile(r"Saved as run")).first.wait_for(timeout=60_000)
    for page in (ada, bob):
        page.context.close()


def test_a_click_on_the_ready_vaes_latent_plane_decodes_that_point(browser, app_url):
    page = person(browser)
    page.goto(f"{app_url}/generate")
    chart = page.locator(".st-key-generate-latent .js-plotly-plot").last
    expect(chart).to_be_visible(timeout=60_000)
    idle(page)
    expect(page.get_by_text("Click anywhere in the plane")).to_be_visible()
    grid = chart.locator(".scatterlayer .trace").first.locator(".point")
    grid.nth(41 * 30 + 10).click(force=True)  # a point of the faint grid, off the test digits
    said = page.get_by_text(re.compile(r"Decoded at \((-?\d+\.\d\d), (-?\d+\.\d\d)\)"))
    said.wait_for(timeout=60_000)
    x, y = map(float, re.search(r"\((\S+), (\S+)\)", said.inner_text()).groups())
    assert abs(x - 1.5) < 0.3 and abs(y + 1.5) < 0.3  # grid point 30, 10 of -3..3 (or a test
    # digit drawn over it there)
    page.context.close()
