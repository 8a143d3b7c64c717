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
import shutil
import sys
import tempfile
from pathlib import Path

from playground.exchange.run_files import WEIGHTS
from playground.exchange.runs import load_run
from playground.serving.jobs import TrainingJob
from playground.tasks.image import few_labels

FILES = ("spec.json", "config.json", WEIGHTS, "summary.json")
MIN_ACCURACY = 0.99


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="folder with full MNIST")
    parser.add_argument("--out", type=Path, default=few_labels.FOLDER)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as runs:
        job = TrainingJob(few_labels.model(), few_labels.pretrain_config(), name="digits 0-4",
                          data_dir=args.data_dir, runs_dir=runs)  # fmt: skip
        job.start()
        job.wait()
        accuracy = job.summary.get("test_accuracy") or 0.0
        print(f"{job.status}: {job.message} test accuracy {accuracy:.4f}")
        if job.data_note or accuracy < MIN_ACCURACY:
            print("not written: full MNIST and >= 99% are required", file=sys.stderr)
            return 1
        args.out.mkdir(parents=True, exist_ok=True)
        for name in FILES:
            shutil.copy(job.run_dir / name, args.out / name)
    load_run(args.out)  # what was written reads back
    print(f"wrote {', '.join(FILES)} to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
