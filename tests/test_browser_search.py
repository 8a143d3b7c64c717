"""The Search page in a real Chromium: a 4-trial search on the MNIST sample fills in every
trial's curve and the parallel coordinates, "Use this recipe" makes the best trial's model the
current one, and a second browser (another person) watches the search through its share link."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import idle
from tests.test_browser_sharing import button, person, set_number

pytestmark = pytest.mark.browser


def test_a_search_fills_in_live_is_watched_and_its_recipe_is_used(browser, app_url):
    ada = person(browser)
    ada.goto(f"{app_url}/search")
    ada.get_by_role("heading", name="Start a search").wait_for()
    idle(ada)
    set_number(ada, "Epochs", "2")
    set_number(ada, "Trials", "4")
    button(ada, "Start search").click()
    ada.get_by_text(re.compile(r"Trial \d of 4 is training")).first.wait_for(timeout=120_000)

    button(ada, "Share").click()
    link = ada.get_by_test_id("stCode").first.inner_text(timeout=30_000).strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/search\?watch=[A-Za-z0-9_-]+", link), link
    bob = person(browser)
    bob.goto(link)
    bob.get_by_text("watching someone's search live").wait_for(timeout=60_000)
    expect(bob.get_by_role("button", name="Stop", exact=True)).to_have_count(0)

    # a chart redrawn by the live view can be in the page twice for a moment: take the first
    curves = ada.locator(".st-key-search-curves .js-plotly-plot").first
    expect(curves).to_be_visible(timeout=120_000)
    finished = ada.get_by_text(re.compile(r"Finished: \d trials trained to the end, \d pruned"))
    finished.wait_for(timeout=300_000)  # a state: the search's closing words
    expect(ada.locator(".st-key-search-parcoords .js-plotly-plot").first).to_be_visible()
    traces = ada.locator(".st-key-search-curves .scatterlayer .trace")
    assert traces.count() >= 4  # a curve of every trial (and a mark where one was pruned)
    expect(bob.get_by_text(re.compile(r"Finished: \d trials"))).to_be_visible(timeout=60_000)
    expect(bob.get_by_role("button", name="Use this recipe")).to_have_count(0)

    button(ada, "Use this recipe").click()
    ada.get_by_text(re.compile(r"is now the current model")).wait_for(timeout=60_000)
    for page in (ada, bob):
        page.context.close()
