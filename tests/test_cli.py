"""The command line, run as a user runs it: a subprocess, its output and its exit code."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent


def cli(*args, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "playground", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_train_prints_epochs_and_a_summary_then_eval_agrees(tmp_path):
    out = cli("train", "--preset", "mlp", "--dataset", "mnist-sample", "--epochs", "2",
              "--train-limit", "3000", "--json", "--out", tmp_path)  # fmt: skip
    assert out.returncode == 0, out.stderr
    lines = json_lines(out.stdout)
    assert [line["type"] for line in lines] == ["epoch", "epoch", "summary"]
    summary = lines[-1]
    for key in ("test_accuracy", "epochs", "train_seconds", "samples_per_second", "device"):
        assert key in summary
    assert 0.8 < summary["test_accuracy"] <= 1 and summary["epochs"] == 2
    assert summary["device"].startswith("cpu")
    declared = {m["key"]: m for m in summary["metrics"]}  # what the task declares it reaches
    assert declared["test_accuracy"]["value"] == summary["test_accuracy"]
    assert (
        not declared["test_accuracy"]["lower_is_better"]
        and declared["test_loss"]["lower_is_better"]
    )
    assert "values" in lines[0]  # an epoch's named numbers (none for images)
    run_dir = Path(summary["run_dir"])
    assert {p.name for p in run_dir.iterdir()} == {
        "spec.json",
        "config.json",
        "metrics.jsonl",
        "weights.safetensors",
        "summary.json",
        "history.safetensors",
    }
    evaluated = cli("eval", run_dir, "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    assert json_lines(evaluated.stdout)[0]["test_accuracy"] == summary["test_accuracy"]


def test_a_bad_spec_file_gets_a_sentence_not_a_traceback(tmp_path):
    spec = tmp_path / "spec.json"
    spec.write_text(
        '{"layers": [{"kind": "conv2d"}, {"kind": "linear", "params": {"out_features": 10}}]}'
    )
    out = cli("train", "--spec", spec, "--dataset", "mnist-sample")
    assert out.returncode == 2
    assert out.stderr.startswith("error: Layer 2 (Linear): Linear needs a flat vector")
    assert "Traceback" not in out.stderr
    missing = cli("train", "--spec", tmp_path / "nope.json")
    assert missing.returncode == 2 and "cannot be read" in missing.stderr


def test_flags_override_the_recipe_and_a_new_optimizer_brings_its_lr(tmp_path):
    out = cli("train", "--preset", "mlp", "--dataset", "mnist-sample", "--optimizer", "sgd",
              "--epochs", "1", "--train-limit", "500", "--no-save", "--json")  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert json_lines(out.stdout)[-1]["run_dir"] is None


@pytest.mark.mnist
def test_data_import_then_show(tmp_path, mnist_dir):
    imported = cli("data", "import", mnist_dir, "--data-dir", tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert sorted(p.name for p in (tmp_path / "MNIST" / "raw").iterdir()) == [
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
    ]
    shown = cli("data", "show", "--data-dir", tmp_path)
    assert "mnist: 60,000 train, 10,000 test images" in shown.stdout
    empty = cli("data", "import", tmp_path / "nothing")
    assert empty.returncode == 2 and "does not hold the four MNIST digits IDX files" in empty.stderr


@pytest.mark.mnist
def test_seed_cnn_reaches_99_percent_on_real_mnist_with_the_default_recipe(tmp_path, mnist_dir):
    out = cli("train", "--preset", "seed-cnn", "--dataset", "mnist", "--data-dir", mnist_dir,
              "--json", "--out", tmp_path, timeout=600)  # fmt: skip
    assert out.returncode == 0, out.stderr
    summary = json_lines(out.stdout)[-1]
    assert summary["epochs"] <= 3
    assert summary["test_accuracy"] >= 0.99, summary


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_asking_for_a_gpu_that_is_not_there_is_a_usage_error():
    out = cli("train", "--preset", "mlp", "--dataset", "mnist-sample", "--device", "cuda")
    assert out.returncode == 2
    assert "has no CUDA GPU: choose auto or cpu" in out.stderr
