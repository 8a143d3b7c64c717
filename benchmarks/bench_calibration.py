"""How well the pretrained model reads drawn digits, and how honest its confidence is: accuracy
on 70 drawings in seven styles that it never trained on, and the expected calibration error
(ECE) before and after temperature scaling, on MNIST's validation and test images and on the
drawings.

    PLAYGROUND_MNIST_DIR=../shared/datasets/mnist python -m benchmarks.bench_calibration
"""

from __future__ import annotations

import torch

from benchmarks.report import mnist_dir, table, write_section
from playground.datasets import image_sets
from playground.datasets import images as data
from playground.explain.drawing import prepare
from playground.tasks.image import calibration, evaluation
from playground.tasks.image.export import pretrained
from tests.drawn_styles import DRAWINGS, render


def main() -> None:
    run = pretrained.run()
    t = run.summary["temperature"]
    model, info = run.model(), image_sets.DATASETS["mnist"]
    mnist = data.load("mnist", mnist_dir(), val_fraction=run.config.val_fraction, download=False)
    pixels = torch.cat(
        [prepare(render(strokes, width)).pixels() for _, _, strokes, width in DRAWINGS]
    )
    drawn_y = torch.tensor([int(d) for d, *_ in DRAWINGS])
    rows = []
    for name, x, y in (
        (f"MNIST validation ({len(mnist.val_y):,}, fitted on)", mnist.val_x, mnist.val_y),
        (f"MNIST test ({len(mnist.test_y):,})", mnist.test_x, mnist.test_y),
        (f"drawings ({len(drawn_y)})", pixels, drawn_y),
    ):
        out = evaluation.outputs_of(model, x, info)
        before = calibration.expected_calibration_error(torch.softmax(out, 1), y)
        after = calibration.expected_calibration_error(torch.softmax(out / t, 1), y)
        accuracy = (out.argmax(1) == y).float().mean().item()
        confidence = torch.softmax(out / t, 1).max(1).values.mean().item()
        rows.append([name, f"{accuracy:.2%}", f"{confidence:.2%}", f"{before:.4f}", f"{after:.4f}"])
    styles = {}
    drawn_out = evaluation.outputs_of(model, pixels, info).argmax(1)
    for (_, style, *_), right in zip(DRAWINGS, (drawn_out == drawn_y).tolist(), strict=True):
        styles.setdefault(style, []).append(right)
    per_style = [[s, f"{sum(r)} / {len(r)}"] for s, r in styles.items()]
    body = f"""
The pretrained model (`playground/assets/pretrained`), temperature {t} fitted on its validation
split (`scripts/calibrate_pretrained.py`; finished jobs fit theirs the same way). The drawings
are `tests/drawn_styles.py`: each digit in six people's styles (two ways of writing most digits;
slanted, backhand, small, thick, wobbly, narrow, wide, off-centre) plus the ten browser-test
digits, painted as the canvas paints them and prepared as Draw prepares them. Confidence is the
mean calibrated top probability; ECE over {calibration.BINS} bins.

{table(rows, ["images", "accuracy", "mean confidence", "ECE before", "ECE after"])}

Right answers per style:

{table(per_style, ["style", "right"])}

The pretrained model was already close to calibrated on MNIST (cross-entropy with augmentation
and dropout); temperature scaling is fitted to minimise the validation images' log-likelihood,
not ECE, so ECE can move a little either way where it is already this small.
"""
    write_section(
        "calibration",
        "Drawn digits and calibrated confidence",
        "python -m benchmarks.bench_calibration",
        body,
    )
    print(body)


if __name__ == "__main__":
    main()
