"""Differential privacy (engine/privacy.py, Opacus) and the membership attack
(tasks/image/membership.py): the oracles are a hand computation of DP-SGD's step, Opacus' own
accountant, and attacks whose answer is known (a perfect split, a coin, the ready pair)."""

import dataclasses
import json
import subprocess
import sys

import pytest
import torch
from torch import nn

from playground import ASSETS
from playground.engine import privacy
from playground.engine.records import SpecError
from playground.exchange.runs import load_run
from playground.serving.jobs import TrainingJob
from playground.tasks.image import fit, membership, private
from playground.tasks.image.recipe import TrainConfig
from playground.tasks.image.specs import ModelSpec
from playground.tasks.image.task import IMAGE

QUICK = {"dataset": "mnist-sample", "train_limit": 500, "epochs": 1, "batch_size": 64}


def test_batch_norm_trains_as_group_norm_with_the_reason():
    spec = ModelSpec.from_preset("bn-cnn")
    config = TrainConfig(dp_epsilon=3.0)
    done = IMAGE.complete(spec, config)
    assert "batchnorm" not in [x.kind for x in done.layers]
    assert [x.kind for x in done.layers].count("groupnorm") == private.converted(spec).__len__()
    said = " ".join(private.notes(spec, config))
    assert "GroupNorm" in said and "BatchNorm mixes the examples" in said
    assert "torch.compile" not in said and "GPU fast path" in said  # compile is off already
    assert IMAGE.complete(spec, TrainConfig()) is spec and private.notes(spec, TrainConfig()) == []
    # the same modules as Opacus' own fix of the BatchNorm model
    from opacus.validators import ModuleValidator

    fixed = ModuleValidator.fix(IMAGE.build(spec))
    ours = IMAGE.build(done)
    kinds = [(type(m).__name__, getattr(m, "num_groups", None)) for m in fixed.modules()]
    assert kinds == [(type(m).__name__, getattr(m, "num_groups", None)) for m in ours.modules()]
    assert privacy.unsupported(ours) == [] and privacy.unsupported(IMAGE.build(spec))


def test_a_private_step_is_the_clipped_noised_mean_of_each_examples_gradient():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    x, y = torch.randn(5, 3) * 3, torch.tensor([0, 1, 1, 0, 1])
    clip, expected = 0.5, 8
    before = [p.detach().clone() for p in model.parameters()]
    # by hand: each example's gradient, clipped to `clip` over all weights, summed, / expected
    summed = [torch.zeros_like(p) for p in model.parameters()]
    for i in range(len(y)):
        model.zero_grad()
        nn.functional.cross_entropy(model(x[i : i + 1]), y[i : i + 1]).backward()
        grads = [p.grad.clone() for p in model.parameters()]
        norm = torch.sqrt(sum((g**2).sum() for g in grads))
        for s, g in zip(summed, grads, strict=True):
            s += g * min(1.0, clip / (norm.item() + 1e-6))
    plan = privacy.PrivacyPlan(0.0, clip, 1e-5, 0.5, 1, expected)
    at_work = privacy.Private(plan, model, None)
    optimizer = at_work.optimizer(torch.optim.SGD(model.parameters(), lr=1.0))
    optimizer.zero_grad()
    nn.functional.cross_entropy(at_work.model(x), y).backward()
    optimizer.step()
    at_work.close()
    for p, b, s in zip(model.parameters(), before, summed, strict=True):
        assert torch.allclose(b - p.detach(), s / expected, atol=1e-5)
    assert not model[0]._forward_hooks  # the hooks are gone: the model is as it was


def test_epsilon_grows_with_steps_as_opacus_accountant_says():
    from opacus.accountants import RDPAccountant

    accountant, noise, rate, delta = RDPAccountant(), 1.1, 256 / 60_000, 1e-5
    found = []
    for steps in range(1, 401):
        accountant.step(noise_multiplier=noise, sample_rate=rate)
        if steps % 100 == 0:
            ours = privacy.epsilon_after(steps, noise, rate, delta)
            assert ours == pytest.approx(accountant.get_epsilon(delta), rel=1e-6)
            found.append(ours)
    assert found == sorted(found) and found[0] < found[-1]
    assert privacy.epsilon_after(0, noise, rate, delta) == 0.0


def test_a_target_epsilon_is_met_and_bad_settings_are_refused_in_words():
    plan = IMAGE.privacy_plan(TrainConfig(**QUICK, dp_epsilon=2.0))
    assert 1.9 <= plan.epsilon(plan.steps) <= 2.0 and plan.delta == 1e-3  # 450 images: 1e-3
    assert privacy.auto_delta(60_000) == 1e-5 and privacy.auto_delta(54_000) == 1e-5
    with pytest.raises(SpecError, match="not both"):
        IMAGE.check(ModelSpec.from_preset("mlp"), TrainConfig(**QUICK, dp_epsilon=2, dp_noise=1))
    with pytest.raises(SpecError, match="is not below 1/N"):
        IMAGE.check(ModelSpec.from_preset("mlp"), TrainConfig(**QUICK, dp_epsilon=2, dp_delta=0.01))
    with pytest.raises(SpecError, match="target epsilon"):
        TrainConfig(dp_epsilon=-1.0).validate()


def test_the_memory_of_a_private_step_counts_each_examples_gradients():
    spec, shape = ModelSpec.from_preset("mlp"), (1, 28, 28)
    plain = fit.estimate_memory(spec, 256, "sgd", shape)
    dp = fit.dataclasses.replace(plain, per_example_gradients=True)
    assert dp.total - plain.total >= 256 * plain.gradients
    assert dp.largest_batch(10**9) < plain.largest_batch(10**9)
    budget = plain.total * 2  # a plain step fits; a private one keeps 256 copies of the weights
    fit.check_fit(spec, TrainConfig(batch_size=256), budget)
    with pytest.raises(SpecError, match="Differential privacy keeps every image's own gradients"):
        fit.check_fit(spec, TrainConfig(batch_size=256, dp_epsilon=3.0), budget)


def test_a_private_run_spends_its_epsilon_and_says_so(tmp_path):
    config = TrainConfig(**QUICK, dp_epsilon=4.0, optimizer="sgd", lr=0.5, compile=True)
    job = TrainingJob(ModelSpec.from_preset("bn-cnn"), config, runs_dir=tmp_path)
    job.start()
    job.wait()
    s = job.summary
    assert s["status"] == "finished", s["message"]
    assert s["private"] and 3.5 < s["epsilon"] <= 4.0 and s["delta"] == 1e-3
    assert job.log.epochs()[-1].values["epsilon"] == pytest.approx(s["epsilon"], rel=1e-3)
    run = load_run(job.run_dir)
    assert "groupnorm" in [x.kind for x in run.spec.layers]
    run.model()  # the saved model is the one that trained
    assert "ε = " in IMAGE.model_card(run, {}, None) and IMAGE.table_row(run)["ε (privacy)"]
    assert "this script trains without it" in IMAGE.script(run)  # plain PyTorch: no privacy
    numbers = IMAGE.live_numbers(job.log.steps(), job.log.epochs(), config, True)
    assert [n.label for n in numbers][-1] == "Privacy spent ε"


def test_the_attack_scores_a_perfect_split_a_coin_and_the_ready_pair():
    perfect = membership.scores(torch.zeros(50), torch.ones(50))
    assert perfect.auc == 1.0 and perfect.advantage == 1.0
    g = torch.Generator().manual_seed(0)
    coin = membership.scores(torch.rand(4000, generator=g), torch.rand(4000, generator=g))
    assert abs(coin.auc - 0.5) < 0.02 and coin.advantage < 0.05
    found = {}
    for name in ("open", "private"):
        run = load_run(ASSETS / "privacy" / name)
        data = IMAGE.load_data(run.config, None, None, torch.device("cpu"))
        found[name], images = membership.attack(run, data)
        assert len(images["x"]) == 2 * len(found[name].member_losses) == 600
    assert found["open"].auc >= 0.65  # it memorised its 300 images
    assert abs(found["private"].auc - 0.5) <= 0.05  # privacy closed the leak


def run_cli(*args: str) -> dict:
    out = subprocess.run([sys.executable, "-W", "ignore", "-m", "playground", *args],
                         capture_output=True, text=True, timeout=600)  # fmt: skip
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_cli_trains_privately_and_attacks(tmp_path):
    summary = run_cli("train", "--preset", "mlp", "--dataset", "mnist-sample", "--epochs", "1",
                      "--train-limit", "600", "--dp-epsilon", "3", "--dp-clip", "1.0",
                      "--dp-delta", "1e-5", "--out", str(tmp_path), "--json")  # fmt: skip
    assert summary["delta"] == 1e-5 and 2.5 < summary["epsilon"] <= 3.0
    found = run_cli("attack", str(ASSETS / "privacy" / "open"), "--json")
    assert found["auc"] >= 0.65 and 0 < found["advantage"] <= 1


# --- the pages --------------------------------------------------------------------------------


def test_train_says_what_privacy_changes_and_shows_epsilon_live():
    from tests.test_app import by_label, ended, metric, open_page, quick_training, start, wait_until

    app = open_page("app_pages/train.py")
    assert not [c for c in app.caption if "Poisson" in c.value]  # not private: nothing said
    by_label(app.number_input, "Target ε (0: not private)").set_value(2.0).run()
    said = " ".join(c.value for c in app.caption)
    assert "Poisson-sampled" in said and "GPU fast path" in said
    quick_training(app, epochs=2, limit=1000)
    start(app)
    wait_until(app, ended)
    assert float(metric(app, "Privacy spent ε")) == pytest.approx(2.0, abs=0.1)
    assert next(iter(app.dataframe[0].value["privacy"])).startswith("ε 1.9")


def page_in(page: str, lang: str):
    """A person reading `lang` opens app_pages/`page`.py."""
    from streamlit.testing.v1 import AppTest

    from tests.test_app import APP

    app = AppTest.from_file(str(APP), default_timeout=120)
    app.query_params["lang"] = lang
    app.run()
    app.switch_page(f"app_pages/{page}.py").run()
    return app


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_privacy_page_attacks_the_ready_pair_and_starts_a_private_run(lang):
    from tests.test_app_every_run import fine

    app = page_in("privacy", lang)
    fine(app, lang)
    table = app.dataframe[0].value
    assert (
        len(table) == 2 and table["AUC"].iloc[0] >= 0.65 and abs(table["AUC"].iloc[1] - 0.5) <= 0.05
    )
    assert len(app.get("plotly_chart")) == 2  # the ROC curves and the price of privacy
    if lang == "en":
        app.button(key="privacy-try").click().run()
        assert not app.exception
        assert (
            app.number_input(
                key=next(k for k in app.session_state if str(k).endswith("dp_epsilon"))
            ).value
            == 1.0
        )


# --- language models ------------------------------------------------------------------------


@pytest.mark.parametrize("objective", ["next", "masked"])
def test_a_language_models_per_example_gradients_add_up_to_its_gradient(objective):
    from opacus import GradSampleModule

    from playground.engine.task import named
    from playground.tasks.language.model import GPT
    from playground.tasks.language.training import loss_of

    spec, config = named("language").presets()["names-tiny"]()
    causal = objective == "next"
    spec = dataclasses.replace(spec, tied=False, objective=objective, causal=causal, vocab=30)
    torch.manual_seed(0)
    model = GPT(spec, 30)
    wrapped = GradSampleModule(model, loss_reduction="mean")
    x = torch.randint(1, 30, (4, spec.context))
    y = torch.randint(1, 30, (4, spec.context))
    g = torch.Generator().manual_seed(0)
    loss_of(wrapped, x, y, config, g, 0, objective)[0].backward()
    for name, p in model.named_parameters():  # positions too: looked up for each example
        assert torch.allclose(p.grad_sample.sum(0) / 4, p.grad, atol=1e-6), name
    wrapped._close()


def test_a_private_language_run_unties_its_output_and_spends_epsilon(tmp_path):
    from playground.engine.task import named

    language = named("language")
    spec, config = language.presets()["names-tiny"]()
    config = dataclasses.replace(config, steps=40, eval_every=20, dp_noise=1.0, compile=True)
    job = TrainingJob(spec, config, runs_dir=tmp_path)
    assert job.spec.tied is False and not language.compiles(config)
    job.start()
    job.wait()
    s = job.summary
    assert s["status"] == "finished", s["message"]
    assert s["private"] and s["noise_multiplier"] == 1.0 and 0 < s["epsilon"] < 10
    assert job.log.epochs()[-1].values["epsilon"] == pytest.approx(s["epsilon"], rel=1e-3)
    numbers = language.live_numbers(job.log.steps(), job.log.epochs(), config, True)
    assert float(numbers[-1].value) == pytest.approx(s["epsilon"], abs=0.01)
    run = load_run(job.run_dir)
    assert "ε = " in language.model_card(run, {}, None)
    said = " ".join(language.privacy_notes(None, config))
    assert "output layer is its own" in said and "Poisson-sampled" in said
    timed = dataclasses.replace(config, dp_noise=0.0, dp_epsilon=3.0, time_limit=60.0)
    with pytest.raises(SpecError, match="needs the number of steps"):
        language.check(job.spec, timed)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_language_page_says_what_privacy_changes(lang):
    from tests.test_app_every_run import fine
    from tests.test_i18n_states import language

    app = page_in("language", lang)
    epsilon = [n for n in app.number_input if n.key and n.key.endswith("-dp_epsilon")]
    assert len(epsilon) == 1
    with language(lang):  # the pickers' words are read back in the page's language
        epsilon[0].set_value(3.0).run()
    fine(app, lang)
    if lang == "en":
        assert any("output layer is its own" in c.value for c in app.caption)
