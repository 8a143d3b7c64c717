"""The GPU fast path changes nothing a user sees: reading the metrics back every few steps logs
the same records (and finds a diverging loss at the same step), bf16 autocast lands at the same
accuracy within noise; and each technique is off where it does not apply."""

import dataclasses

import pytest
import torch

from playground.datasets import images as data
from playground.engine.controls import Controls
from playground.engine.devices import READ_EVERY_GPU, FastPath
from playground.engine.metrics import MetricsLog, Status
from playground.tasks.image import models
from playground.tasks.image.recipe import TrainConfig
from playground.tasks.image.specs import ModelSpec
from playground.tasks.image.training import evaluate, train

QUICK = TrainConfig(dataset="mnist-sample", epochs=2, batch_size=64, train_limit=1500, seed=3)


def trained(config: TrainConfig, fast: FastPath, preset: str = "mlp"):
    dataset = data.load(config.dataset, train_limit=config.train_limit)
    torch.manual_seed(config.seed)
    model = models.build(ModelSpec.from_preset(preset))
    log = MetricsLog()
    outcome = train(model, dataset, config, log, Controls(), fast=fast)
    return outcome, log, model, dataset


def without_times(records) -> list[dict]:
    drop = {"seconds", "samples_per_second"}
    return [{k: v for k, v in dataclasses.asdict(r).items() if k not in drop} for r in records]


def test_reading_back_every_few_steps_logs_the_same_records():
    _, each, _, _ = trained(QUICK, FastPath())
    _, batched, _, _ = trained(QUICK, FastPath(read_every=5))
    assert without_times(batched.steps()) == without_times(each.steps())
    assert without_times(batched.epochs()) == without_times(each.epochs())
    assert len(each.steps()) == 2 * 24  # 1500 images in batches of 64, twice


def test_a_diverging_loss_is_found_at_the_same_step_either_way():
    config = dataclasses.replace(QUICK, optimizer="sgd", lr=100.0)
    a, log_a, _, _ = trained(config, FastPath())
    b, log_b, _, _ = trained(config, FastPath(read_every=READ_EVERY_GPU))
    assert a.status is b.status is Status.DIVERGED
    assert a.message == b.message and a.steps == b.steps
    assert without_times(log_a.steps()) == without_times(log_b.steps())


def test_bf16_autocast_lands_at_the_same_accuracy_within_noise():
    config = dataclasses.replace(QUICK, epochs=1, train_limit=3000)
    _, _, plain, dataset = trained(config, FastPath(), "seed-cnn")
    _, _, fast, _ = trained(config, FastPath(torch.bfloat16, 4), "seed-cnn")  # on the CPU here
    args = (dataset.test_x, dataset.test_y, "cross_entropy", dataset.info)
    assert abs(evaluate(fast, *args)[1] - evaluate(plain, *args)[1]) < 0.02


@pytest.mark.parametrize("device", ["cpu", "mps"])
def test_the_fast_path_is_off_where_it_does_not_pay(device):
    assert FastPath.for_device(torch.device(device)) == FastPath(None, 1)


def test_on_a_cuda_gpu_bf16_only_where_the_gpu_has_it():
    assert FastPath.for_device(torch.device("cuda"), bf16=True) == FastPath(torch.bfloat16, 8)
    old = FastPath.for_device(torch.device("cuda"), bf16=False)  # e.g. a GTX 1080
    assert old.autocast is None and old.read_every == READ_EVERY_GPU


def test_the_setting_turns_it_off():
    config = dataclasses.replace(QUICK, gpu_fast_path=False)
    assert config.to_dict()["gpu_fast_path"] is False
    assert TrainConfig.from_dict(config.to_dict()) == config
