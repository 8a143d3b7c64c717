"""Accuracy and time of the presets' recipes through the CLI, on real MNIST.

    export PLAYGROUND_MNIST_DIR=/path/to/mnist
    python -m benchmarks.bench_accuracy --device cpu
    python -m benchmarks.bench_accuracy --device cpu --presets bn-cnn
    python -m benchmarks.bench_accuracy --device cuda --presets seed-cnn bn-cnn

Runs `python -m playground train --json` as a user would and writes the section
'accuracy-<device>-<presets>' of BENCHMARKS.md.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

from benchmarks.report import table, write_section


def train(preset: str, device: str, folder: str, out: str, *extra: str) -> dict:
    command = [
        sys.executable, "-m", "playground", "train", "--preset", preset, "--dataset", "mnist",
        "--data-dir", folder, "--device", device, "--json", "--out", out, *extra,
    ]  # fmt: skip
    print(" ".join(command[1:]), flush=True)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [json.loads(x) for x in done.stdout.splitlines() if x.startswith("{")]
    if done.returncode or not lines:
        sys.exit(f"training failed:\n{done.stderr}")
    summary = lines[-1]
    summary["epoch_records"] = [x for x in lines if x["type"] == "epoch"]
    summary["flags"] = " ".join(extra)
    print(json.dumps({k: v for k, v in summary.items() if k != "epoch_records"}), flush=True)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--presets", nargs="+", default=["seed-cnn"], choices=["seed-cnn", "bn-cnn"]
    )
    parser.add_argument("--runs-out", default=None, help="keep the runs here")
    args = parser.parse_args()
    folder = os.environ.get("PLAYGROUND_MNIST_DIR")
    if not folder:
        sys.exit("Set PLAYGROUND_MNIST_DIR to a folder with the MNIST IDX files.")
    out = args.runs_out or tempfile.mkdtemp()

    plan = []
    if "seed-cnn" in args.presets:
        plan += [("seed-cnn", ()), ("seed-cnn", ("--epochs", "2"))]
        if args.device != "cpu":
            plan.append(("seed-cnn", ("--epochs", "1")))
    if "bn-cnn" in args.presets:
        plan.append(("bn-cnn", ()))
        if args.device != "cpu":
            plan.append(("bn-cnn", ("--epochs", "30")))
    results = [(preset, train(preset, args.device, folder, out, *extra)) for preset, extra in plan]

    rows = []
    for preset, s in results:
        rows.append(
            [
                f"`{preset}` {s['flags'] or '(its recipe)'}",
                s["epochs"],
                f"{s['test_accuracy'] * 100:.2f}%",
                f"{s['train_seconds']:.1f} s",
                f"{s['samples_per_second']:,.0f}",
                s["device"],
            ]
        )
    body = table(rows, ["run", "epochs", "test accuracy", "training time", "img/s", "device"])
    body += (
        "\n\nTraining time includes the per-epoch validation pass, not data loading or the final"
        " test pass. The recipe is the CLI's default (Adam, one-cycle to 3e-3, batch 128, 10% of"
        " train held out for validation) plus the preset's own settings (bn-cnn: 15 epochs with"
        " augmentation)."
    )
    key = f"accuracy-{args.device}-{'-'.join(args.presets)}"
    write_section(
        key,
        f"Accuracy on MNIST through the CLI: {', '.join(args.presets)} ({args.device})",
        f"PLAYGROUND_MNIST_DIR=... python -m benchmarks.bench_accuracy --device {args.device} "
        f"--presets {' '.join(args.presets)}",
        body,
    )
    with open(os.path.join(out, f"{key}.json"), "w") as f:
        json.dump([s for _, s in results], f, indent=1)


if __name__ == "__main__":
    main()
