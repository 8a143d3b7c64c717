"""Train's "Start from a trained model" in AppTest: the pretrained CNN with all but its last
layer frozen; the table says what is copied and frozen; the job trains the last layer only."""

import torch
from safetensors.torch import load_file

from playground import ASSETS
from playground.tasks.image.export import few_labels
from playground.ui import state
from tests.test_app import by_label, ended, open_page, quick_training, start, wait_until


def test_start_from_the_pretrained_model_with_all_but_the_last_layer_frozen():
    state.manager.clear()
    app = open_page("app_pages/train.py")
    assert any("Every layer starts from random weights" in c.value for c in app.caption)
    app.selectbox(key="transfer-source").set_value(str(ASSETS / "pretrained")).run()
    by_label(app.button, "Use its layers").click().run()
    by_label(app.button, "Train only the last layer").click().run()
    assert not app.exception, app.exception
    table = next(f.value for f in app.dataframe if "why" in f.value.columns)
    assert set(table["starts"]) == {"copied"}  # its own layers: every weight fits
    counts = table["weight"].str.endswith("num_batches_tracked")
    assert table["frozen"].sum() == len(table) - 2 - counts.sum()  # all but the last Linear
    quick_training(app, epochs=1, limit=640)
    start(app)
    wait_until(app, ended, timeout=300)
    (job,) = state.manager().jobs()
    assert job.status.value == "finished", job.message
    assert job.summary["start_from"] == "the pretrained CNN" and len(job.summary["frozen"]) > 2
    before = load_file(str(ASSETS / "pretrained" / "weights.safetensors"))
    after = load_file(str(job.run_dir / "weights.safetensors"))
    for name in job.summary["frozen"]:
        assert torch.equal(before[name], after[name])
    state.manager.clear()


def test_compare_with_training_from_scratch_overlays_both_and_says_what_it_bought():
    state.manager.clear()
    app = open_page("app_pages/train.py")
    app.selectbox(key="transfer-source").set_value(str(ASSETS / "pretrained")).run()
    by_label(app.button, "Use its layers").click().run()
    by_label(app.button, "Train only the last layer").click().run()
    app.checkbox(key="transfer-compare").check().run()
    quick_training(app, epochs=1, limit=300)
    start(app)
    (job,) = state.manager().jobs()
    assert type(job).__name__ == "CompareJob" and len(job.members) == 2
    assert by_label(app.button, "Start training").disabled  # the pair is the one job
    wait_until(app, ended, timeout=600)
    assert job.status.value == "finished", job.message
    names = sorted(p["run_dir"] for p in job.done)
    assert len(names) == 2
    said = " ".join(i.value for i in app.info)
    assert "points of test accuracy at equal steps" in said and "from scratch" in said
    assert any(c.key and c.key.startswith("chart-transfer") for c in app.get("plotly_chart"))
    state.manager.clear()


READY = "Ready experiment: digits 0-4, then 5-9 from 10 examples each"


def test_the_ready_experiment_loads_and_build_shows_what_freezing_saves():
    state.manager.clear()
    app = open_page("app_pages/train.py")
    by_label(app.button, READY).click().run()
    assert not app.exception, app.exception
    assert app.selectbox(key="transfer-source").value == str(few_labels.FOLDER)
    assert app.checkbox(key="transfer-compare").value
    assert by_label(app.text_input, "Classes (blank: all)").value == few_labels.FINE_TUNE
    table = next(f.value for f in app.dataframe if "why" in f.value.columns)
    assert set(table["starts"]) == {"copied"}  # the same five outputs: every weight fits
    frozen = list(app.multiselect(key="transfer-freeze").value)
    assert len(frozen) == 8  # its convolutions and their batch norms
    app.switch_page("app_pages/build.py").run()
    assert not app.exception, app.exception
    assert list(app.multiselect(key="build-frozen").value) == frozen  # the same choice
    labels = {m.label for m in app.metric}
    assert {"Memory of a step", "Training FLOPs per image"} <= labels
    rows = next(f.value for f in app.dataframe if "frozen" in f.value.columns)
    assert (rows["frozen"] == "frozen").sum() == 8
    app.multiselect(key="build-frozen").set_value(frozen[:2]).run()
    app.switch_page("app_pages/train.py").run()
    assert list(app.multiselect(key="transfer-freeze").value) == frozen[:2]  # and back
    state.manager.clear()
