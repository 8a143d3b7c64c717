"""Runs written before tasks and area folders (tests/fixtures/runs-before-tasks: a run the
previous layout's CLI wrote) open, list, compare and export as they did."""

import shutil
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from playground.exchange import bundle_import, bundles, quota, run_table, runs
from playground.tasks.image.specs import ModelSpec
from tests.test_app import APP

OLD = Path(__file__).parent / "fixtures" / "runs-before-tasks"


@pytest.fixture
def old_runs(tmp_path, monkeypatch):
    root = tmp_path / "runs"
    shutil.copytree(OLD, root)
    monkeypatch.setenv("PLAYGROUND_RUNS_DIR", str(root))
    return root


def test_an_old_run_opens_as_an_image_run_with_its_records_and_weights(old_runs):
    (run,) = runs.list_runs(old_runs)
    assert run.task.name == "image" and isinstance(run.spec, ModelSpec)
    assert run.spec.name == "tiny-linear" and run.config.dataset == "mnist-sample"
    assert run.summary["test_accuracy"] == pytest.approx(0.5905)
    assert len(run.log().steps()) == 8 and len(run.log().epochs()) == 1
    assert not (run.path / "task.json").exists() and run.damage is None
    x = torch.zeros(2, 1, 28, 28)
    with torch.no_grad():
        assert run.model()(x).shape == (2, 10)
    assert len(run.history()) >= 2


def test_an_old_run_compares_with_a_new_one(old_runs, tmp_path):
    (old,) = runs.list_runs(old_runs)
    new = quota.copy_run(old, "browser:x", old_runs)
    assert run_table.differences([old, new]) == {}
    row = run_table.table_row(old)
    assert row["preset"] == "tiny-linear" and row["test accuracy"] == pytest.approx(0.5905)


def test_an_old_run_exports_a_bundle_onnx_and_a_script_that_come_back(old_runs, tmp_path):
    (run,) = runs.list_runs(old_runs)
    raw = bundles.make_bundle(run)
    back = bundle_import.import_bundle(raw, tmp_path / "in", "browser:y", "old.zip")
    assert back.spec == run.spec and back.task.name == "image"
    assert run.task.onnx(run).data[:4] and "class Net" in run.task.script(run)


def test_the_runs_table_lists_an_old_run(old_runs):
    app = AppTest.from_file(str(APP), default_timeout=60)
    app.run()
    app.switch_page("app_pages/train.py").run()
    assert not app.exception, app.exception
    table = app.dataframe[0].value
    assert list(table["run"]) == ["20261202-011216-tiny-linear"]
