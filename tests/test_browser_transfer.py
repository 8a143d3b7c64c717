"""Transfer in a real Chromium: Ada starts from the pretrained CNN with all but its last layer
frozen, compares with training from scratch on the bundled sample and sees both curves and
what the start bought; Bob, in another browser, opens her link and gets the same start, and
nothing of hers."""

import pytest
from playwright.sync_api import expect

from tests.browser import idle
from tests.test_browser_sharing import button, person, set_number
from tests.test_browser_train import choose

pytestmark = pytest.mark.browser
CNN = "The pretrained CNN (all ten digits)"


def open_start(page) -> None:
    page.get_by_text("Start from a trained model").first.click()
    idle(page)


def test_start_from_the_pretrained_cnn_frozen_and_compare_with_scratch(browser, app_url):
    ada = person(browser)
    ada.goto(f"{app_url}/train")
    ada.get_by_role("heading", name="Train").wait_for()
    idle(ada)
    choose(ada, "Dataset", "MNIST sample (bundled)")
    set_number(ada, "Epochs", "1")
    open_start(ada)
    choose(ada, "Start from", CNN)
    button(ada, "Use its layers").click()
    idle(ada)
    button(ada, "Train only the last layer").click()
    idle(ada)
    ada.get_by_text("tensors are frozen").first.wait_for()
    ada.get_by_text("Compare with training from scratch").click()
    idle(ada)
    assert "start=pretrained" in ada.url  # the address carries the start

    bob = person(browser)
    bob.goto(ada.url.split("?")[0] + "?start=pretrained")
    bob.get_by_role("heading", name="Train").wait_for()
    idle(bob)
    expect(bob.get_by_role("combobox", name="Start from")).to_have_value(CNN)
    expect(bob.get_by_role("button", name="Start training", exact=True)).to_be_enabled()

    button(ada, "Start training").click()
    ada.get_by_text("points of test accuracy at equal steps").wait_for(timeout=300_000)
    chart = ada.locator(".js-plotly-plot").filter(has_text="from scratch")
    chart.first.wait_for()
    text = chart.first.inner_text()
    assert "from the pretrained CNN" in text  # both curves, in the legend
    bob.reload()
    bob.get_by_role("heading", name="Train").wait_for()
    idle(bob)
    assert bob.get_by_text("points of test accuracy at equal steps").count() == 0  # not his
    ada.context.close()
    bob.context.close()
