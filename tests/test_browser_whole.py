"""Whole before wider, in a real Chromium, on one server whose runs folder holds runs of every
task (tests/every_run.py), as their owner Ada: the first minute (Home reads a digit as it is
drawn; Language writes from the first screen), a language run offered only where it can be
used, and Evaluate moving between models of ten and of five classes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.browser import grid_row, idle, metric, streamlit_server
from tests.drawn_digits import DIGITS
from tests.every_run import ADA_KEY, copy_into
from tests.test_browser_draw import CANVAS, draw
from tests.test_browser_train import choose

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(every_run, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("whole")
    copy_into(every_run, workdir / "runs")
    with streamlit_server(workdir) as url:
        yield url


def ada(browser, url: str):
    """Ada's browser: her key in the cookie the app reads."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_cookies([{"name": "dlp_owner", "value": ADA_KEY, "url": url}])
    return context.new_page()


def test_the_first_minute_home_reads_a_digit_and_language_writes(browser, server):
    url = server
    page = ada(browser, url)
    page.goto(url)
    canvas = page.locator(CANVAS).first
    canvas.wait_for(timeout=60_000)
    assert canvas.bounding_box()["y"] + canvas.bounding_box()["height"] <= 1000  # first screen
    idle(page)
    draw(page, DIGITS[3][1])
    expect(metric(page, "Prediction")).to_have_text("3", timeout=5_000)
    for name in ("Build", "Train", "Draw", "Inspect", "Evaluate", "Language", "Scaling lab",
                 "Concepts", "Playground 2-D"):  # fmt: skip
        expect(page.get_by_role("main").get_by_role("link", name=name, exact=True)).to_be_visible()

    page.goto(f"{url}/language")
    generate = page.get_by_role("button", name="Generate", exact=True)
    generate.wait_for(timeout=60_000)
    assert generate.bounding_box()["y"] < 1000  # on the first screen
    prompt = page.get_by_role("textbox", name="Prompt", exact=True)
    prompt.fill("ROMEO:")
    idle(page)
    generate.click()
    page.get_by_text("As plain text, to copy").wait_for(timeout=60_000)
    written = page.locator("[data-testid=stExpander]").filter(has_text="As plain text").first
    written.click()
    expect(written).to_contain_text(re.compile(r"ROMEO:\S*\s*\S+"))
    page.context.close()


def test_a_language_run_is_offered_only_where_it_can_be_used(browser, server):
    url = server
    page = ada(browser, url)
    for where in ("draw", "inspect", "evaluate"):
        page.goto(f"{url}/{where}")
        box = page.locator("[data-testid=stSelectbox]").filter(has_text="Model").first
        box.wait_for(timeout=60_000)
        idle(page)
        box.click()
        options = page.get_by_role("option")
        options.first.wait_for()
        names = options.all_inner_texts()
        assert any("img-finished" in n for n in names), names
        assert not any("gpt-" in n for n in names), names
        page.keyboard.press("Escape")

    page.goto(f"{url}/train")
    page.get_by_role("heading", name="Runs").wait_for(timeout=60_000)
    grid = page.locator("[data-testid=stDataFrame]").first
    idle(page)
    grid_row(page, grid, "gpt-finished")
    button = page.get_by_role("button", name="Open on Language", exact=True)
    button.wait_for(timeout=30_000)
    expect(page.get_by_role("button", name="Use this model", exact=True)).to_have_count(0)
    button.click()
    page.get_by_role("heading", name="Write with it").wait_for(timeout=60_000)
    assert page.url.endswith("/language")
    idle(page)
    chosen = page.get_by_role("combobox", name="Model", exact=True)
    expect(chosen).to_have_value(re.compile("gpt-finished"))
    page.context.close()


def test_evaluate_moves_between_models_of_ten_and_five_classes(browser, server):
    """Issue 34, item 5: a cell chosen for one model's classes stuck Evaluate on an error when
    another model with other classes was chosen."""
    url = server
    page = ada(browser, url)
    page.goto(f"{url}/evaluate")
    page.get_by_text("Most confident mistakes", exact=True).wait_for(timeout=60_000)
    choose(page, "True class", "0")
    choose(page, "Predicted as", "6")
    expect(page.get_by_text(re.compile(r"True 0, predicted 6"))).to_be_visible(timeout=30_000)
    pick_model(page, "img-five")
    page.get_by_text("Most confident mistakes", exact=True).wait_for(timeout=60_000)
    idle(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_text(re.compile(r"True [5-9], predicted [5-9]"))).to_be_visible()
    pick_model(page, "^Pretrained")
    page.get_by_text("Most confident mistakes", exact=True).wait_for(timeout=60_000)
    idle(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    page.context.close()


def pick_model(page, pattern: str) -> None:
    """Choose the model whose label matches `pattern` in the "Model" picker."""
    box = page.locator("[data-testid=stSelectbox]").filter(has_text="Model").first
    wanted = page.get_by_role("option", name=re.compile(pattern)).first
    for _ in range(5):  # a rerun that lands while the list is open closes it: open it again
        idle(page)
        box.click()
        try:
            wanted.wait_for(timeout=10_000)
            wanted.click(timeout=10_000)
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            continue
        return
    raise AssertionError(f"no model matching {pattern!r}")
