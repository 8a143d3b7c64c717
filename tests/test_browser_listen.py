"""The Listen page in a real Chromium whose microphone says "seven" (a test voice's, which the
model never heard: tests/browser.fake_microphone): recorded, it is heard as a 7 with its
probabilities and what decided it; then recorded three times to teach the model that voice,
fine-tuned in the background, and its answers before and after shown; another person sees none
of those recordings."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import idle
from tests.test_browser_sharing import button, person
from tests.test_browser_train import choose

pytestmark = pytest.mark.browser


def record(page, label: str) -> None:
    """Record from the fake microphone until its clock shows two seconds (a state of the
    recorder), then stop."""
    box = page.get_by_test_id("stAudioInput").filter(has_text=label)
    box.get_by_role("button", name="Record", exact=True).click()
    expect(box.get_by_test_id("stAudioInputWaveformTimeCode")).to_have_text(
        re.compile(r"00:0[2-9]"), timeout=30_000
    )
    box.get_by_role("button", name="Stop recording", exact=True).click()
    idle(page)


def test_a_digit_said_is_heard_and_the_voice_is_taught(browser, app_url):
    ada = person(browser)
    ada.goto(f"{app_url}/listen")
    ada.get_by_role("heading", name="Say a digit").wait_for(timeout=60_000)
    idle(ada)
    record(ada, "Say a digit")
    expect(ada.get_by_text(re.compile(r"It heard 7 \(\d+% sure\)"))).to_be_visible(timeout=60_000)
    for key in ("probabilities", "heard", "why"):
        expect(ada.locator(f".st-key-listen-{key} .js-plotly-plot").first).to_be_visible()

    choose(ada, "The digit you will say", "7")
    for kept in (1, 2, 3):
        record(ada, "Say 7")
        button(ada, "Keep this recording").click()
        ada.get_by_text(f"You kept {kept} recording").wait_for(timeout=60_000)
        idle(ada)
    bob = person(browser)
    bob.goto(f"{app_url}/listen")
    bob.get_by_role("heading", name="Teach it your voice").wait_for(timeout=60_000)
    idle(bob)
    expect(bob.get_by_text("Record each digit a few times")).to_be_visible()

    button(ada, "Fine-tune on my voice").click()
    said = ada.get_by_text(re.compile(r"On your held-back recordings.*: \d of 1 right before"))
    said.wait_for(timeout=300_000)
    for page in (ada, bob):
        page.context.close()
