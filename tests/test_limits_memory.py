"""The memory budget covers every pass of a job, not only its training step: the estimate of a
pass without gradients against a hand count, the batch a job's passes take under a small
budget, and a whole job's peak memory in a fresh process against the budget it was admitted
under."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from playground.engine.memory import ALLOCATOR_SLACK, PASS_BATCH_MOST, usable
from playground.engine.records import SpecError
from playground.explain import inside
from playground.serving.jobs import TrainingJob
from playground.tasks.image import evaluation, models
from playground.tasks.image.catalog import DATASETS
from playground.tasks.image.fit import (
    check_fit,
    check_pass,
    estimate_memory,
    estimate_pass,
    job_pass_batch_size,
    pass_batch_size,
)
from playground.tasks.image.recipe import TrainConfig
from playground.tasks.image.specs import LayerSpec, ModelSpec

ROOT = Path(__file__).resolve().parent.parent
MB = 2**20
# The example: one 1x1 convolution of 96 channels with padding 8 (44x44 maps), a few KB of
# spec and 1.9 million weights; its training step at batch 4 was estimated at 37 MB while a
# validation pass of 1,000 images took 1.4 GB.
PADDED = ModelSpec(
    (
        LayerSpec("conv2d", {"out_channels": 96, "kernel_size": 1, "padding": 8}, "relu"),
        LayerSpec("flatten"),
        LayerSpec("linear", {"out_features": 10}),
    ),
    name="padded",
)
WIDE = ModelSpec(
    (
        LayerSpec("flatten"),
        LayerSpec("linear", {"out_features": 1024}, "relu"),
        LayerSpec("linear", {"out_features": 1024}, "relu"),
        LayerSpec("linear", {"out_features": 10}),
    ),
    name="wide-mlp",
)
SAMPLE = TrainConfig(dataset="mnist-sample", epochs=1, train_limit=512, snapshot_every=10)


def test_a_pass_keeps_its_input_and_the_two_outputs_alive_at_its_busiest_layer():
    maps = 96 * 44 * 44 * 4  # bytes of one image's conv output, and again of its ReLU
    estimate = estimate_pass(PADDED)
    assert estimate.per_input == 28 * 28 * 4 + 2 * maps
    params = sum(p.numel() for p in models.build(PADDED).parameters())
    assert estimate.weights == 4 * params
    assert estimate.at(1000) > 2.7 * 2**30  # 1.4 GB alive, twice that from the allocator


def test_a_pass_takes_the_largest_batch_that_fits_and_at_most_a_thousand():
    budget = 64 * MB
    batch = pass_batch_size(PADDED, budget)
    estimate = estimate_pass(PADDED)
    assert 1 <= batch < PASS_BATCH_MOST
    assert estimate.at(batch) <= budget < estimate.at(batch + 1)
    assert pass_batch_size(ModelSpec.from_preset("mlp"), budget) == PASS_BATCH_MOST
    assert pass_batch_size(PADDED, 1 * MB) == 1  # a page still shows one image's answer


def test_a_job_validates_beside_what_training_holds():
    budget, config = 128 * MB, TrainConfig(**{**SAMPLE.to_dict(), "batch_size": 4})
    step = estimate_memory(PADDED, 4, config.optimizer)
    batch = job_pass_batch_size(PADDED, 4, config.optimizer, budget)
    room = usable(budget) - step.fixed
    assert ALLOCATOR_SLACK * batch * estimate_pass(PADDED).per_input <= room
    assert ALLOCATOR_SLACK * (batch + 1) * estimate_pass(PADDED).per_input > room
    job = TrainingJob(PADDED, config)
    job.set_limits(None, None, budget)
    job.start()
    assert job.wait(300) and job.status.value == "finished", job.message
    assert job.summary["pass_batch_size"] == batch
    assert 0 <= job.summary["test_accuracy"] <= 1


def test_a_model_whose_passes_cannot_fit_beside_training_is_refused_in_words():
    config = TrainConfig(batch_size=1)
    with pytest.raises(SpecError, match=r"One training step needs about 9\d MB"):
        check_fit(PADDED, config, 64 * MB)  # the step is checked first, and fails first here
    with pytest.raises(SpecError) as refused:  # the weights, their gradients and copies: 50 MB
        check_pass(PADDED, config, 52 * MB)
    assert str(refused.value).startswith("One image through this model for validation needs")
    assert "more than the 52 MB this server allows per job" in str(refused.value)
    check_pass(PADDED, config, 256 * MB)


def test_the_pages_passes_take_what_they_are_given():
    model = models.build(PADDED)
    x = torch.randint(0, 256, (25, 1, 28, 28), dtype=torch.uint8)
    whole = evaluation.outputs_of(model, x, DATASETS["mnist"], 1000)
    torch.testing.assert_close(evaluation.outputs_of(model, x, DATASETS["mnist"], 4), whole)
    stats = inside.layer_statistics(model, x.float(), batch_size=4)
    maps = inside.feature_maps(model, x.float())
    for s, out in zip(stats, maps, strict=True):
        assert s.mean == pytest.approx(out.mean().item(), rel=1e-4, abs=1e-6)
        assert s.std == pytest.approx(out.std().item(), rel=1e-4)


def _largest_admitted(spec: ModelSpec, budget: int) -> TrainConfig:
    """The recipe with the largest power-of-two batch the server admits under `budget`."""
    for batch in (128, 64, 32, 16, 8, 4, 2, 1):
        config = TrainConfig(**{**SAMPLE.to_dict(), "batch_size": batch})
        try:
            check_fit(spec, config, budget)
        except SpecError:
            continue
        return config
    raise AssertionError(f"{spec.name} is not admitted under {budget / MB:.0f} MB at all")


@pytest.mark.parametrize(
    ("spec", "budget_mb"),
    [(PADDED, 128), (ModelSpec.from_preset("seed-cnn"), 64), (WIDE, 128)],
    ids=["padded-conv", "seed-cnn", "wide-mlp"],
)
def test_an_admitted_job_stays_within_its_budget_in_a_fresh_process(spec, budget_mb):
    """Training, validation, the test pass and calibration, measured as the process's peak
    resident memory beyond what the same job with a one-layer linear model took."""
    config = _largest_admitted(spec, budget_mb * MB)
    probe = subprocess.run(
        [sys.executable, "-m", "benchmarks.memory_probe", "job", spec.to_json(),
         config.to_json(), str(budget_mb)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert probe.returncode == 0, probe.stderr[-2000:]
    growth = json.loads(probe.stdout)["growth"]
    assert growth <= 1.5 * budget_mb * MB, (
        f"{spec.name} at batch {config.batch_size} grew the process by {growth / MB:.0f} MB "
        f"under a {budget_mb} MB budget"
    )
