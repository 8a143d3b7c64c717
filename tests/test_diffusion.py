"""The diffusion model of playground/tasks/generate against oracles: noising in one jump is
noising step by step, the last level leaves no signal, the deterministic sampler given the true
noise returns the clean image, guidance 0 is the class alone, a seed gives the same images, and
a job of one trains through the manager like any model."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from playground.engine.records import SpecError
from playground.serving.manager import JobManager
from playground.tasks.generate import diffusion, sampling, training
from playground.tasks.generate.recipe import GenerateConfig
from playground.tasks.generate.specs import GenSpec

TINY = diffusion.Denoiser(8, 100, conditional=True).eval()


def test_noising_in_one_jump_equals_noising_step_by_step():
    levels = diffusion.signal_levels(50)
    x0 = torch.tensor([0.8, -0.3, 0.0]).view(1, 3, 1, 1).expand(40_000, 3, 1, 1)
    step_by_step = x0.clone()
    for t in range(30):  # x_t = sqrt(a_t) x_(t-1) + sqrt(1 - a_t) noise, a_t = abar_t / abar_(t-1)
        a = levels[t] / (levels[t - 1] if t else 1.0)
        step_by_step = a.sqrt() * step_by_step + (1 - a).sqrt() * torch.randn_like(x0)
    t = torch.full((len(x0),), 29)
    jump = diffusion.noised(x0, t, torch.randn_like(x0), levels)
    for found in (step_by_step, jump):
        torch.testing.assert_close(found.mean(0), levels[29].sqrt() * x0[0], atol=0.02, rtol=0)
        torch.testing.assert_close(found.var(0), (1 - levels[29]).expand(3, 1, 1), atol=0.03,
                                   rtol=0)  # fmt: skip


def test_the_last_level_leaves_no_signal():
    levels = diffusion.signal_levels(1000)
    x0 = torch.ones(20_000, 1, 4, 4)
    t = torch.full((len(x0),), 999)
    last = diffusion.noised(x0, t, torch.randn_like(x0), levels)
    assert abs(float(last.mean())) < 0.02 and abs(float(last.std()) - 1) < 0.02
    assert levels[0] > 0.999 and levels[-1] < 1e-4


def test_with_the_true_noise_the_deterministic_sampler_returns_the_clean_image():
    x0 = torch.rand(3, 1, 28, 28) * 2 - 1  # in -1..1, as the model sees pixels
    levels = TINY.levels

    def oracle(x, t):  # the noise that makes x from x0 at level t
        a = levels[t].view(-1, 1, 1, 1)
        return (x - a.sqrt() * x0) / (1 - a).sqrt()

    for steps in (5, 25):
        made = diffusion.sample(TINY, 3, steps=steps, seed=1, predict=oracle)
        torch.testing.assert_close(made, (x0 + 1) / 2, atol=1e-4, rtol=0)


def test_guidance_zero_is_the_class_alone_and_a_seed_gives_the_same_images():
    x, t, y = torch.randn(4, 1, 28, 28), torch.tensor([3, 50, 70, 99]), torch.tensor([1, 2, 3, 7])
    with torch.no_grad():
        torch.testing.assert_close(diffusion.guided(TINY, x, t, y, 0.0), TINY(x, t, y))
        told, untold = TINY(x, t, y), TINY(x, t, torch.full_like(y, diffusion.NO_CLASS))
        torch.testing.assert_close(diffusion.guided(TINY, x, t, y, 2.0), 3 * told - 2 * untold,
                                   atol=1e-5, rtol=1e-4)  # fmt: skip
    first = sampling.make(TINY, 4, 7, seed=5, steps=5)
    assert torch.equal(first, sampling.make(TINY, 4, 7, seed=5, steps=5))
    assert not torch.equal(first, sampling.make(TINY, 4, 7, seed=6, steps=5))
    assert first.shape == (4, 1, 28, 28) and first.min() >= 0 and first.max() <= 1


def test_a_job_of_a_diffusion_model_trains_through_the_manager(tmp_path):
    spec = GenSpec(family="diffusion", hidden=8, timesteps=100, conditional=True, name="d")
    config = GenerateConfig(dataset="mnist-sample", epochs=2, batch_size=64, train_limit=512)
    manager = JobManager(runs_dir=tmp_path)
    job = manager.new_job(spec, config, runs_dir=tmp_path)
    manager.submit(job)
    assert job.wait(300) and job.status.value == "finished", job.message
    epochs = job.log.epochs()
    quarters = set(training.QUARTERS)
    assert set(epochs[-1].values) == {"denoising"} | quarters and epochs[-1].val_loss < 1.0
    by_level = [epochs[-1].values[q] for q in training.QUARTERS]
    assert by_level[0] > by_level[-1]  # the noise is hard to see in a clean digit, easy in noise
    assert job.summary["test_loss"] < 1.0 and job.summary["flops"] > 0
    made = sampling.make(job.inference_model(), 4, 3, steps=5)
    assert made.shape == (4, 1, 28, 28)
    with pytest.raises(SpecError, match="multiple of 8"):
        manager.new_job(dataclasses.replace(spec, hidden=12), config, runs_dir=tmp_path)


def test_the_reverse_chain_is_recorded_step_by_step_and_ends_at_the_image():
    chain: list = []
    made = diffusion.sample(TINY, 2, torch.tensor([3, 4]), steps=6, seed=2, chain=chain)
    assert [level for level, _x, _clean in chain] == [99, 79, 59, 40, 20, 0]
    torch.testing.assert_close(chain[-1][2], made)  # at level 0 the prediction is the image
    assert all(x.min() >= 0 and x.max() <= 1 for _level, x, _clean in chain)


@pytest.mark.parametrize("schedule", ["cosine", "linear", "flow"])
def test_every_schedule_fades_the_signal_and_its_sampler_with_the_truth_returns_the_image(
    schedule,
):
    model = diffusion.Denoiser(8, 100, conditional=False, schedule=schedule).eval()
    signal, spread = model.signal, model.spread
    assert (signal.diff() < 0).all() and (spread.diff() > 0).all()
    assert signal[0] > 0.95 and signal[-1] < 0.01 and spread[-1] > 0.99
    x0 = torch.rand(3, 1, 28, 28) * 2 - 1

    def oracle(x, t):  # the noise that makes x from x0 at level t; for flow, the velocity
        a, b = signal[t].view(-1, 1, 1, 1), spread[t].view(-1, 1, 1, 1)
        noise = (x - a * x0) / b
        return noise - x0 if schedule == "flow" else noise

    for steps in (1 if schedule == "flow" else 5, 25):  # a straight line: one Euler step is exact
        made = diffusion.sample(model, 3, steps=steps, seed=1, predict=oracle)
        torch.testing.assert_close(made, (x0 + 1) / 2, atol=1e-4, rtol=0)


def test_flow_matching_learns_the_velocity():
    model = diffusion.Denoiser(8, 100, conditional=False, schedule="flow")
    x = torch.rand(8, 1, 28, 28)
    each, t = diffusion.per_image(model, x, None, torch.Generator().manual_seed(0))
    g = torch.Generator().manual_seed(0)  # the same draws, by hand
    t_hand = torch.randint(0, 100, (8,), generator=g)
    noise = torch.randn(x.shape, generator=g)
    s = ((t_hand + 1) / 100).view(-1, 1, 1, 1)
    x0 = x * 2 - 1
    with torch.no_grad():
        want = (model((1 - s) * x0 + s * noise, t_hand) - (noise - x0)).pow(2).flatten(1).mean(1)
    assert torch.equal(t, t_hand)
    torch.testing.assert_close(each.detach(), want, atol=1e-5, rtol=1e-5)


def test_the_flops_of_one_image_are_one_step_times_the_steps_as_counted_whole():
    from playground.engine.cost import flops_of

    for steps in (1, 3, 7):
        whole = flops_of(lambda steps=steps: sampling.make(TINY, 1, 3, 0, steps, 2.0))
        assert sampling.flops_per_image(TINY, steps, 2.0) == whole > 0
