"""Fit the pretrained model's temperature on its validation split and add it to its summary.

    PYTHONPATH=. python scripts/calibrate_pretrained.py --data-dir ../shared/datasets/mnist

Jobs do this when they finish (jobs.py); the pretrained model was made before they did. The
validation split is the one it was trained without (its config's val_fraction, the app's fixed
split), so the temperature is fitted on images it never learned from.
"""

from __future__ import annotations

import argparse
import json

from playground.datasets import images as data
from playground.tasks.image import calibration, evaluation
from playground.tasks.image.export import pretrained


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True, help="a folder with MNIST's IDX files")
    args = parser.parse_args()
    run = pretrained.run()
    mnist = data.load("mnist", args.data_dir, val_fraction=run.config.val_fraction, download=False)
    if mnist.name != "mnist":
        raise SystemExit(f"Full MNIST is not in {args.data_dir}.")
    outputs = evaluation.outputs_of(run.model(), mnist.val_x, mnist.info)
    found = calibration.calibrate(outputs, mnist.val_y)
    summary = {**run.summary, **found, "calibrated_on": f"{len(mnist.val_y):,} validation images"}
    (pretrained.FOLDER / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(found))


if __name__ == "__main__":
    main()
