"""Hyperparameter search (playground/serving/search.py, engine/search_space.py): the space is the
settings table's and refuses in words what the table refuses; every sampled trial validates; a
pruned trial stops at its rung with its run and records, marked pruned; the same seed gives the
same trials; the whole keeps the job's time limit and each trial the memory budget; trials run
on a local Ray's workers; the page in both languages; the CLI's JSON lines."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import optuna
import pytest
import torch

from playground.engine import search_space
from playground.engine.records import SpecError
from playground.engine.task import named
from playground.exchange.runs import list_runs, load_run
from playground.serving.search import FILE, SearchJob
from playground.serving.search_plan import SearchPlan
from tests.test_app import wait_until
from tests.test_app_every_run import ada, fine, runs  # noqa: F401 (a fixture)
from tests.test_i18n_states import language

IMAGE = named("image")
SPEC, BASE = IMAGE.presets()["mlp"]()
QUICK = dataclasses.replace(BASE, dataset="mnist-sample", epochs=2, train_limit=300)
ROWS = IMAGE.search_rows()


def plan(*texts: str, **how) -> SearchPlan:
    return SearchPlan(tuple(search_space.parse(t, ROWS) for t in texts), **how)


def search(tmp_path, the_plan: SearchPlan, config=QUICK, **limits) -> SearchJob:
    job = SearchJob(SPEC, config, the_plan, task=IMAGE, runs_dir=tmp_path, name="s")
    if limits:
        job.set_limits(limits.get("time"), None, limits.get("memory"))
    job.start()
    assert job.wait(600), "the search did not end"
    return job


# --- the space --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("texts", "said"),
    [
        (("lr=0:1:log",), "a log scale needs a range above 0"),
        (("lr=1e-9:1",), "must be from 1e-06 to 100"),
        (("lr=0.1:0.01",), "must be below its high end"),
        (("batch_size=32,0",), "Batch size is 0, but must be from 1"),
        (("optimizer=adam,nadamw",), "There is no optimizer 'nadamw'"),
        (("seed=1:9",), "'seed' is not a setting a search can vary"),
        (("dropout=0:1.5",), "Dropout is 1.5, but must be from 0 to 0.9"),
        (("lr=1e-3:1e-1", "lr=1e-4:1e-2"), "Each setting is searched once"),
        (("lr=abc",), "'abc' is not a value of lr"),
    ],
)
def test_what_the_settings_table_refuses_the_space_refuses_in_words(texts, said):
    with pytest.raises(SpecError, match=said.replace("(", r"\(")):
        plan(*texts).check(IMAGE)


def test_a_grid_needs_values_and_trials_and_pruners_are_checked():
    with pytest.raises(SpecError, match="A grid needs a list of values"):
        plan("lr=1e-3:1e-1", method="grid").check(IMAGE)
    with pytest.raises(SpecError, match="1 to 200 trials"):
        plan("lr=1e-3:1e-1", trials=0).check(IMAGE)
    with pytest.raises(SpecError, match="There is no pruner 'hyperband'"):
        plan("lr=1e-3:1e-1", prune="hyperband").check(IMAGE)


@pytest.mark.parametrize("task_name", ["image", "language", "generate", "listen"])
def test_every_sampled_trial_of_every_searchable_setting_validates(task_name):
    task = named(task_name)
    spec, config = next(iter(task.presets().values()))()
    registries = task.search_registries()
    dims = tuple(search_space.suggested(r, getattr(config, r.name, r.default), registries)
                 for r in task.search_rows())  # fmt: skip
    the_plan = SearchPlan(dims, trials=40, method="random").check(task)
    job = SearchJob(spec, config, the_plan, task=task, name="space")
    study = job._study()
    space = {d.name: search_space.distribution(d, task.search_rows()) for d in dims}
    for _ in range(40):
        params = study.ask(space).params
        found_spec, found_config = task.with_settings(spec, config, params)
        task.check(found_spec, found_config)  # no SpecError: the table takes every value
        for name, value in params.items():
            if hasattr(found_config, name):
                assert getattr(found_config, name) == value


def test_dropout_goes_into_every_dropout_layer_or_one_before_the_last():
    spec, config = IMAGE.with_settings(SPEC, QUICK, {"dropout": 0.3})
    assert [x.kind for x in spec.layers][-2:] == ["dropout", "linear"]
    assert spec.layers[-2].params["p"] == 0.3
    again, _config = IMAGE.with_settings(spec, config, {"dropout": 0.1})
    assert [x.params.get("p") for x in again.layers if x.kind == "dropout"] == [0.1]


# --- the trials -------------------------------------------------------------------------------


def _last_in_grid(values: list, seed: int) -> list:
    """`values` ordered so that Optuna's grid sampler with `seed` proposes values[-1] last."""
    study = optuna.create_study(sampler=optuna.samplers.GridSampler({"i": [0, 1, 2]}, seed=seed))
    order = [study.ask().suggest_categorical("i", [0, 1, 2]) for _ in range(3)]
    placed = [None, None, None]
    for value, index in zip(values, order, strict=True):
        placed[index] = value
    return placed


def test_a_pruned_trial_stops_at_its_rung_keeps_its_run_and_is_marked_pruned(tmp_path):
    lrs = _last_in_grid([0.003, 0.002, 1e-6], seed=3)  # two that learn, then one that cannot
    config = dataclasses.replace(QUICK, epochs=2, batch_size=16)  # 16 steps an epoch
    the_plan = SearchPlan((search_space.Dimension("lr", values=tuple(lrs)),), trials=3,
                          method="grid", prune="median", seed=3)  # fmt: skip
    job = search(tmp_path, the_plan, config)
    assert job.status.value == "finished", job.message
    trials = job.snapshot()
    assert [t["state"] for t in trials] == ["finished", "finished", "pruned"]
    pruned, per_epoch = trials[-1], trials[0]["steps"] // 2
    assert pruned["params"] == {"lr": 1e-6} and 0 < pruned["pruned_at"] < 1
    assert pruned["rungs"][-1][0] == pruned["pruned_at"]  # judged by its rungs, the last there
    run = load_run(pruned["run_dir"])  # its run, stopped at the rung, with its records
    steps = [s.step for s in run.log().steps()]
    assert steps == list(range(1, int(pruned["pruned_at"] * per_epoch) + 1))  # no step after
    assert run.log().epochs() == [] and run.summary["status"] == "stopped"
    label = json.loads((Path(pruned["run_dir"]) / FILE).read_text())
    assert label["state"] == "pruned" and label["pruned_at"] == pruned["pruned_at"]
    assert label["trial"] == 3
    assert job.summary["steps"] < job.steps_planned  # pruning saved the rest of its steps
    assert job.best()["params"]["lr"] in (0.003, 0.002)
    assert len([r for r in list_runs(tmp_path) if (r.path / FILE).exists()]) == 3


@pytest.mark.parametrize("method", ["random", "tpe"])
def test_the_same_seed_gives_the_same_trials(tmp_path, method):
    the_plan = plan("lr=1e-4:1e-1:log", "batch_size=16,64", trials=4, method=method, prune="none",
                    seed=7)  # fmt: skip
    config = dataclasses.replace(QUICK, epochs=1)
    first = search(tmp_path / "a", the_plan, config).snapshot()
    second = search(tmp_path / "b", the_plan, config).snapshot()
    assert [t["params"] for t in first] == [t["params"] for t in second]
    assert [t["value"] for t in first] == pytest.approx([t["value"] for t in second])


def test_the_whole_search_keeps_the_jobs_time_limit(tmp_path):
    config = dataclasses.replace(QUICK, epochs=1000)  # each trial far longer than the limit
    job = search(tmp_path, plan("lr=1e-3:1e-2", trials=50, prune="none"), config, time=3.0)
    trials = job.snapshot()
    assert len(trials) < 50 and all(t["state"] != "running" for t in trials)
    assert "time limit" in str(job.message), job.message


def test_a_flops_budget_stops_new_trials_once_it_is_spent(tmp_path):
    job = search(tmp_path, plan("lr=1e-3:1e-2", trials=10, prune="none", flops=1.0),
                 dataclasses.replace(QUICK, epochs=1))  # fmt: skip
    trials = job.snapshot()
    assert len(trials) == 1 and trials[0]["flops"] > 1.0  # the first trial spent it all
    assert job.status.value == "finished" and job.flops_spent() == trials[0]["flops"]


def test_a_trial_over_the_memory_budget_fails_in_words_and_the_search_goes_on(tmp_path):
    lrs = plan("batch_size=8192,32", trials=2, method="grid", prune="none")
    job = search(tmp_path, lrs, dataclasses.replace(QUICK, epochs=1), memory=20 * 2**20)
    states = {t["params"]["batch_size"]: t["state"] for t in job.snapshot()}
    assert states == {8192: "failed", 32: "finished"}
    failed = next(t for t in job.trials if t.params["batch_size"] == 8192)
    assert "MB" in failed.message and failed.run_dir is None


def test_trials_run_on_a_local_rays_workers_and_their_runs_appear(ray_cluster, tmp_path):
    job = SearchJob(SPEC, dataclasses.replace(QUICK, epochs=1),
                    plan("lr=1e-3:1e-2", trials=2, parallel=2, prune="none"), task=IMAGE,
                    runs_dir=tmp_path, name="on ray")  # fmt: skip
    job.member_job = ray_cluster
    job.start()
    assert job.wait(600) and job.status.value == "finished", job.message
    assert all(isinstance(t.job, ray_cluster) for t in job.trials)
    found = {str(r.path) for r in list_runs(tmp_path)}
    assert {t["run_dir"] for t in job.snapshot()} <= found


# --- the page and the CLI ---------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_page_runs_a_search_shows_it_and_uses_its_recipe(runs, lang):  # noqa: F811
    with language(lang):
        app = ada("search", lang)
        fine(app, lang)
        _two_trials_of_one_epoch(app, "image")
        fine(app, lang, names=("seed-cnn search",))
        assert app.get("plotly_chart") and app.dataframe
        app.button(key="search-use").click().run()
        fine(app, lang, names=("seed-cnn search", "seed-cnn-trial"))  # the best trial's run
        said = " ".join(s.value for s in app.success)
        assert ("现在是当前模型" if lang == "zh" else "is now the current model") in said, said
        trials = [r for r in list_runs(runs["image-finished"].parent) if (r.path / FILE).exists()]
        assert app.session_state["session-recipe"] in {r.config for r in trials}  # Train's
        app.switch_page("app_pages/train.py").run()  # the runs table groups the trials
        table = next(d.value for d in app.dataframe if "run" in d.value.columns)
        grouped = [g for g in table["group"] if str(g).startswith("seed")]
        assert len(grouped) == 2 and all(g.startswith("seed-cnn search · ") for g in grouped)
        assert not app.exception, app.exception


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_form_offers_every_kind_of_model_with_a_quick_first_search(runs, lang):  # noqa: F811
    from playground.ui.search.form import QUICK, searchable_tasks

    found = searchable_tasks()
    assert {"image", "language", "generate", "listen"} <= set(found)
    with language(lang):
        app = ada("search", lang)
        for name in found:
            app.radio(key="search-task").set_value(name).run()
            fine(app, lang)
            assert _has(app, "search-start"), name  # a search of it can be started
            assert name in QUICK, name  # and its first one is over in minutes


def test_a_search_of_a_listening_model_opens_its_best_on_listen(runs):  # noqa: F811
    lang = "zh"  # (English is the image search's above)
    with language(lang):
        app = ada("search", lang)
        app.radio(key="search-task").set_value("listen").run()
        app.selectbox(key="search-listen-language").set_value("en").run()
        _two_trials_of_one_epoch(app, "listen")
        fine(app, lang, names=("listen-cnn search",))
        app.button(key="search-use").click().run()
        assert not app.exception, app.exception
        picked = app.session_state["listen-model"]  # the best trial hears on Listen
        assert (Path(picked) / FILE).exists() and load_run(picked).task_name == "listen"
        assert load_run(picked).config.language == "en" and load_run(picked).config.epochs == 1


def _two_trials_of_one_epoch(app, task_name: str) -> None:
    """Start a search of two trials of one epoch each on the page; wait until it has ended."""
    app.number_input(key=f"search-{task_name}-epochs").set_value(1).run()
    app.number_input(key="search-trials").set_value(2).run()
    app.button(key="search-start").click().run()
    assert not app.exception, app.exception
    wait_until(app, lambda a: _has(a, "search-use") and not _has(a, "job-stop"))  # ended


def _has(app, key: str) -> bool:
    return any(b.key == key for b in app.button)


def test_the_cli_prints_a_line_per_trial_then_the_best(tmp_path):
    from tests.test_cli import cli, json_lines

    out = cli("search", "--task", "image", "--preset", "mlp", "--dataset", "mnist-sample",
              "--epochs", "2", "--train-limit", "300", "--search", "lr=1e-3:1e-1:log",
              "--search", "batch_size=16,64", "--trials", "3", "--json",
              "--out", tmp_path)  # fmt: skip
    assert out.returncode == 0, out.stderr
    *trials, summary = json_lines(out.stdout)
    assert [t["trial"] for t in sorted(trials, key=lambda t: t["trial"])] == [1, 2, 3]
    for t in trials:
        assert t["status"] in ("finished", "pruned") and set(t["settings"]) == {"lr", "batch_size"}
        assert Path(t["run_dir"]).is_dir()
        if t["status"] == "finished":
            assert 0 <= t["metrics"]["test_accuracy"] <= 1
    assert summary["type"] == "summary" and summary["best"]["status"] == "finished"
    assert set(summary["importances"]) <= {"lr", "batch_size"}
    wrong = cli("search", "--task", "image", "--search", "lr=0:1:log")
    assert wrong.returncode != 0 and "a log scale needs a range above 0" in wrong.stderr


# --- population based training ----------------------------------------------------------------


def test_population_based_training_copies_the_best_and_nudges_their_settings(tmp_path):
    from safetensors.torch import load_file

    from playground.engine import history

    the_plan = plan("lr=1e-4:1e-1:log", "batch_size=16,32,64", trials=8, method="pbt",
                    population=4, seed=2)  # fmt: skip
    job = search(tmp_path, the_plan, dataclasses.replace(QUICK, epochs=1, schedule="constant"))
    assert job.status.value == "finished", job.message
    trials = {t["number"]: t for t in job.snapshot()}
    assert sorted(trials) == list(range(1, 9))
    first, second = [trials[n] for n in range(1, 5)], [trials[n] for n in range(5, 9)]
    assert all(t["generation"] == 0 and t["parent"] is None for t in first)
    ranked = sorted(first, key=lambda t: t["value"])
    copied = [t for t in second if t["event"] == "copied"]
    assert len(copied) == 1 and copied[0]["parent"] == ranked[0]["number"]  # the best's
    assert copied[0]["number"] - 5 == first.index(ranked[-1])  # in the worst one's place
    lr, parent_lr = copied[0]["params"]["lr"], ranked[0]["params"]["lr"]
    assert lr == pytest.approx(parent_lr * 0.8) or lr == pytest.approx(parent_lr * 1.2)
    for t in second:  # every member starts from its parent's weights (its history's first
        start = history.load(Path(t["run_dir"]))[0]  # moment, against the parent's last)
        assert start.step == 0
        parent = load_file(str(Path(trials[t["parent"]]["run_dir"]) / "weights.safetensors"))
        for name, value in parent.items():
            assert torch.equal(start.state[name].float(), value.float()), name
        if t["event"] == "continued":
            assert t["params"] == trials[t["parent"]]["params"]
        assert t["offset"] == 1  # its curve goes on after its parent's epoch


def test_population_based_training_runs_on_a_local_rays_workers(ray_cluster, tmp_path):
    the_plan = plan("lr=1e-2:1e-1:log", trials=4, method="pbt", population=2, seed=1)
    config = dataclasses.replace(QUICK, epochs=1, batch_size=16, schedule="constant")
    job = SearchJob(SPEC, config, the_plan, task=IMAGE, runs_dir=tmp_path, name="pbt on ray")
    job.member_job = ray_cluster
    job.start()
    assert job.wait(600) and job.status.value == "finished", job.message
    assert len(job.trials) == 4 and all(isinstance(t.job, ray_cluster) for t in job.trials)
    trials = {t["number"]: t for t in job.snapshot()}
    first, second = [trials[1], trials[2]], [trials[3], trials[4]]
    assert sorted(t["event"] for t in second) == ["continued", "copied"]
    fresh = max(t["rungs"][0][1] for t in first)  # the first quarter epoch from fresh weights
    for t in second:  # each starts from its parent's trained weights, sent to the worker
        assert t["rungs"][0][1] < fresh - 0.1, (t["rungs"], fresh)
        assert Path(t["run_dir"]).is_dir() and t["parent"] in (1, 2)


def test_population_based_training_refuses_what_it_cannot_do_in_words():
    with pytest.raises(SpecError, match="cannot change the model: search dropout"):
        plan("dropout=0:0.5", trials=8, method="pbt").check(IMAGE)
    with pytest.raises(SpecError, match="at least two generations: 8 trials"):
        plan("lr=1e-3:1e-1", trials=6, method="pbt", population=4).check(IMAGE)
    with pytest.raises(SpecError, match="2 to 16 members"):
        plan("lr=1e-3:1e-1", trials=8, method="pbt", population=1).check(IMAGE)


def test_the_page_draws_population_based_trainings_family_tree(runs):  # noqa: F811
    app = ada("search")
    app.number_input(key="search-image-epochs").set_value(1).run()
    app.selectbox(key="search-method").set_value("pbt").run()
    app.number_input(key="search-population").set_value(2).run()
    app.number_input(key="search-trials").set_value(4).run()
    app.button(key="search-start").click().run()
    wait_until(app, lambda a: _has(a, "search-use") and not _has(a, "job-stop"))
    charts = [c for c in app.get("plotly_chart") if "search-tree" in str(c.proto.id)]
    assert charts, "no family tree"
