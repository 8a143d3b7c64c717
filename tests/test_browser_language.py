"""The Language page in a real Chromium: the tiny preset trains live (its loss chart and the
timeline of what it writes grow), a prompt typed into Look inside redraws the attention maps,
and a second browser (another person) watches the job through its share link."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import idle, metric
from tests.test_browser_sharing import button, person, set_number
from tests.test_browser_train import choose

pytestmark = pytest.mark.browser


def moments(page) -> int:
    """How many samples the timeline holds ("What it writes: N moments")."""
    title = page.get_by_text(re.compile(r"What it writes: \d+ moments")).first
    title.wait_for(timeout=120_000)
    return int(re.search(r"(\d+) moments", title.inner_text()).group(1))


def test_tiny_gpt_trains_live_looks_inside_and_is_watched(browser, app_url):
    ada = person(browser)
    ada.goto(f"{app_url}/language")
    ada.get_by_role("heading", name="The model").wait_for()
    idle(ada)
    choose(ada, "Start from", "names-tiny")
    button(ada, "Load").click()
    idle(ada)
    set_number(ada, "Steps", "200000")  # long enough to still train when Bob watches
    button(ada, "Start training").click()

    metric(ada, "Step").wait_for(timeout=120_000)
    for label in ("Train loss", "Val loss", "Tokens/s"):
        metric(ada, label).wait_for(timeout=120_000)
    ada.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    first = moments(ada)
    ada.wait_for_function(  # the timeline grows while it trains (a state, not a moment)
        """(first) => [...document.querySelectorAll('summary, [data-testid=stExpander]')]
            .some(e => { const m = e.innerText.match(/What it writes: (\\d+) moments/);
                         return m && Number(m[1]) > first; })""",
        arg=first,
        timeout=120_000,
    )

    # Ada shares; Bob, another person, watches the same job advance with no control of it
    button(ada, "Share").click()
    link = ada.get_by_test_id("stCode").first.inner_text(timeout=30_000).strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/language\?watch=[A-Za-z0-9_-]+", link), link
    bob = person(browser)
    bob.goto(link)
    metric(bob, "Step").wait_for(timeout=60_000)
    bob.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    seen = int(metric(bob, "Step").inner_text().replace(",", "").split("/")[0])
    bob.wait_for_function(
        """(seen) => [...document.querySelectorAll('[data-testid=stMetric]')].some(m =>
            m.innerText.startsWith('Step') &&
            Number(m.querySelector('[data-testid=stMetricValue]').innerText
                   .replace(/,/g, '').split('/')[0]) > seen)""",
        arg=seen,
        timeout=120_000,
    )
    for name in ("Pause", "Stop", "Share", "Start training"):
        expect(button(bob, name)).to_have_count(0)

    # Ada types a text into Look inside: the attention of every head is drawn for it
    inside = ada.get_by_role("textbox", name="Text to look inside", exact=True)
    inside.wait_for(timeout=60_000)
    inside.fill("emma")
    inside.press("Enter")
    idle(ada)
    heads = ada.locator(".js-plotly-plot").filter(has_text=re.compile(r"Layer \d+, head 1"))
    expect(heads.first).to_be_visible(timeout=60_000)
    expect(ada.get_by_text("emma").first).to_be_visible()

    button(ada, "Stop").click()
    expect(button(ada, "Start training")).to_be_enabled(timeout=120_000)
