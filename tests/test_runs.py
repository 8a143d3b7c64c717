"""Run folders read back: validated, never executed, broken ones refused in words."""

import json
from pathlib import Path

import pytest
import torch

from playground.engine.metrics import StepRecord
from playground.engine.records import SpecError
from playground.exchange.run_files import RunWriter
from playground.exchange.run_table import differences, table_row
from playground.exchange.runs import list_runs, load_model, load_run
from playground.tasks.image import models
from playground.tasks.image.recipe import TrainConfig
from playground.tasks.image.specs import ModelSpec

SPEC = ModelSpec.from_preset("mlp")


def test_a_written_run_reads_back_with_its_model(tmp_path):
    writer = RunWriter(tmp_path, "my run/../x", SPEC, TrainConfig())
    assert writer.path.parent == tmp_path and "/" not in writer.path.name[16:]
    model = models.build(SPEC)
    writer.save_weights(model.state_dict())
    writer.finish({"test_accuracy": 0.5})
    run = load_run(writer.path)
    assert (run.spec, run.config, run.summary) == (SPEC, TrainConfig(), {"test_accuracy": 0.5})
    x = torch.randn(2, 1, 28, 28)
    with torch.no_grad():
        torch.testing.assert_close(run.model()(x), model.eval()(x))


def test_two_runs_in_the_same_second_get_their_own_folders(tmp_path):
    a = RunWriter(tmp_path, "same", SPEC, TrainConfig())
    b = RunWriter(tmp_path, "same", SPEC, TrainConfig())
    assert a.path != b.path and b.path.name.endswith("-2")


def test_broken_run_folders_are_refused_and_skipped_in_listings(tmp_path):
    good = RunWriter(tmp_path, "good", SPEC, TrainConfig()).path
    bad = RunWriter(tmp_path, "bad", SPEC, TrainConfig()).path
    (bad / "spec.json").write_text('{"layers": [{"kind": "__import__(\'os\')"}]}')
    (tmp_path / "not-a-run").mkdir()
    with pytest.raises(SpecError, match=r"no spec\.json"):
        load_run(tmp_path / "not-a-run")
    assert [r.path for r in list_runs(tmp_path)] == [good]
    (good / "summary.json").write_text("[1, 2]")
    assert load_run(good).summary == {}
    (good / "metrics.jsonl").write_text(json.dumps({"type": "step"})[:-3] + "\n")
    assert load_run(good).log().steps() == [] and load_run(good).log().skipped == 1
    with pytest.raises(SpecError, match="has no saved weights"):
        load_run(good).weights()
    (good / "weights.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(SpecError, match="cannot be read"):
        load_run(good).weights()


def test_weights_of_another_model_do_not_load(tmp_path):
    other = models.build(ModelSpec.from_preset("seed-cnn")).state_dict()
    with pytest.raises(SpecError, match="do not fit its model"):
        load_model(SPEC, other, "upload.safetensors")


def test_table_rows_and_the_settings_that_differ(tmp_path):
    a = RunWriter(tmp_path, "a", SPEC, TrainConfig(lr=0.01))
    a.finish({"status": "finished", "epochs": 3, "best_val_accuracy": 0.97,
              "train_seconds": 12.34, "test_accuracy": 0.96, "dataset": "mnist"})  # fmt: skip
    RunWriter(tmp_path, "b", ModelSpec.from_preset("seed-cnn"), TrainConfig(epochs=5))
    b, a = list_runs(tmp_path)  # newest first
    row = table_row(a)
    assert (row["preset"], row["lr"], row["epochs"], row["time (s)"]) == (
        "mlp",
        0.01,
        "3 / 3",
        12.3,
    )
    assert row["best val accuracy"] == 0.97 and row["status"] == "finished"
    assert table_row(b)["status"] == "unfinished" and table_row(b)["epochs"] == "? / 5"
    differ = differences([a, b])
    assert set(differ) == {"model", "layers", "lr", "epochs"}
    assert differ["lr"] == [0.01, TrainConfig().lr] and differ["model"] == ["mlp", "seed-cnn"]
    assert differences([a]) == {}


def damaged_copy(tmp_path, name: str, change) -> Path:
    run = RunWriter(tmp_path, name, SPEC, TrainConfig(), owner="browser:" + "a" * 32)
    run.finish({"status": "finished"})
    change(run.path)
    return run.path


DAMAGES = {
    "truncated spec": lambda p: (p / "spec.json").write_text(SPEC.to_json()[:40]),
    "400-digit seed": lambda p: (p / "config.json").write_text('{"seed": ' + "9" * 400 + "}"),
    "400-digit layer": lambda p: (p / "spec.json").write_text(
        '{"layers": [{"kind": "linear", "params": {"out_features": ' + "7" * 400 + "}}]}"
    ),
    "no config": lambda p: (p / "config.json").unlink(),
    "spec of 2 MB": lambda p: (p / "spec.json").write_text(" " * 2_000_000),
    "spec is a folder": lambda p: ((p / "spec.json").unlink(), (p / "spec.json").mkdir()),
    "config not text": lambda p: (p / "config.json").write_bytes(b"\xff\xfe\x00"),
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_run_folder_is_listed_as_damaged_with_why_and_can_be_deleted(tmp_path, damage):
    from playground.exchange.runs import damaged_runs, delete_run

    good = RunWriter(tmp_path, "good", SPEC, TrainConfig()).path
    bad = damaged_copy(tmp_path, "bad", DAMAGES[damage])
    assert [r.path for r in list_runs(tmp_path)] == [good]
    (folder,) = damaged_runs(tmp_path)
    assert folder.path == bad and folder.why and folder.owner.startswith("browser:")
    assert "Traceback" not in folder.why
    delete_run(folder, folder.owner)
    assert not bad.exists() and damaged_runs(tmp_path) == []


def test_a_null_line_in_the_metrics_marks_a_finished_run_damaged(tmp_path):
    run = RunWriter(tmp_path, "r", SPEC, TrainConfig())
    run.append([StepRecord(1, 1, 0.5, 0.5, 1e-3, 1.0, 1.0)])
    with open(run.path / "metrics.jsonl", "a") as f:
        f.write("null\n" + "x" * 200_000 + "\n")
    run.append([StepRecord(2, 1, 0.4, 0.5, 1e-3, 1.0, 1.0)])
    assert load_run(run.path).damage is None  # still training: not judged yet
    run.finish({"status": "finished"})
    loaded = load_run(run.path)
    assert loaded.damage == "2 line(s) of metrics.jsonl could not be read"
    assert [s.step for s in loaded.log().steps()] == [1, 2]


def test_an_interrupted_write_leaves_the_previous_file(tmp_path, monkeypatch):
    from playground.exchange import run_files as runs

    writer = RunWriter(tmp_path, "r", SPEC, TrainConfig())
    writer.finish({"status": "first"})
    writer.save_weights(models.build(SPEC).state_dict())
    before = (writer.path / runs.WEIGHTS).read_bytes()

    def crash(*args):
        raise OSError("the disk went away")

    monkeypatch.setattr(runs.os, "replace", crash)
    with pytest.raises(OSError):
        writer.finish({"status": "second"})
    with pytest.raises(OSError):
        writer.save_weights({k: v + 1 for k, v in models.build(SPEC).state_dict().items()})
    assert load_run(writer.path).summary == {"status": "first"}
    assert (writer.path / runs.WEIGHTS).read_bytes() == before


def test_deleting_a_run_twice_is_a_message(tmp_path):
    from playground.engine.owners import NotAllowed
    from playground.exchange.runs import delete_run

    owner = "browser:" + "b" * 32
    run = load_run(RunWriter(tmp_path, "r", SPEC, TrainConfig(), owner=owner).path)
    delete_run(run, owner)
    with pytest.raises(NotAllowed, match="was already deleted"):
        delete_run(run, owner)


def test_reading_a_runs_metrics_again_reads_the_file_only_when_it_changed(tmp_path):
    run = RunWriter(tmp_path, "r", SPEC, TrainConfig())
    run.append([StepRecord(1, 1, 0.5, 0.5, 1e-3, 1.0, 1.0)])
    first = load_run(run.path).log()
    assert load_run(run.path).log() is first
    run.append([StepRecord(2, 1, 0.4, 0.5, 1e-3, 1.0, 1.0)])
    assert load_run(run.path).log() is not first and load_run(run.path).log().count == 2
