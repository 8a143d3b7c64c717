"""Two browsers on one server, in a real Chromium: each is its own person (its own cookie)."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser import idle, metric, progress_advances
from tests.test_browser_train import choose

pytestmark = pytest.mark.browser
CONTROLS = ("Pause", "Resume", "Stop", "Cancel", "Share", "Apply", "Start training")


def person(browser):
    """A browser of its own: a new context has its own cookies, so it is a new owner."""
    return browser.new_context(viewport={"width": 1400, "height": 1100}).new_page()


def button(page, name: str):
    return page.get_by_role("button", name=name, exact=True)


def set_number(page, label: str, value: str) -> None:
    field = page.get_by_role("spinbutton", name=label, exact=True)
    field.fill(value)
    field.press("Enter")
    idle(page)


def start_training(page, epochs: str) -> None:
    page.goto(page.url.split("/train")[0] + "/train")
    page.get_by_role("heading", name="Train").wait_for()
    choose(page, "Dataset", "MNIST sample (bundled)")
    idle(page)
    set_number(page, "Epochs", epochs)
    button(page, "Start training").click()


def test_two_people_train_queue_share_and_watch(browser, app_url):
    ada = person(browser)
    ada.goto(f"{app_url}/train")
    start_training(ada, "40")
    metric(ada, "Epoch").wait_for(timeout=60_000)
    button(ada, "Stop").wait_for()

    # Bob sees none of Ada's job, and may start his own
    bob = person(browser)
    bob.goto(f"{app_url}/train")
    bob.get_by_role("heading", name="Runs").wait_for()
    idle(bob)
    expect(button(bob, "Start training")).to_be_enabled()
    for name in ("Pause", "Stop", "Share"):
        expect(button(bob, name)).to_have_count(0)
    start_training(bob, "1")
    expect(bob.get_by_text("Next in the queue")).to_be_visible(timeout=30_000)
    expect(button(bob, "Cancel")).to_be_visible()
    expect(button(bob, "Start training")).to_have_count(1)  # a rerun's stale copy is gone
    expect(button(bob, "Start training")).to_be_disabled()

    # Ada reloads and finds her own job, live
    ada.reload()
    button(ada, "Stop").wait_for(timeout=30_000)
    metric(ada, "Epoch").wait_for()

    # Ada shares; Bob opens the link and watches her curves advance, with no control
    button(ada, "Share").click()
    link = ada.get_by_test_id("stCode").first.inner_text(timeout=30_000).strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/train\?watch=[A-Za-z0-9_-]+", link), link
    watcher = bob.context.new_page()
    watcher.goto(link)
    metric(watcher, "Epoch").wait_for(timeout=30_000)
    ada_chart = watcher.locator(".js-plotly-plot").first
    ada_chart.wait_for(timeout=30_000)
    progress_advances(watcher)
    for name in CONTROLS:
        expect(button(watcher, name)).to_have_count(0)
    expect(button(watcher, "Use this model")).to_have_count(1)

    # Ada stops: Bob's queued job starts in her slot
    button(ada, "Stop").click()
    ada.get_by_text("Stopped", exact=False).first.wait_for(timeout=30_000)
    expect(watcher.get_by_text("Stopped", exact=False).first).to_be_visible(timeout=30_000)
    expect(bob.get_by_text("Next in the queue")).to_have_count(0, timeout=60_000)
    for page in (ada, bob, watcher):
        page.context.close()


def test_a_name_with_markdown_is_shown_as_typed(browser, app_url):
    page = person(browser)
    page.goto(f"{app_url}/build")
    name = "**bold** [link](http://example.com) :red[red] $x$ <b>tag</b>"
    field = page.get_by_label("Model name")
    field.fill(name)
    field.press("Enter")
    idle(page)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text(name, exact=False)).to_be_visible()
    expect(sidebar.locator("strong", has_text="bold")).to_have_count(0)
    expect(sidebar.locator("a", has_text="link")).to_have_count(0)
    page.context.close()


def set_visibility(page, state: str) -> None:
    page.evaluate(
        """(state) => {
            Object.defineProperty(document, 'visibilityState', {value: state, configurable: true});
            document.dispatchEvent(new Event('visibilitychange'));
        }""",
        state,
    )


def frames_arrive(page, frames: list, count: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while len(frames) < count:
        assert time.monotonic() < deadline, f"{len(frames)} messages, not {count}"
        page.wait_for_timeout(100)


def test_a_page_in_a_hidden_tab_does_not_poll(browser, app_url):
    page = person(browser)
    frames = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(1)))
    page.goto(f"{app_url}/train")
    start_training(page, "40")
    metric(page, "Epoch").wait_for(timeout=60_000)
    frames_arrive(page, frames, len(frames) + 2)  # in view: it polls
    set_visibility(page, "hidden")
    idle(page)  # the rerun that switches polling off
    page.wait_for_timeout(1000)
    before = len(frames)
    page.wait_for_timeout(4000)  # four seconds in which a polling page gets four updates
    assert len(frames) == before  # hidden: not one
    set_visibility(page, "visible")
    frames_arrive(page, frames, before + 2)  # back in view: polling again
    button(page, "Stop").click()
    page.get_by_text("Stopped", exact=False).first.wait_for(timeout=30_000)
    page.context.close()
