"""In a real Chromium: Playground 2-D trains live, and takes points from clicks and from CSV."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser import idle, metric

pytestmark = pytest.mark.browser


def boundary(page):
    return page.locator(".st-key-playground2d-boundary .js-plotly-plot").last


def read_chart(page, script: str):
    """A value computed from the newest boundary chart's plotly data (while a rerun draws a new
    one, the old one is still in the page), retried until plotly has drawn it."""
    deadline = time.monotonic() + 10
    while True:
        value = page.evaluate(
            "() => { const all = document.querySelectorAll('.st-key-playground2d-boundary "
            ".js-plotly-plot'); const gd = all[all.length - 1]; "
            f"try {{ return {script}; }} catch (e) {{ return null; }} }}"
        )
        if value is not None:
            return value
        assert time.monotonic() < deadline, f"the boundary chart never answered {script}"
        page.wait_for_timeout(100)


def drawn_boundary(page) -> str:
    """The boundary's picture as the browser drew it: the chart's background image (data URL)."""
    image = "gd.querySelector('.imagelayer image, .layer-below image')"
    return read_chart(page, f"{image}.getAttribute('xlink:href') || {image}.getAttribute('href')")


def training_points(page) -> int:
    return read_chart(page, "gd._fullData.find(t => t.name === 'training points').x.length")


def test_training_redraws_the_boundary_and_the_settings_go_into_the_url(browser, app_url):
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    page.goto(f"{app_url}/playground2d")
    expect(metric(page, "Epoch")).to_have_text("0", timeout=30_000)
    expect(boundary(page)).to_be_visible()
    before = drawn_boundary(page)
    page.get_by_role("button", name="Play").click()
    expect(metric(page, "Epoch")).not_to_have_text("0", timeout=10_000)
    seen = {drawn_boundary(page)}
    for _ in range(15):  # the boundary keeps changing while it trains
        page.wait_for_timeout(300)
        seen.add(drawn_boundary(page))
    assert len(seen - {before}) >= 4, len(seen)
    page.get_by_role("button", name="Pause").click()
    idle(page)
    page.get_by_test_id("stSelectbox").filter(has_text="Dataset").first.click()
    page.get_by_role("option", name="Exclusive or").click()
    expect(page).to_have_url(re.compile(r"data=xor"), timeout=10_000)
    expect(metric(page, "Epoch")).to_have_text("0")  # new data: a fresh network
    page.close()


def test_a_click_adds_a_point_and_a_csv_brings_the_users_own(browser, app_url):
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    page.goto(f"{app_url}/playground2d")
    expect(boundary(page)).to_be_visible(timeout=30_000)
    count = training_points(page)
    page.get_by_text("class 1 (blue)").click()
    idle(page)
    grid = boundary(page).locator(".scatterlayer .trace").first.locator(".point")
    grid.nth(15 * 30 + 15).click(force=True)
    expect(
        page.get_by_text(re.compile("Your own points travel in the page.s address"))
    ).to_be_visible(timeout=10_000)
    idle(page)
    assert training_points(page) == count + 1
    csv = "x1,x2,label\n" + "\n".join(f"{i % 7 - 3},{i % 5 - 2},{i % 2}" for i in range(40))
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "mine.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    idle(page)
    deadline = time.monotonic() + 10
    while training_points(page) != 20:  # half of the 40 rows train
        assert time.monotonic() < deadline, training_points(page)
        page.wait_for_timeout(200)
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": b"1,2,3\nfour,5,6\n"}]
    )
    expect(page.get_by_text("at least 4 rows")).to_be_visible(timeout=10_000)
    page.close()


def network(page):
    return page.locator(".st-key-playground2d-network .js-plotly-plot").last


def test_a_neuron_goes_to_the_big_view_and_a_typed_weight_changes_the_boundary(browser, app_url):
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    page.goto(f"{app_url}/playground2d")
    expect(network(page)).to_be_visible(timeout=30_000)
    idle(page)
    before = drawn_boundary(page)
    # the first neuron of layer 1: its invisible square in the first "neurons" trace
    neurons = network(page).locator(".scatterlayer .trace:has(.point)")
    names = None
    while not names:  # the newest network chart's traces, once plotly has drawn it
        names = page.evaluate(
            "() => { const all = document.querySelectorAll('.st-key-playground2d-network "
            ".js-plotly-plot'); const gd = all[all.length - 1]; "
            "return gd && gd._fullData ? gd._fullData.map(t => t.name || '') : null; }"
        )
        page.wait_for_timeout(0 if names else 100)
    scatter = [n for n in names if n in ("links", "bias", "neurons")]
    first_neurons = scatter.index("neurons")
    neurons.nth(first_neurons).locator(".point").first.click(force=True)
    expect(page.get_by_role("button", name="Back to the output")).to_be_visible(timeout=10_000)
    expect(boundary(page)).to_contain_text("What layer 1, neuron 1 outputs")
    assert drawn_boundary(page) != before
    page.get_by_role("button", name="Back to the output").click()
    expect(page.get_by_role("button", name="Back to the output")).to_have_count(0, timeout=10_000)
    idle(page)
    # a link: its middle marker in the "links" trace; type a weight, the boundary changes
    before = drawn_boundary(page)
    neurons.nth(scatter.index("links")).locator(".point").first.click(force=True)
    field = page.get_by_label(re.compile(r"^Weight x1 -> neuron 1 of layer 1"))
    field.wait_for(timeout=10_000)
    field.fill("4.5")
    field.press("Enter")
    idle(page)
    page.get_by_role("button", name="Set", exact=True).click()
    page.wait_for_function(
        "([old]) => { const all = document.querySelectorAll('.st-key-playground2d-boundary "
        ".js-plotly-plot'); const gd = all[all.length - 1]; if (!gd) return false; "
        "const img = gd.querySelector('.imagelayer image, .layer-below image'); "
        "return img && (img.getAttribute('xlink:href') || img.getAttribute('href')) !== old; }",
        arg=[before],
        timeout=15_000,
    )
    page.close()


def test_a_classroom_link_hides_the_controls_it_names(browser, app_url):
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    page.goto(
        f"{app_url}/playground2d?hide=data,features,network,optimizer,loss,"
        "regularization,batch,more,lessons,tf&lr=0.1"
    )
    expect(metric(page, "Epoch")).to_have_text("0", timeout=30_000)
    expect(page.get_by_text("Learning rate", exact=True)).to_be_visible()
    main = page.get_by_test_id("stMain")  # the sidebar says the Train page's dataset
    for gone in ("Dataset", "Optimizer", "Hidden layers", "Batch size", "Lessons: ready-made"):
        expect(main.get_by_text(gone, exact=False)).to_have_count(0)
    page.close()
