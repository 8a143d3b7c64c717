"""The standalone training script: its model, schedule, loss and augmentation are the app's (the
app is the oracle), it runs on its own in a subprocess and starts from the app's first loss, it
is formatted and lint-clean, and trained on real MNIST it lands where the CLI's run lands."""

import importlib.util
import json
import math
import subprocess
import sys

import pytest
import torch

from playground.datasets import images as data
from playground.datasets.images import SAMPLE_DIR, Augment
from playground.engine.controls import Controls
from playground.engine.metrics import MetricsLog
from playground.engine.schedules import lr_at
from playground.tasks.image import catalog, models
from playground.tasks.image.export import standalone
from playground.tasks.image.recipe import TrainConfig
from playground.tasks.image.specs import LayerSpec, ModelSpec
from playground.tasks.image.training import prepare, train

# every layer kind, every activation, and the parameters that change the code written
EVERY_KIND = ModelSpec(
    (
        LayerSpec("conv2d", {"out_channels": 8, "kernel_size": 3, "padding": 1}, "relu"),
        LayerSpec("batchnorm", {}, "leaky_relu"),
        LayerSpec("residual", {}, "elu"),
        LayerSpec("residual", {"out_channels": 12}, "gelu"),
        LayerSpec("conv2d", {"out_channels": 8, "kernel_size": 3, "stride": 2}, "silu"),
        LayerSpec("maxpool2d", {"kernel_size": 3, "stride": 1}, "none"),
        LayerSpec("avgpool2d", {"kernel_size": 2}, "softmax"),
        LayerSpec("groupnorm", {"groups": 4}, "none"),
        LayerSpec("dropout", {"p": 0.1}, "none"),
        LayerSpec("flatten", {}, "none"),
        LayerSpec("linear", {"out_features": 32}, "tanh"),
        LayerSpec("batchnorm", {}, "sigmoid"),
        LayerSpec("linear", {"out_features": 10}, "none"),
    ),
    name="every kind",
)


def test_the_hand_built_model_has_every_layer_kind_and_activation():
    assert {x.kind for x in EVERY_KIND.layers} == set(catalog.LAYERS)
    assert {x.activation for x in EVERY_KIND.layers} == set(catalog.ACTIVATIONS)


SPECS = {name: ModelSpec.from_preset(name) for name in catalog.PRESETS} | {"every": EVERY_KIND}


def recipe(name: str, **changes) -> TrainConfig:
    preset = catalog.PRESETS[name].recipe if name in catalog.PRESETS else {}
    return TrainConfig(**{**TrainConfig().to_dict(), **preset, **changes})


def load_script(text: str, tmp_path, name: str = "script"):
    """The script as a module (its main() is not run)."""
    path = tmp_path / f"{name}.py"
    path.write_text(text)
    module_spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", SPECS)
def test_the_scripts_model_is_the_apps_layer_for_layer_and_weight_for_weight(name, tmp_path):
    spec = SPECS[name]
    module = load_script(standalone.script(spec, recipe(name)), tmp_path)
    torch.manual_seed(7)
    app = models.build(spec)
    torch.manual_seed(7)
    written = module.Net()
    assert repr(written).split("(", 1)[1] == repr(app).split("(", 1)[1]
    assert written.state_dict().keys() == app.state_dict().keys()
    for key, value in app.state_dict().items():
        assert torch.equal(written.state_dict()[key], value), key  # the same init, in order
    assert f"{sum(p.numel() for p in app.parameters()):,} parameters" in module.Net.__doc__


@pytest.mark.parametrize("schedule", catalog.SCHEDULES)
@pytest.mark.parametrize("warmup", [0.0, 1.5])
def test_the_scripts_learning_rate_is_the_apps_at_every_step(schedule, warmup, tmp_path):
    config = recipe("mlp", schedule=schedule, warmup_epochs=warmup, step_gamma=0.3, epochs=4)
    module = load_script(standalone.script(SPECS["mlp"], config), tmp_path)
    steps_per_epoch, total = 7, 28
    for step in range(total):
        expected = lr_at(
            schedule, step, total, config.lr, warmup_steps=round(warmup * steps_per_epoch),
            step_every=config.step_every_epochs * steps_per_epoch, gamma=config.step_gamma,
        )  # fmt: skip
        assert module.learning_rate(step, total, steps_per_epoch) == pytest.approx(expected)


@pytest.mark.parametrize("loss", catalog.LOSSES)
def test_the_scripts_loss_and_answers_are_the_apps(loss, tmp_path):
    module = load_script(standalone.script(SPECS["mlp"], recipe("mlp", loss=loss)), tmp_path)
    out, y = torch.randn(64, 10, generator=torch.Generator().manual_seed(1)), torch.arange(64) % 10
    smoothing = 0.1 if loss == "cross_entropy" else 0.0
    expected = catalog.LOSSES[loss].compute(out, y, 10, smoothing)
    assert torch.allclose(module.loss_fn(out, y, smoothing), expected)
    assert torch.equal(module.predictions(out), catalog.LOSSES[loss].probabilities(out).argmax(1))


def test_the_scripts_augmentation_is_the_apps(tmp_path):
    config = recipe("seed-cnn", augment=True, augment_rotation=25.0, augment_thicken=0.5)
    module = load_script(standalone.script(SPECS["seed-cnn"], config), tmp_path)
    x = data.normalise(torch.randint(0, 256, (16, 1, 28, 28), dtype=torch.uint8), 0.1307, 0.3081)
    aug = Augment(25.0, config.augment_scale, config.augment_shift, 0.5)
    expected = data.augment(x, aug, torch.Generator().manual_seed(3))
    assert torch.equal(module.augment(x, torch.Generator().manual_seed(3)), expected)


def first_loss_in_the_app(spec: ModelSpec, config: TrainConfig) -> float:
    """The loss of the first step when the app trains `spec` as `config` says."""
    dataset = data.load(
        config.dataset, val_fraction=config.val_fraction, train_limit=config.train_limit
    )
    torch.manual_seed(config.seed)
    model = prepare(models.build(spec), torch.device("cpu"), config.channels_last)
    log, controls = MetricsLog(), Controls()
    train(model, dataset, config, log, controls, lambda m: controls.stop())  # one snapshot
    return log.steps()[0].loss


def run_script(path, *args, timeout=600) -> list[dict]:
    out = subprocess.run(
        [sys.executable, str(path), *args, "--json"],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return [json.loads(line) for line in out.stdout.splitlines()]


@pytest.mark.parametrize("name", SPECS)
def test_the_script_runs_alone_and_starts_where_the_app_starts(name, tmp_path):
    config = recipe(
        name, dataset="mnist-sample", epochs=1, train_limit=384, seed=11, snapshot_every=1
    )
    spec = SPECS[name]
    path = tmp_path / standalone.file_name(spec)
    path.write_text(standalone.script(spec, config))
    *epochs, summary = run_script(path, "--data-dir", str(SAMPLE_DIR))
    assert [e["epoch"] for e in epochs] == [1]
    assert summary["epochs"] == 1 and summary["steps"] == 3
    assert summary["parameters"] == sum(p.numel() for p in models.build(spec).parameters())
    assert summary["first_loss"] == pytest.approx(first_loss_in_the_app(spec, config), rel=1e-4)
    assert 0 <= summary["test_accuracy"] <= 1 and math.isfinite(summary["test_loss"])


def test_scripts_are_formatted_and_lint_clean(tmp_path):
    names, schedules, losses = [*SPECS], [*catalog.SCHEDULES], [*catalog.LOSSES]
    for i, optimizer in enumerate(catalog.OPTIMIZERS):
        name, schedule, loss = names[i % 5], schedules[i % 4], losses[i % 4]
        config = recipe(name, optimizer=optimizer, schedule=schedule, loss=loss,
                        augment=bool(i % 2), warmup_epochs=float(i % 3))  # fmt: skip
        summary = {"test_accuracy": 0.99, "epochs": 3}
        text = standalone.script(SPECS[name], config, origin="run 2026-x", summary=summary)
        (tmp_path / f"script{i}.py").write_text(text)
    for command in (["format", "--check"], ["check"]):
        out = subprocess.run(
            ["ruff", *command, "--isolated", "."], cwd=tmp_path, capture_output=True, text=True
        )
        assert out.returncode == 0, out.stdout + out.stderr


def test_a_user_name_cannot_break_out_of_the_docstring(tmp_path):
    spec = ModelSpec(SPECS["mlp"].layers, name='x"""\nimport os; os.system("echo hi")\n"""')
    module = load_script(standalone.script(spec, recipe("mlp"), origin='run "a"'), tmp_path)
    assert "os" not in vars(module) and module.__doc__.startswith("Train")


def test_the_sample_needs_a_data_folder_and_says_so(tmp_path):
    path = tmp_path / "train.py"
    path.write_text(standalone.script(SPECS["mlp"], recipe("mlp", dataset="mnist-sample")))
    out = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert out.returncode != 0 and "pass --data-dir" in out.stderr


def test_seed_cnns_script_lands_within_half_a_point_of_the_cli_on_real_mnist(mnist_dir, tmp_path):
    config = recipe("seed-cnn", epochs=2)
    cli = subprocess.run(
        [sys.executable, "-m", "playground", "train", "--preset", "seed-cnn", "--epochs", "2",
         "--data-dir", str(mnist_dir), "--no-save", "--json"],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr[-3000:]
    app_accuracy = json.loads(cli.stdout.splitlines()[-1])["test_accuracy"]
    path = tmp_path / "train_seed_cnn.py"
    path.write_text(standalone.script(SPECS["seed-cnn"], config))
    summary = run_script(path, "--data-dir", str(mnist_dir), timeout=900)[-1]
    assert summary["epochs"] == 2
    assert abs(summary["test_accuracy"] - app_accuracy) <= 0.005, (summary, app_accuracy)
    assert app_accuracy > 0.98
