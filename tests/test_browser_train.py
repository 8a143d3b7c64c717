"""In a real Chromium: pick a model, train on the bundled sample, watch it live, reload, stop."""

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.browser import grid_row, idle, metric

pytestmark = pytest.mark.browser


def choose(page, label: str, option: str) -> None:
    """Pick `option` in the selectbox labelled `label`. A rerun that lands while the list is
    open closes it again, so the list is opened until the option shows (a state, not a moment);
    while a rerun moves the box, Streamlit shows its stale copy too, so it waits for one."""
    box = page.locator("[data-testid=stSelectbox]").filter(has_text=label)
    wanted = page.get_by_role("option", name=option, exact=True)
    for _ in range(5):
        idle(page)
        expect(box).to_have_count(1, timeout=30_000)  # a rerun's stale copy has gone
        box.click()
        try:
            wanted.wait_for(timeout=10_000)
            wanted.click(timeout=10_000)
        except PlaywrightTimeout:  # the list closed under a rerun (before or as it was
            page.keyboard.press("Escape")  # clicked): open it again
            continue
        return
    box.click()
    wanted.click()


def epoch_number(page) -> int:
    return int(metric(page, "Epoch").inner_text().split("/")[0])


def test_train_watch_reload_and_stop(browser, app_url):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{app_url}/build")
    choose(page, "Start from", "Seed CNN")
    page.get_by_role("button", name="Load", exact=True).click()
    page.get_by_text("Ready to train.").wait_for()

    page.get_by_role("link", name="Train").first.click()
    page.get_by_role("heading", name="Train").wait_for()
    choose(page, "Dataset", "MNIST sample (bundled)")
    epochs = page.get_by_label("Epochs", exact=True)
    epochs.fill("30")
    epochs.press("Enter")
    idle(page)
    page.get_by_role("button", name="Start training", exact=True).click()

    # the loss chart appears and the epoch counter moves while we watch
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    metric(page, "Epoch").wait_for()
    first = epoch_number(page)
    page.wait_for_function(
        """([first]) => {
            const m = [...document.querySelectorAll('[data-testid=stMetric]')]
                .find(e => e.innerText.includes('Epoch'));
            return m && parseInt(m.querySelector('[data-testid=stMetricValue]').innerText) > first;
        }""",
        arg=[first],
        timeout=60_000,
    )
    assert re.fullmatch(r"\d+ / 30", metric(page, "Epoch").inner_text().strip())

    # a reload starts a new session: the job is still found, and still live
    page.reload()
    metric(page, "Epoch").wait_for(timeout=30_000)
    assert epoch_number(page) >= 1
    # ... with the model and settings it was started with
    expect(page.get_by_role("combobox", name="Dataset")).to_have_value("MNIST sample (bundled)")
    expect(page.get_by_role("spinbutton", name="Epochs", exact=True)).to_have_value("30")
    page.get_by_role("button", name="Stop", exact=True).wait_for()

    page.get_by_role("button", name="Stop", exact=True).click()
    page.get_by_text("Stopped", exact=False).first.wait_for(timeout=30_000)
    expect(page.get_by_role("button", name="Start training", exact=True)).to_be_enabled()
    page.close()


def train_once(page, lr: str) -> None:
    for label, value in (("Epochs", "1"), ("Learning rate", lr)):
        field = page.get_by_role("spinbutton", name=label, exact=True)
        field.fill(value)
        field.press("Enter")
        idle(page)
    page.get_by_role("button", name="Start training", exact=True).click()
    page.get_by_text("Finished 1 epoch in").first.wait_for(timeout=60_000)


def select_row(page, grid, showing: str) -> None:
    """Tick the selection box of the grid's row that has a cell showing `showing`."""
    idle(page)
    grid_row(page, grid, showing)


def test_runs_compare_and_use(browser, app_url):
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    page.goto(f"{app_url}/train")
    choose(page, "Dataset", "MNIST sample (bundled)")
    page.get_by_text("More settings").click()
    limit = page.get_by_role("spinbutton", name="Train on at most N images (0: all)")
    limit.fill("2000")
    limit.press("Enter")
    train_once(page, "0.003")
    page.reload()
    page.get_by_role("heading", name="Runs").wait_for()
    train_once(page, "0.0005")

    grid = page.locator("[data-testid=stDataFrame]").first
    select_row(page, grid, "0.0005")  # the second run, by its learning rate
    page.get_by_role("button", name="Use this model").wait_for(timeout=10_000)
    select_row(page, grid, "0.003")
    differ = page.get_by_text("Settings that differ are highlighted").first  # (a rerun may
    differ.wait_for(timeout=10_000)  # briefly show the old one beside the new)
    idle(page)
    differ = differ.inner_text()
    assert "Learning rate" in differ
    expect(page.locator(".js-plotly-plot").filter(has_text="Validation accuracy")).to_have_count(1)

    select_row(page, grid, "0.003")  # back to one run: it can be used as the current model
    note = page.get_by_text("is now the current model")
    for _ in range(3):  # a press on a copy that a rerun replaces is lost: press until it shows
        idle(page)
        page.get_by_role("button", name="Use this model").click(timeout=30_000)
        try:
            note.wait_for(timeout=20_000)
            break
        except PlaywrightTimeout:
            continue
    note.wait_for()
    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden()
    expect(page.get_by_role("button", name="Download weights").first).to_be_enabled()
    page.close()
