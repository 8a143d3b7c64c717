"""The GAN of playground/tasks/generate against hand computations: both losses, and the turns
the shared loop's one optimizer takes (a discriminator's step moves only the discriminator's
weights, a generator's step only the generator's, Adam's momentum notwithstanding)."""

from __future__ import annotations

import dataclasses

import torch
import torch.nn.functional as F

from playground.tasks.generate import gan
from playground.tasks.generate.recipe import GenerateConfig
from playground.tasks.generate.training import GenerateLesson


def test_both_losses_against_hand_computations():
    torch.manual_seed(0)
    model = gan.GAN(8, 4, conditional=True)
    x, y, z = torch.rand(5, 1, 28, 28), torch.tensor([0, 3, 3, 7, 9]), torch.randn(5, 4)
    fake = model.generate(z, y)
    d_real = torch.sigmoid(model.judge(x * 2 - 1, y))
    d_fake = torch.sigmoid(model.judge(fake, y))
    by_hand = (-torch.log(d_real)).mean() + (-torch.log(1 - d_fake)).mean()
    torch.testing.assert_close(gan.discriminator_loss(model, x, y, z), by_hand)
    torch.testing.assert_close(gan.generator_loss(model, y, z), (-torch.log(d_fake)).mean())
    assert fake.shape == (5, 1, 28, 28) and fake.min() >= -1 and fake.max() <= 1
    found = gan.losses(model, x, y, z)
    torch.testing.assert_close(found.real, d_real.mean())
    torch.testing.assert_close(found.generator, F.softplus(-model.judge(fake, y)).mean())


def _weights(model, generator: bool) -> dict:
    return {k: v.detach().clone() for k, v in model.named_parameters()
            if k.startswith("generator.") == generator}  # fmt: skip


def test_each_turn_moves_only_its_own_networks_weights():
    torch.manual_seed(1)
    model = gan.GAN(8, 4, conditional=False)
    data = type("Data", (), {})()  # the lesson reads only the settings here
    config = dataclasses.replace(GenerateConfig(), d_steps=2, lr=1e-2)
    lesson = GenerateLesson(model, data, config, steps_per_epoch=10)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    batch = (torch.rand(6, 1, 28, 28), torch.zeros(6, dtype=torch.long))
    for turn in range(6):  # d, d, g, d, d, g
        g_before, d_before = _weights(model, True), _weights(model, False)
        optimizer.zero_grad()
        lesson.step(model, batch).loss.backward()
        optimizer.step()
        g_after, d_after = _weights(model, True), _weights(model, False)
        generator_turn = turn % 3 == 2
        moved_g = any(not torch.equal(g_before[k], g_after[k]) for k in g_before)
        moved_d = any(not torch.equal(d_before[k], d_after[k]) for k in d_before)
        assert (moved_g, moved_d) == (generator_turn, not generator_turn), turn


def test_a_job_of_a_gan_trains_through_the_manager_with_its_numbers_by_name(tmp_path):
    from playground.serving.manager import JobManager
    from playground.tasks.generate import sampling
    from playground.tasks.generate.specs import GenSpec

    spec = GenSpec(family="gan", hidden=8, latent=8, conditional=True, name="g")
    config = GenerateConfig(dataset="mnist-sample", epochs=1, batch_size=64, train_limit=512)
    manager = JobManager(runs_dir=tmp_path)
    job = manager.new_job(spec, config, runs_dir=tmp_path)
    manager.submit(job)
    assert job.wait(300) and job.status.value == "finished", job.message
    (epoch,) = job.log.epochs()
    assert set(epoch.values) == {"discriminator", "generator", "D(x)", "D(G(z))"}
    assert 0 < job.summary["d_real"] < 1 and 0 < job.summary["d_fake"] < 1
    assert sampling.make(job.inference_model(), 3, 5).shape == (3, 1, 28, 28)
