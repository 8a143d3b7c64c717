"""A real Streamlit server and a real Chromium, for the browser tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def fake_microphone(folder: Path) -> list[str]:
    """Chromium's arguments for a fake microphone that says "seven" (the first English test
    voice's, after a moment of silence and followed by seconds of it) whenever a page records:
    the Listen page's tests record from it."""
    import librosa
    import numpy as np
    import soundfile as sf

    from playground.datasets import spoken

    _train, test = spoken.load()
    first = np.flatnonzero((test.digits == 7) & (test.languages == "en"))[0]
    rate = 16_000
    said = librosa.resample(test.clips[first], orig_sr=spoken.RATE, target_sr=rate)
    audio = np.concatenate([np.zeros(rate // 5), said, np.zeros(rate * 5)]).astype(np.float32)
    path = folder / "seven.wav"
    sf.write(path, audio, rate, subtype="PCM_16")
    return ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={path}"]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(workdir: Path, env: dict | None = None, prefix: tuple = ()):
    """`streamlit run app.py` on a free port, with its own data and runs folders; yields the
    base URL once /_stcore/health answers, and stops the server by its process id at the end.
    `prefix` goes before the command (e.g. taskset, for a benchmark)."""
    port = _free_port()
    log = open(workdir / "server.log", "w")  # noqa: SIM115 - closed in finally
    server_env = {
        **os.environ,
        "PLAYGROUND_DATA_DIR": str(workdir / "data"),
        "PLAYGROUND_RUNS_DIR": str(workdir / "runs"),
        **(env or {}),
    }
    process = subprocess.Popen(
        [*prefix, sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=server_env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the server did not start:\n{(workdir / 'server.log').read_text()}"
                )
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def chromium_or_skip():
    """Playwright's sync API with Debian's Chromium launched; skips (fails in CI) without it."""
    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if executable is None:
        message = "the browser tests need Chromium at /usr/bin/chromium (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    return sync_playwright, {"executable_path": executable, "args": CHROMIUM_ARGS}


def metric(page, label: str):
    """The value of the st.metric whose label is exactly `label` (so "Epoch" is not "Epochs")."""
    return (
        page.locator("[data-testid=stMetric]")
        .filter(has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True))
        .locator("[data-testid=stMetricValue]")
    )


def idle(page) -> None:
    """Wait until the app has finished its rerun (the running indicator is gone)."""
    from playwright.sync_api import expect

    page.wait_for_timeout(300)
    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=30_000)


def progress_advances(page, timeout: float = 60_000) -> None:
    """Wait until the job's progress text (its step) changes: it trains, and the page shows it."""
    before = page.get_by_test_id("stProgress").first.inner_text()
    page.wait_for_function(
        """(before) => {
            const bar = document.querySelector('[data-testid=stProgress]');
            return bar && bar.innerText !== before;
        }""",
        arg=before,
        timeout=timeout,
    )


ROW = 35  # px: the height of the header and of each row of Streamlit's data grid


def grid_row(page, grid, showing: str) -> None:
    """Tick the selection box of a data grid's row, found by a cell that shows `showing`.

    The grid draws on a canvas; its accessibility table (hidden) holds the cells' text and each
    row's index, which places the click on the row's box (the grid scrolled to it first)."""
    cell = grid.get_by_role("gridcell", name=showing, exact=True, include_hidden=True).first
    cell.wait_for(state="attached")
    index = int(cell.locator("xpath=..").get_attribute("aria-rowindex")) - 1  # 1: the header
    grid.scroll_into_view_if_needed()
    # a long table scrolls: its row first in view (or as far as it goes), drawn, then clicked
    scroller = grid.locator(".dvn-scroller").first
    top = scroller.evaluate("(e, y) => { e.scrollTop = y; return e.scrollTop; }",
                            max(0, (index - 1) * ROW))  # fmt: skip
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 16, box["y"] + ROW * index - top + ROW // 2)


def example_run(folder: Path, preset: str, epochs: int, train_limit: int) -> Path:
    """A finished run of `preset` on the bundled sample in folder/runs, with no owner (an
    example every browser sees, as the CLI makes them); its folder."""
    from playground.serving.jobs import TrainingJob
    from playground.tasks.image.recipe import TrainConfig
    from playground.tasks.image.specs import ModelSpec

    config = TrainConfig(
        dataset="mnist-sample", epochs=epochs, train_limit=train_limit, batch_size=100
    )
    job = TrainingJob(ModelSpec.from_preset(preset), config, runs_dir=folder / "runs")
    job.start()
    assert job.wait(120) and job.status.value == "finished", job.message
    return job.run_dir
