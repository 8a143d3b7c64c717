"""Train the pretrained model that ships in playground/assets/pretrained/ and write it there.

    PYTHONPATH=. python scripts/make_pretrained.py --data-dir ../shared/datasets/mnist

The same as `python -m playground train --preset bn-cnn --config
playground/assets/pretrained/config.json --data-dir DIR`, then copying the run's spec.json,
config.json, weights.safetensors and summary.json into the assets folder. About 10 minutes on a
2-core CPU, under a minute on a GPU. Refuses to write a model below 99.3% MNIST test accuracy.
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
from playground.tasks.image.export.pretrained import FOLDER
from playground.tasks.image.recipe import TrainConfig
from playground.tasks.image.specs import ModelSpec

FILES = ("spec.json", "config.json", WEIGHTS, "summary.json")
MIN_ACCURACY = 0.993


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="folder with full MNIST")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--out", type=Path, default=FOLDER)
    args = parser.parse_args()
    config = TrainConfig.from_json((FOLDER / "config.json").read_text())
    if args.device != "auto":
        config = TrainConfig.from_dict({**config.to_dict(), "device": args.device})
    return train_and_keep(
        ModelSpec.from_preset("bn-cnn"), config, args.data_dir, args.out, MIN_ACCURACY
    )


def train_and_keep(spec, config, data_dir: Path, out: Path, least: float, name=None) -> int:
    """Train `spec` on full MNIST; write its run's FILES to `out` if its test accuracy is at
    least `least` (and the data was the real MNIST). The exit status."""
    with tempfile.TemporaryDirectory() as runs:
        job = TrainingJob(spec, config, name=name, data_dir=data_dir, runs_dir=runs)
        job.start()
        job.wait()
        accuracy = job.summary.get("test_accuracy") or 0.0
        print(f"{job.status}: {job.message} test accuracy {accuracy:.4f}")
        if job.data_note or accuracy < least:
            print(f"not written: full MNIST and >= {least:.1%} are required", file=sys.stderr)
            return 1
        out.mkdir(parents=True, exist_ok=True)
        for file in FILES:
            shutil.copy(job.run_dir / file, out / file)
    load_run(out)  # what was written reads back
    print(f"wrote {', '.join(FILES)} to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
