"""Train the model of the ready transfer experiment (a CNN of MNIST digits 0-4) and write it to
playground/assets/digits-0-4/.

    PYTHONPATH=. python scripts/make_digits_0_4.py --data-dir ../shared/datasets/mnist

The same as `python -m playground train --spec SPEC --dataset mnist --classes 0,1,2,3,4
--epochs 2`, then copying the run's spec.json, config.json, weights.safetensors and
summary.json. About two minutes on a 2-core CPU. Refuses a model below 99% on the test images
of 0-4.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from make_pretrained import train_and_keep  # beside this script

from playground.tasks.image.export import few_labels

MIN_ACCURACY = 0.99


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="folder with full MNIST")
    parser.add_argument("--out", type=Path, default=few_labels.FOLDER)
    args = parser.parse_args()
    return train_and_keep(few_labels.model(), few_labels.pretrain_config(), args.data_dir,
                          args.out, MIN_ACCURACY, name="digits 0-4")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
