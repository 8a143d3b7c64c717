"""In a real Chromium: draw digits with the mouse on /draw and read the "Prediction"."""

import pytest
from playwright.sync_api import expect

from tests.browser import idle, metric
from tests.drawn_digits import DIGITS

pytestmark = pytest.mark.browser
CANVAS = "[data-testid=stBidiComponentIsolated] canvas.upper-canvas"


def prediction(page):
    return metric(page, "Prediction")


def draw(page, strokes) -> None:
    box = page.locator(CANVAS).first.bounding_box()
    for stroke in strokes:
        (x, y), rest = stroke[0], stroke[1:]
        page.mouse.move(box["x"] + x, box["y"] + y)
        page.mouse.down()
        for x, y in rest:
            page.mouse.move(box["x"] + x, box["y"] + y, steps=6)
        page.mouse.up()


def test_drawn_digits_are_read_by_the_pretrained_model(browser, app_url):
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    page.goto(f"{app_url}/draw")
    page.locator(CANVAS).first.wait_for()
    expect(prediction(page)).to_have_text("-")  # an empty canvas: no digit
    answers = {}
    for digit, strokes in DIGITS:
        draw(page, strokes)
        expect(prediction(page)).not_to_have_text("-", timeout=10_000)
        idle(page)
        answers[digit] = prediction(page).inner_text().strip()
        expect(page.get_by_text("Calibrated: its outputs are divided by 1.13")).to_be_visible()
        page.get_by_role("button", name="Reset canvas & history").click()
        expect(prediction(page)).to_have_text("-", timeout=10_000)
    right = [d for d, a in answers.items() if d == a]
    assert len(right) >= 9, answers
    page.close()


def test_on_a_phone_the_answer_sits_right_under_the_canvas(browser, app_url):
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto(f"{app_url}/draw")
    canvas = page.locator(CANVAS).first
    canvas.wait_for()
    draw(page, DIGITS[3][1])
    expect(prediction(page)).to_have_text("3", timeout=10_000)
    canvas_box, answer_box = canvas.bounding_box(), prediction(page).bounding_box()
    toggle_box = page.get_by_text("Crop to the ink").bounding_box()
    assert canvas_box["x"] + canvas_box["width"] <= 390  # the canvas fits the screen
    assert canvas_box["y"] + canvas_box["height"] <= answer_box["y"] < toggle_box["y"]
    page.close()


def test_with_the_job_training_now_the_same_drawing_is_answered_by_newer_weights(browser, app_url):
    from tests.test_browser_sharing import button, person, start_training

    page = person(browser)
    page.goto(f"{app_url}/train")
    start_training(page, "40")
    metric(page, "Epoch").wait_for(timeout=60_000)
    page.get_by_role("link", name="Draw").first.click()
    page.locator(CANVAS).first.wait_for()
    page.locator("[data-testid=stSelectbox]").filter(has_text="Model").click()
    page.get_by_role("option", name="Live: your job training now (seed-cnn)").click()
    idle(page)
    draw(page, DIGITS[7][1])
    expect(prediction(page)).not_to_have_text("-", timeout=10_000)
    confidence = metric(page, "Confidence")
    first = confidence.inner_text()
    # nothing is drawn again: the page answers the same drawing with the job's newer weights
    expect(confidence).not_to_have_text(first, timeout=30_000)
    page.get_by_role("link", name="Train").first.click()
    button(page, "Stop").click()
    expect(page.get_by_text("Stopped", exact=False).first).to_be_visible(timeout=30_000)
    page.context.close()
