"""The Privacy page in a real Chromium: the attack on the ready pair draws its two ROC curves
(and a second person sees the same at the same time), and "Train the ready private model" opens
Train with its recipe, whose run shows the privacy it spends growing as it trains."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import idle
from tests.test_browser_sharing import button, person

pytestmark = pytest.mark.browser


def epsilon_shown(page) -> float:
    metric = page.get_by_test_id("stMetric").filter(has_text="Privacy spent ε")
    return float(metric.get_by_test_id("stMetricValue").inner_text(timeout=60_000))


def test_the_ready_pair_is_attacked_and_a_private_run_spends_epsilon(browser, app_url):
    ada, bob = person(browser), person(browser)
    for page in (ada, bob):
        page.goto(f"{app_url}/privacy")
    for page in (ada, bob):
        page.get_by_role("heading", name="What a model gives away").wait_for(timeout=60_000)
        roc = page.locator(".st-key-privacy-roc .js-plotly-plot").first
        expect(roc).to_be_visible(timeout=120_000)
        expect(roc.get_by_text(re.compile(r"without privacy: AUC 0\.[6-9]"))).to_be_visible()
        expect(roc.get_by_text(re.compile(r"with privacy \(ε 1\): AUC 0\.[45]"))).to_be_visible()
    idle(ada)
    button(ada, "Train the ready private model").click()
    ada.get_by_role("button", name="Start training").wait_for(timeout=60_000)
    idle(ada)
    button(ada, "Start training").click()
    first = epsilon_shown(ada)
    deadline = 600  # a state, not a moment: the number moves as steps are taken
    for _ in range(deadline):
        later = epsilon_shown(ada)
        if later > first:
            break
        ada.wait_for_timeout(1000)
    assert later > first
    button(ada, "Stop").click()
    ada.get_by_text(re.compile(r"Stopped")).first.wait_for(timeout=120_000)
    for page in (ada, bob):
        page.context.close()
