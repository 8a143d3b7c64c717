"""Run folders read back: validated, never executed, broken ones refused in words."""

import json

import pytest
import torch

from playground import models
from playground.runs import RunWriter, differences, list_runs, load_model, load_run, table_row
from playground.specs import ModelSpec, SpecError, TrainConfig

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
    assert load_run(good).metrics() == []
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
