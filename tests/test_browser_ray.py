"""In a real Chromium, the app training on a Ray cluster (the test session's local one)."""

import pytest
from playwright.sync_api import expect

from tests.browser import metric, progress_advances, streamlit_server
from tests.test_browser_sharing import button, person, start_training

pytestmark = pytest.mark.browser


def test_the_train_page_trains_on_a_cluster_watches_the_curves_and_stops(
    browser, ray_cluster, tmp_path_factory
):
    import ray

    address = ray.get_runtime_context().gcs_address
    env = {"PLAYGROUND_RAY_ADDRESS": address}
    with streamlit_server(tmp_path_factory.mktemp("ray-server"), env=env) as url:
        page = person(browser)
        page.goto(f"{url}/train")
        start_training(page, "30")
        metric(page, "Epoch").wait_for(timeout=180_000)  # a worker starts: torch is imported
        page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
        progress_advances(page)
        button(page, "Stop").click()
        expect(page.get_by_text("Stopped", exact=False).first).to_be_visible(timeout=60_000)
        expect(page.get_by_text("Saved as run")).to_be_visible()
        page.context.close()
