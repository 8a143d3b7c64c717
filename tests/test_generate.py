"""Models that make digits (playground/tasks/generate): the VAE's loss against hand
computations, the digit a person asks for in words, a job through the manager like any other,
and the Generate page in both languages with its runs present."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch

from playground.engine.records import SpecError
from playground.exchange.runs import list_runs
from playground.serving.manager import JobManager
from playground.tasks.generate import inside, sampling, vae
from playground.tasks.generate.recipe import GenerateConfig
from playground.tasks.generate.specs import GenSpec
from playground.tasks.generate.task import GENERATE
from tests.test_app import ended, errors, wait_until
from tests.test_app_every_run import ada, fine, runs  # noqa: F401 (a fixture)
from tests.test_i18n_states import language

TINY = GenSpec(hidden=16, latent=2, conditional=True, name="tiny")
QUICK = GenerateConfig(dataset="mnist-sample", epochs=2, batch_size=64, train_limit=512)


@pytest.mark.parametrize("conv", [False, True])
def test_the_loss_is_reconstruction_plus_kl_computed_by_hand(conv):
    torch.manual_seed(0)
    model = vae.VAE(8, 3, conditional=False, conv=conv)
    x = torch.rand(4, 1, 28, 28)
    noise = torch.randn(4, 3)
    found = vae.terms(model, x, noise=noise)
    mean, log_var = model.encode(x)
    z = mean + noise * torch.exp(0.5 * log_var)
    p = torch.sigmoid(model.decode(z))
    by_hand = -(x * torch.log(p) + (1 - x) * torch.log(1 - p)).flatten(1).sum(1).mean()
    kl = (0.5 * (mean**2 + log_var.exp() - 1 - log_var)).sum(1).mean()
    torch.testing.assert_close(found.reconstruction, by_hand, rtol=1e-4, atol=1e-3)
    torch.testing.assert_close(found.kl, kl)
    torch.testing.assert_close(found.total(0.5), by_hand + 0.5 * kl, rtol=1e-4, atol=1e-3)


def test_a_convolutional_vae_told_the_class_draws_digits_and_round_trips_its_spec(tmp_path):
    spec = GenSpec(hidden=8, latent=4, conditional=True, architecture="conv", name="conv")
    model = GENERATE.build(spec)
    assert model.conv and any(isinstance(m, torch.nn.Conv2d) for m in model.modules())
    assert sampling.make(model, 5, 3).shape == (5, 1, 28, 28)
    assert GenSpec.from_dict(spec.to_dict()) == spec
    with pytest.raises(SpecError, match="There is no architecture 'rnn'; choose one of mlp"):
        GenSpec.from_dict({**spec.to_dict(), "architecture": "rnn"})


def test_kl_is_zero_for_the_standard_normal_and_the_sample_has_the_encoders_moments():
    assert vae.kl_divergence(torch.zeros(3, 4), torch.zeros(3, 4)).abs().max() == 0
    model = vae.VAE(8, 2, conditional=False)
    with torch.no_grad():  # an encoder that says mean (1, -2) and variance (4, 0.25) always
        for layer, value in (
            (model.mean, (1.0, -2.0)),
            (model.log_var, (math.log(4), -math.log(4))),
        ):
            layer.weight.zero_()
            layer.bias.copy_(torch.tensor(value))
    x = torch.rand(1, 1, 28, 28).expand(20_000, -1, -1, -1)
    mean, log_var = model.encode(x)
    z = mean + torch.randn_like(mean) * torch.exp(0.5 * log_var)
    torch.testing.assert_close(z.mean(0), torch.tensor([1.0, -2.0]), atol=0.05, rtol=0)
    torch.testing.assert_close(z.var(0), torch.tensor([4.0, 0.25]), atol=0.1, rtol=0.05)


def test_a_model_told_the_class_needs_one_and_draws_it_deterministically():
    model = vae.VAE(8, 2, conditional=True).eval()
    with pytest.raises(ValueError):
        model.decode(torch.zeros(1, 2))
    first, again = sampling.make(model, 6, 7, seed=3), sampling.make(model, 6, 7, seed=3)
    assert first.shape == (6, 1, 28, 28) and torch.equal(first, again)
    assert first.min() >= 0 and first.max() <= 1
    picture = sampling.grid(first, columns=3, gap=2)
    assert picture.shape == (2 * 30 + 2, 3 * 30 + 2)


@pytest.mark.parametrize("text,digit", [("7", 7), ("seven", 7), (" Seven. ", 7), ("七", 7),
                                        ("零", 0), ("nine", 9)])  # fmt: skip
def test_a_digit_is_asked_for_in_words(text, digit):
    assert sampling.digit_of(text) == digit


def test_a_word_that_names_no_digit_gets_a_sentence():
    with pytest.raises(SpecError, match="'eleven' is not a digit: type a digit: 7, seven or 七"):
        sampling.digit_of("eleven")


def test_a_spec_out_of_range_is_refused_in_words():
    with pytest.raises(SpecError, match="Latent size is 0, but must be from 1 to 64"):
        GenSpec.from_dict({"latent": 0})
    with pytest.raises(SpecError, match="There is no family 'flow'"):
        GenSpec.from_dict({"family": "flow"})


def test_a_job_trains_through_the_manager_and_its_run_keeps_its_terms(tmp_path):
    manager = JobManager(runs_dir=tmp_path)
    job = manager.new_job(TINY, QUICK, runs_dir=tmp_path)
    manager.submit(job)
    assert job.wait(120) and job.status.value == "finished", job.message
    epochs = job.log.epochs()
    assert len(epochs) == 2 and set(epochs[-1].values) == {"reconstruction", "kl"}
    assert epochs[-1].val_loss == pytest.approx(sum(epochs[-1].values.values()))  # beta 1
    s = job.summary
    assert s["test_loss"] == pytest.approx(s["reconstruction"] + s["kl"])
    assert s["test_loss"] < 544  # 784 pixels at 1 bit each: it learned something
    (run,) = list_runs(tmp_path)
    assert run.task is GENERATE and run.log().epochs() == epochs
    assert [n.label for n in GENERATE.result_numbers(s)] == [
        "Fréchet distance", "Read as asked", "Test loss", "Reconstruction",
        "KL divergence"]  # fmt: skip
    # scored as it finished: 50 of each digit, read by the classifier, against real digits
    assert s["score_images"] == 500 and sum(s["read_as"]) == 500
    assert len(s["as_asked_per_digit"]) == 10 and 0 <= s["as_asked"] <= 1
    assert s["frechet"] > s["frechet_real"] > 0  # two epochs on 512 images: far from real
    model = run.model()
    assert sampling.make(model, 4, 3).shape == (4, 1, 28, 28)
    assert len(run.history()) >= 2  # the timeline's moments


def test_a_model_too_big_for_the_servers_budget_is_refused():
    with pytest.raises(SpecError, match="more than the 1 MB this server allows per job"):
        GENERATE.check(dataclasses.replace(TINY, hidden=2048), QUICK, 2**20)


# --- the page ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_page_makes_the_digit_asked_for_with_a_run_and_says_when_a_word_is_none(runs, lang):  # noqa: F811
    with language(lang):
        app = ada("generate", lang)
        fine(app, lang, names=("vae-made", "vae-stopped"))
        picked = app.selectbox(key="generate-model")
        assert any("vae-made" in x for x in picked.options), picked.options
        assert not [x for x in picked.options if "gpt-" in x or "img-" in x], picked.options
        picked.set_value(str(runs["generate-finished"])).run()
        shown = len(app.get("image"))
        assert shown >= 2  # the digits and the latent space (two latent numbers)
        app.text_input(key="generate-digit").set_value("eleven").run()
        assert app.warning and "eleven" in app.warning[0].value
        app.text_input(key="generate-digit").set_value("七").run()
        assert not app.warning and len(app.get("image")) == shown
        fine(app, lang, names=("vae-made", "vae-stopped"))


def test_the_page_opens_on_the_ready_model_then_trains_one_and_makes_digits_with_it():
    app = ada("generate")
    assert app.selectbox(key="generate-model").value == str(GENERATE.pretrained)
    said = [c.value for c in app.caption if "as the digit asked for" in c.value]
    assert app.get("image") and said  # a 7 at once, and its score
    v = "generate-1"
    for key, value in (("dataset", "mnist-sample"), ("epochs", 1), ("train_limit", 500)):
        found = [w for w in (*app.selectbox, *app.number_input) if w.key == f"{v}-{key}"]
        found[0].set_value(value)
    app.run()
    app.button(key="generate-start").click().run()
    assert not errors(app), errors(app)
    wait_until(app, ended)
    assert app.selectbox(key="generate-model").value == "live"
    assert app.get("image") and "Finished 1 epoch" in app.success[0].value  # and it draws
    assert ": fréchet distance" in app.success[0].value  # its leading metric, as declared


def test_the_score_reads_real_digits_as_their_labels():
    from playground.datasets.images import load
    from playground.tasks.generate import score

    data = load("mnist-sample")
    x, y = data.test_x[:400].float() / 255, data.test_y[:400]
    reading = score.read(x)
    assert sum(reading.counts) == 400 and reading.confidence > 0.95
    accuracy = float((torch.tensor(reading.classes) == y).float().mean())
    assert accuracy > 0.97  # the classifier that ships reads 99% of MNIST's test set
    sevens = x[y == 7]
    asked = score.read(sevens, 7)
    assert asked.as_asked == pytest.approx(asked.counts[7] / len(sevens))
    assert asked.as_asked > 0.95


def test_the_frechet_distance_of_a_set_with_itself_is_zero_and_grows_with_noise():
    from playground.datasets.images import load
    from playground.tasks.generate import score

    x = load("mnist-sample").test_x[:600].float() / 255
    assert score.frechet(x[:300], x[:300]) == pytest.approx(0, abs=1e-3)
    noise = torch.randn(x[:300].shape, generator=torch.Generator().manual_seed(0))
    found = [score.frechet((x[:300] + s * noise).clamp(0, 1), x[300:]) for s in (0, 0.2, 0.5)]
    assert found == sorted(found) and found[0] < 10 < found[2]  # real halves are near


def test_the_command_line_samples_a_run_to_a_file_of_images(tmp_path):
    from safetensors.torch import load_file

    from tests.test_cli import cli, json_lines

    manager = JobManager(runs_dir=tmp_path)
    job = manager.new_job(TINY, dataclasses.replace(QUICK, epochs=1), runs_dir=tmp_path)
    manager.submit(job)
    assert job.wait(120) and job.status.value == "finished", job.message
    out = tmp_path / "sevens.safetensors"
    said = cli("sample", job.run_dir, "--digit", "seven", "--n", "12", "-o", out, "--json")
    assert said.returncode == 0, said.stderr
    (line,) = json_lines(said.stdout)
    assert line["digit"] == 7 and sum(line["read_as"]) == 12 and 0 <= line["as_asked"] <= 1
    images = load_file(str(out))["images"]
    assert images.shape == (12, 1, 28, 28) and images.min() >= 0 and images.max() <= 1
    wrong = cli("sample", job.run_dir, "--digit", "eleven")
    assert wrong.returncode != 0 and "'eleven' is not a digit" in wrong.stderr


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_ready_diffusion_model_draws_the_digit_with_its_steps_and_guidance(lang):
    with language(lang):
        app = ada("generate", lang)
        ready = str(GENERATE.pretrained.parent / "diffusion")
        app.selectbox(key="generate-model").set_value(ready).run()
        assert app.select_slider(key="generate-steps").value == 25
        app.select_slider(key="generate-steps").set_value(5).run()
        app.slider(key="generate-guidance").set_value(4.0).run()
        fine(app, lang)
        assert not app.warning
        heads = [h.value for h in app.subheader]
        assert "Its latent space" not in heads  # a VAE's view only
        inside = "扩散模型的内部" if lang == "zh" else "Inside the diffusion model"
        assert inside in heads
        # the digits, forward, reverse and four guidance values
        assert len(app.get("image")) >= 1 + 2 + 4


def _charts(app) -> list:
    return [c for c in app.get("plotly_chart")]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_each_ready_model_shows_its_score_and_its_own_views(lang):
    import numpy as np

    from playground.ui import last_drawing

    with language(lang):
        app = ada("generate", lang)
        digit = np.zeros((28, 28), np.float32)
        digit[4:24, 13:16] = 1.0  # a drawn 1
        app.session_state[last_drawing.KEY] = digit
        for family in ("vae", "gan", "diffusion"):
            app.selectbox(key="generate-model").set_value(
                str(GENERATE.pretrained.parent / family)).run()  # fmt: skip
            fine(app, lang)
            assert len(app.metric) == 3  # the Fréchet distance, read as asked, confidence
            charts = len(_charts(app))
            # every family: the score and its loss terms per epoch; then its own
            if family == "vae":  # the latent space; the line between two can end at the drawing
                assert charts == 3
                app.selectbox(key="generate-from").set_value("drawing").run()
                assert not app.exception and app.selectbox(key="generate-from").value == "drawing"
            elif family == "gan":  # D(x) against D(G(z)), the classes over training
                assert charts == 4
            else:  # few steps against many, in a table
                assert charts == 2 and len(app.dataframe) == 1
                assert len(app.dataframe[0].value) == len(inside.STEP_COUNTS)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_run_without_a_score_is_scored_on_request(runs, lang):  # noqa: F811
    with language(lang):
        app = ada("generate", lang)
        app.selectbox(key="generate-model").set_value(str(runs["generate-stopped"])).run()
        assert not app.metric and app.button(key="generate-score")
        app.button(key="generate-score").click().run()
        fine(app, lang, names=("vae-stopped",))
        assert len(app.metric) == 3


def test_the_score_makes_its_images_a_training_batch_at_a_time():
    from playground.datasets.images import load
    from playground.tasks.generate import score

    real = load("mnist-sample").test_x
    torch.manual_seed(0)
    unconditional = vae.VAE(16, 2, conditional=False).eval()
    small = score.of_model(unconditional, real, per_digit=10, batch=7)
    whole = score.of_model(unconditional, real, per_digit=10, batch=1000)
    assert small["score_images"] == whole["score_images"] == 100 == sum(small["read_as"])
    told = vae.VAE(16, 2, conditional=True).eval()  # 10 of each digit: one batch of 64 each,
    first = score.of_model(told, real, per_digit=10)  # the same noise as in one piece
    again = score.of_model(told, real, per_digit=10, batch=10)
    assert first["read_as"] == again["read_as"] and first["frechet"] == again["frechet"]
