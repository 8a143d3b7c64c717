"""A language model's run end to end: trained as a job, saved with its tokenizer and timeline,
exported (a standalone script whose model is the app's weight for weight, ONNX with a dynamic
length, a bundle that comes back), written from by the CLI."""

import json
import subprocess
import sys
import types
from pathlib import Path

import pytest
import torch

from playground.engine.task import named
from playground.exchange import bundle_import, bundles, runs
from playground.serving.jobs import TrainingJob
from playground.tasks.language.recipe import LanguageConfig
from playground.tasks.language.specs import GPTSpec

ROOT = Path(__file__).resolve().parent.parent
TINY = GPTSpec(layers=2, heads=2, width=32, context=16, name="tiny-names")
QUICK = LanguageConfig(corpus="names", steps=60, batch_size=16, eval_every=20, eval_batches=4,
                       sample_length=30, lr=3e-3)  # fmt: skip


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    job = TrainingJob(TINY, QUICK, runs_dir=root, name="tiny-names")
    job.start()
    assert job.wait(300) and job.status.value == "finished", job.message
    return runs.load_run(job.run_dir)


def test_a_run_keeps_its_tokenizer_timeline_and_results(run):
    assert run.task.name == "language" and run.spec.vocab == 27
    assert (run.path / "tokenizer.json").exists() and (run.path / "task.json").exists()
    log = run.log()
    assert len(log.epochs()) == 3 and [n.step for n in log.notes()] == [20, 40, 60]
    assert all(isinstance(n.text, str) for n in log.notes())
    s = run.summary
    assert s["val_loss"] < 3.3 and s["tokens_per_second"] > 0 and s["steps"] == 60
    assert s["val_bits_per_char"] == pytest.approx(s["val_loss"] / 0.6931471805599453, rel=0.05)


def test_the_standalone_script_builds_the_apps_model_weight_for_weight(run):
    source = run.task.script(run)
    module = types.ModuleType("train_script")
    exec(compile(source, "train.py", "exec"), module.__dict__)
    torch.manual_seed(QUICK.seed)
    theirs = module.GPT(module.GPTSpec(), len(module.VOCAB))
    torch.manual_seed(QUICK.seed)
    ours = named("language").build(run.spec)
    assert theirs.state_dict().keys() == ours.state_dict().keys()
    for name, value in ours.state_dict().items():
        assert torch.equal(value, theirs.state_dict()[name]), name
    first = run.history()[0].state  # the job's own weights before its first step
    for name, value in first.items():
        assert torch.equal(value, ours.state_dict()[name]), name


def test_the_script_trains_on_its_own(run, tmp_path):
    (tmp_path / "train.py").write_text(run.task.script(run))
    (tmp_path / "names.txt").write_text("\n".join(["anna", "bob", "cleo", "dan"] * 200) + "\n")
    out = subprocess.run([sys.executable, "train.py", "--text", "names.txt", "--steps", "20"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    assert "step 20: loss" in out.stdout and (tmp_path / "model.pt").exists()


def test_onnx_takes_any_length_up_to_the_context(run):
    exported = run.task.onnx(run)
    assert exported.max_difference <= 1e-4 and exported.lengths == (1, 8, 16)


def test_a_bundle_of_a_language_run_comes_back_with_its_tokenizer(run, tmp_path):
    back = bundle_import.import_bundle(bundles.make_bundle(run), tmp_path, "browser:z", "l.zip")
    assert back.task.name == "language" and back.spec == run.spec
    assert (back.path / "tokenizer.json").read_bytes() == (run.path / "tokenizer.json").read_bytes()
    assert len(back.log().notes()) == 3


def test_the_cli_trains_with_a_time_limit_and_generates(tmp_path):
    cli = [sys.executable, "-m", "playground"]
    out = subprocess.run([*cli, "train", "--task", "language", "--preset", "names-tiny",
                          "--steps", "1000000", "--time-limit", "3", "--eval-every", "100",
                          "--out", str(tmp_path), "--json"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    assert {"val_loss", "train_seconds", "tokens_per_second", "run_dir"} <= set(summary)
    training = summary["train_seconds"] - summary["validation_seconds"]  # what the limit counts
    assert training < 4 and summary["steps"] < 1_000_000  # the limit stopped it
    made = subprocess.run([*cli, "generate", summary["run_dir"], "--prompt", "", "--samples",
                           "3", "--length", "30", "--seed", "1", "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert made.returncode == 0, made.stderr[-2000:]
    lines = [json.loads(x) for x in made.stdout.splitlines()]
    assert len(lines) == 3 and all("\n" not in x["text"] for x in lines)
