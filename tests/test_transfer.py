"""Starting from a trained model: what is copied and why, frozen layers that do not move and
keep no optimizer state, the copied layers' learning rate, few labels per class, the CLI."""

import dataclasses
import json
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file

from playground import ASSETS
from playground.datasets import images as data
from playground.engine import transfer
from playground.engine.optimizers import OPTIMIZERS
from playground.engine.records import SpecError
from playground.engine.task import named
from playground.exchange.runs import load_run
from playground.serving.jobs import TrainingJob
from playground.tasks.image import fit, models
from playground.tasks.image.export import few_labels
from playground.tasks.image.recipe import TrainConfig
from playground.tasks.image.specs import LayerSpec, ModelSpec
from tests.browser import ROOT

PRETRAINED = ASSETS / "pretrained"


def source():
    run = load_run(PRETRAINED)
    return run.spec, load_file(str(PRETRAINED / "weights.safetensors"))


def with_head(spec: ModelSpec, outputs: int) -> ModelSpec:
    last = spec.layers[-1]
    head = LayerSpec(last.kind, {**last.params, "out_features": outputs}, last.activation)
    return dataclasses.replace(spec, layers=(*spec.layers[:-1], head))


def test_a_changed_head_is_new_and_the_rest_is_copied_bit_for_bit():
    spec, weights = source()
    model = models.build(with_head(spec, 5))
    rows = transfer.begin(model, transfer.Start(weights, "pretrained"))
    head = [r for r in rows if r.action == "new"]
    assert {r.name for r in head} == {n for n in weights if n.startswith(head[0].name[:2])}
    weight_row = next(r for r in head if r.name.endswith("weight"))
    assert weight_row.why.startswith(f"the source's is 10 x {weight_row.shape[1]}")
    assert weight_row.why.endswith(f"this one needs 5 x {weight_row.shape[1]}")
    state = model.state_dict()
    for r in rows:
        if r.action == "copied":
            assert torch.equal(state[r.name], weights[r.name]), r.name


def test_a_changed_width_says_so_and_another_model_is_refused():
    spec, weights = source()
    first = spec.layers[0]
    wider = LayerSpec(first.kind, {**first.params, "out_channels": 7}, first.activation)
    model = models.build(dataclasses.replace(spec, layers=(wider, *spec.layers[1:])))
    rows = {r.name: r for r in transfer.plan(model, weights)}
    name = next(iter(rows))
    assert rows[name].action == "new" and "this one needs 7 x" in rows[name].why
    with pytest.raises(SpecError, match="Nothing of a GPT fits this model"):
        transfer.begin(model, transfer.Start({"tok.weight": torch.zeros(3, 3)}, "a GPT"))


def test_frozen_layers_do_not_move_and_hold_no_optimizer_state():
    spec, weights = source()
    model = models.build(spec)
    rows = transfer.begin(model, transfer.Start(weights, "pretrained", ("all-but-last",), 0.1))
    frozen = {r.name for r in rows if r.frozen}
    assert frozen and all(not p.requires_grad for n, p in model.named_parameters() if n in frozen)
    optimizer = OPTIMIZERS["adam"].make(transfer.groups(model), 1e-3, 0.0)
    transfer.set_lr(optimizer, 1e-3)
    assert sorted(g["lr"] for g in optimizer.param_groups) == pytest.approx([1e-4])  # copied
    x, y = torch.randn(8, 1, 28, 28), torch.randint(0, 10, (8,))
    for _ in range(3):
        loss = torch.nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    params, state = dict(model.named_parameters()), model.state_dict()
    held = {id(p) for p in optimizer.state}
    for name in frozen:  # weights and a frozen batch norm's statistics
        assert torch.equal(state[name], weights[name]), name
        assert name not in params or id(params[name]) not in held
    assert any(not torch.equal(params[n], weights[n]) for n in params if n not in frozen)
    every = f"first:{len(transfer.layers_with_weights(model))}"
    with pytest.raises(SpecError, match="Every layer is frozen"):
        transfer.begin(models.build(spec), transfer.Start(weights, "p", (every,)))
    with pytest.raises(SpecError, match="layers with weights"):
        transfer.begin(models.build(spec), transfer.Start(weights, "p", ("first:99",)))


def test_a_jobs_frozen_layers_are_the_sources_after_training(tmp_path):
    spec, weights = source()
    config = TrainConfig(dataset="mnist-sample", epochs=1, batch_size=64, train_limit=640)
    start = transfer.Start(weights, "pretrained", ("first:2",))
    job = TrainingJob(spec, config, runs_dir=tmp_path, initial_weights=start)
    job.start()
    assert job.wait(300) and job.status.value == "finished", job.message
    s = job.summary
    assert s["start_from"] == "pretrained" and len(s["frozen"]) == 4 and not s["new"]
    after = load_file(str(job.run_dir / "weights.safetensors"))
    for name in s["frozen"]:
        assert torch.equal(after[name], weights[name]), name


def test_examples_per_class_are_balanced_seeded_and_from_the_training_split():
    full = data.load("mnist-sample")
    few = data.load("mnist-sample", examples_per_class=10, seed=1)
    assert len(few.train_y) == 100 and torch.bincount(few.train_y).tolist() == [10] * 10
    again = data.load("mnist-sample", examples_per_class=10, seed=1)
    other = data.load("mnist-sample", examples_per_class=10, seed=2)
    assert torch.equal(few.train_x, again.train_x) and not torch.equal(few.train_x, other.train_x)
    train = {bytes(x.flatten().tolist()) for x in full.train_x}
    held_out = {bytes(x.flatten().tolist()) for x in torch.cat([full.val_x, full.test_x])}
    for x in few.train_x:
        key = bytes(x.flatten().tolist())
        assert key in train and key not in held_out


def cli(*args):
    return subprocess.run([sys.executable, "-m", "playground", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)  # fmt: skip


def test_the_cli_starts_from_the_pretrained_model_with_few_labels(tmp_path):
    done = cli("train", "--spec", str(PRETRAINED / "spec.json"), "--dataset", "mnist-sample",
               "--epochs", "1", "--examples-per-class", "10", "--init-from", "pretrained",
               "--freeze", "all-but-last", "--copied-lr-factor", "0.5", "--out", str(tmp_path),
               "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["samples"] == 100 and summary["copied_lr_factor"] == 0.5
    assert summary["frozen"] and not summary["new"]
    assert summary["test_accuracy"] > 0.9  # the pretrained features, a head tuned on 100 images
    refused = cli("train", "--init-from", str(ASSETS / "language" / "shakespeare"),
                  "--dataset", "mnist-sample", "--epochs", "1", "--no-save")  # fmt: skip
    assert refused.returncode == 2 and "it cannot be a start" in refused.stderr
    alone = cli("train", "--freeze", "first:1", "--dataset", "mnist-sample", "--no-save")
    assert alone.returncode == 2 and "need --init-from" in alone.stderr


def _names(*more):
    done = cli("train", "--task", "language", "--preset", "shakespeare-char", "--corpus",
               "names", "--steps", "100", "--eval-every", "50", "--warmup-steps", "0",
               "--sample-length", "0", "--no-save", "--json", *more)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_gpt_from_shakespeare_learns_names_faster_than_from_scratch():
    """Domain adaptation: the plays' model keeps its characters (its tokenizer), so every
    weight is copied, and after the same 100 steps on names it is ahead of a fresh one."""
    fine = _names("--init-from", "pretrained", "--freeze", "blocks.0")
    assert fine["start_from"] == "shakespeare" and not fine["new"]
    assert "tokens.weight" in fine["copied"] and any(
        n.startswith("blocks.3.") for n in fine["copied"]
    )
    assert fine["frozen"] and all(n.startswith("blocks.0.") for n in fine["frozen"])
    scratch = _names()
    assert fine["val_loss"] < scratch["val_loss"] - 0.1, (fine["val_loss"], scratch["val_loss"])


def test_a_language_start_keeps_its_objective():
    from playground.tasks.language.specs import GPTSpec
    from playground.tasks.language.task import LANGUAGE

    folder = LANGUAGE.pretrained
    masked = GPTSpec(layers=4, heads=4, width=128, context=64, objective="masked")
    with pytest.raises(SpecError, match="same objective"):
        LANGUAGE.start_extra(None, folder, masked)
    kept = LANGUAGE.start_extra("my own text", folder, load_run(folder).spec)
    assert kept.text == "my own text" and kept.tokenizer.size == load_run(folder).spec.vocab


def test_a_subset_of_classes_is_relabelled_and_keeps_the_same_validation_images():
    full = data.load("mnist-sample")
    five = data.load("mnist-sample", classes=(5, 6, 7, 8, 9))
    assert five.info.classes == ("5", "6", "7", "8", "9") and five.info.subset == (5, 6, 7, 8, 9)
    for x, y, full_x, full_y in (
        (five.train_x, five.train_y, full.train_x, full.train_y),
        (five.val_x, five.val_y, full.val_x, full.val_y),
        (five.test_x, five.test_y, full.test_x, full.test_y),
    ):
        assert set(y.tolist()) == {0, 1, 2, 3, 4}
        assert torch.equal(x, full_x[full_y >= 5]) and torch.equal(y, full_y[full_y >= 5] - 5)
    with pytest.raises(data.DataError, match="has no class 12"):
        data.load("mnist-sample", classes=(3, 12))


def test_classes_are_a_setting_in_words():
    assert TrainConfig.from_dict({"classes": "5,6,7,8,9"}).classes == "5,6,7,8,9"
    for bad, words in (
        ("five", "write class numbers"),
        ("3", "at least two"),
        ("1,1", "at least two different"),
    ):
        with pytest.raises(SpecError, match=words):
            TrainConfig(classes=bad).validate()
    spec, _ = source()
    with pytest.raises(SpecError, match=r"needs one output per class \(5\)"):
        fit.check_fit(spec, TrainConfig(dataset="mnist-sample", classes="5,6,7,8,9"))
    fit.check_fit(few_labels.model(), TrainConfig(dataset="mnist-sample", classes="5,6,7,8,9"))


def test_frozen_layers_cost_no_gradient_memory_and_fewer_flops():
    spec, _ = source()
    model = models.build(spec)
    names = frozenset(transfer.frozen_names(model, ("all-but-last",)))
    full = fit.estimate_memory(spec, 64, "adam")
    frozen = fit.estimate_memory(spec, 64, "adam", frozen=names)
    head = sum(p.numel() for n, p in model.named_parameters() if n not in names) * 4
    assert frozen.gradients == head and frozen.optimizer_state == 2 * head
    assert frozen.total < full.total - 2 * (full.gradients - head)
    task = named("image")
    config = TrainConfig(dataset="mnist-sample")
    assert task.flops_per_sample(spec, config, names) < 0.5 * task.flops_per_sample(spec, config)


def test_the_cli_learns_five_new_digits_from_the_model_of_the_first_five(tmp_path):
    folder = few_labels.FOLDER
    done = cli("train", "--spec", str(folder / "spec.json"), "--dataset", "mnist-sample",
               "--classes", "5,6,7,8,9", "--examples-per-class", "10", "--epochs", "5",
               "--batch-size", "10", "--init-from", str(folder), "--freeze", "first:8",
               "--out", str(tmp_path), "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["classes"] == ["5", "6", "7", "8", "9"] and summary["samples"] == 250
    assert summary["frozen"] and summary["start_from"] == "digits-0-4"
    assert summary["test_accuracy"] > 0.8  # five new digits from 50 images, convolutions frozen
    plain = cli("train", "--spec", str(folder / "spec.json"), "--dataset", "mnist-sample",
                "--classes", "5,6,7,8,9", "--examples-per-class", "10", "--epochs", "1",
                "--init-from", str(folder), "--freeze", "all-but-last", "--no-save")  # fmt: skip
    assert plain.returncode == 0, plain.stderr
    assert "classes 5, 6, 7, 8, 9" in plain.stdout and "frozen" in plain.stdout


def test_a_gpts_frozen_blocks_cost_no_gradient_memory_and_fewer_flops():
    from playground.tasks.language import fit as language_fit
    from playground.tasks.language.task import LANGUAGE

    spec = load_run(LANGUAGE.pretrained).spec
    model = LANGUAGE.build(spec)
    names = frozenset(transfer.frozen_names(model, ("tokens", "positions", "blocks.0")))
    full = language_fit.estimate_memory(spec, spec.vocab, 12, "adamw")
    frozen = language_fit.estimate_memory(spec, spec.vocab, 12, "adamw", names)
    kept = sum(p.numel() for n, p in model.named_parameters() if n in names) * 4
    assert full.gradients - frozen.gradients == kept and frozen.total < full.total
    config = load_run(LANGUAGE.pretrained).config
    assert LANGUAGE.flops_per_sample(spec, config, names) < LANGUAGE.flops_per_sample(spec, config)
