"""Limits with no way around them: each attack on a shared server, reproduced and refused in
words. The disk quota and the server's cap count copies and imports (the unpacked sizes);
weights are checked from their header before they are unpacked; damaged uploads and summaries
are messages; logged-in owners are who the provider says (test_app_sharing); one address cannot
fill the queue; lookups read only the run folders that changed."""

import io
import json
import resource
import struct
import zipfile

import pytest
import torch
from safetensors.torch import save

from playground.engine import owners
from playground.engine.settings import ServerSettings
from playground.exchange import bundle_import, bundles, quota, runs
from playground.exchange.bundles import BundleError
from playground.exchange.run_files import WEIGHTS, RunWriter
from playground.serving.jobs import TrainingJob
from playground.serving.manager import JobManager, Refused
from playground.tasks.image.specs import ModelSpec
from playground.tasks.image.task import EXTRA_EXAMPLES
from tests.test_bundles import QUICK, files_of, zip_of

ADA, BOB = (owners.browser_owner(owners.new_key()) for _ in range(2))
MLP = ModelSpec.from_preset("mlp")
MB = 2**20


def imported(raw: bytes, root, owner=ADA, limits=None):
    return bundle_import.import_bundle(raw, root, owner, "the bundle", limits=limits)


# --- 2. the disk quota counts everything a person gets ----------------------------------------


def test_use_this_model_checks_the_quota_before_copying(trained, tmp_path):
    run, _ = trained
    size = quota.folder_size(run.path)
    tight = ServerSettings(disk_quota_mb=1.5 * size / MB)
    first = quota.copy_run(run, ADA, tmp_path, limits=tight)
    with pytest.raises(quota.OverQuota, match=r"was not saved: your runs take .* would pass the"):
        quota.copy_run(run, ADA, tmp_path, limits=tight)
    assert [r.path for r in runs.list_runs(tmp_path)] == [first.path]  # nothing half-made
    quota.copy_run(run, BOB, tmp_path, limits=tight)  # the quota is per person


def test_the_servers_cap_counts_everyones_runs(trained, tmp_path):
    run, _ = trained
    cap = ServerSettings(disk_quota_mb=0, disk_total_mb=1.5 * quota.folder_size(run.path) / MB)
    quota.copy_run(run, ADA, tmp_path, limits=cap)
    with pytest.raises(quota.OverQuota, match="this server's disk for everyone's runs is full"):
        quota.copy_run(run, BOB, tmp_path, limits=cap)


def test_a_small_bundle_that_unpacks_past_the_quota_is_refused(trained, tmp_path):
    run, raw = trained
    zeros = save({k: torch.zeros_like(v) for k, v in run.weights().items()})  # packs to little
    kept = {k: v for k, v in files_of(raw).items() if k.rsplit("/", 1)[1] in bundles.KEPT}
    small = zip_of({**kept, f"{run.name}/{WEIGHTS}": zeros})
    assert len(small) < len(zeros) / 10
    tight = ServerSettings(disk_quota_mb=len(zeros) / 2 / MB)  # far above the zip size
    with pytest.raises(BundleError, match="was not imported: your runs take"):
        imported(small, tmp_path, limits=tight)
    assert not runs.list_runs(tmp_path)


def test_imported_metrics_are_cut_to_what_a_run_of_that_length_writes(trained, tmp_path):
    run, raw = trained
    lines = (run.path / "metrics.jsonl").read_bytes().splitlines(keepends=True)
    long = {**files_of(raw), f"{run.name}/metrics.jsonl": b"".join(lines * 50)}
    back = imported(zip_of(long), tmp_path)
    kept = (back.path / "metrics.jsonl").read_bytes().count(b"\n")
    steps = -(-(QUICK.train_limit + EXTRA_EXAMPLES) // QUICK.batch_size)
    assert kept == steps * QUICK.epochs + QUICK.epochs + 1 < 50 * len(lines)
    assert (
        "metrics lines beyond what a run of 2 epoch(s) writes were left out"
        in (back.summary["message"])
    )


# --- 3. weights are checked before they are loaded -------------------------------------------


def test_an_extra_tensor_is_refused_from_the_header_before_it_is_unpacked(trained, tmp_path):
    run, raw = trained
    state = {**run.weights(), "extra": torch.zeros(256 << 20, dtype=torch.uint8)}  # 256 MB
    bomb = zip_of({**files_of(raw), f"{run.name}/{WEIGHTS}": save(state)})
    assert len(bomb) < 2 * MB
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(BundleError, match="the file has a tensor 'extra'"):
        imported(bomb, tmp_path)
    grew = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024
    assert grew < 64 * MB  # the 256 MB were never unpacked


@pytest.mark.parametrize(
    ("header", "words"),
    [
        (b"not json", "its header is not JSON"),
        (
            json.dumps(
                {"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 1 << 40]}}
            ).encode(),
            "does not lie inside the file",
        ),
        (
            json.dumps({"w": {"dtype": "X9", "shape": [1], "data_offsets": [0, 4]}}).encode(),
            "unknown type",
        ),
    ],
    ids=["not-json", "past-the-end", "unknown-dtype"],
)
def test_a_header_that_does_not_hold_together_is_refused(trained, tmp_path, header, words):
    run, raw = trained
    weights = struct.pack("<Q", len(header)) + header + b"\0" * 16
    bad = zip_of({**files_of(raw), f"{run.name}/{WEIGHTS}": weights})
    with pytest.raises(BundleError, match=words):
        imported(bad, tmp_path)


# --- 6. bad uploads are messages -------------------------------------------------------------


def test_a_damaged_deflate_member_is_a_message(trained, tmp_path):
    _, raw = trained
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files_of(raw).items():
            zf.writestr(name, content)
    damaged = bytearray(out.getvalue())
    spec_at = damaged.find(b"spec.json") + len("spec.json") + 8  # inside its deflate stream
    damaged[spec_at : spec_at + 16] = b"\xff" * 16
    with pytest.raises(BundleError, match=r"cannot be unpacked .* the zip is damaged"):
        imported(bytes(damaged), tmp_path)


def test_a_summary_of_the_wrong_types_is_cleaned_on_import_and_bundles_again(trained, tmp_path):
    run, raw = trained
    summary = {"test_accuracy": "99%", "epochs": [2], "train_seconds": float("nan"),
               "status": {"x": 1}, "message": 7, "name": "ok"}  # fmt: skip
    odd = zip_of({**files_of(raw), f"{run.name}/summary.json": json.dumps(summary).encode()})
    back = imported(odd, tmp_path)
    assert "test_accuracy" not in back.summary and "epochs" not in back.summary
    assert back.summary["name"] == "ok" and isinstance(back.summary["message"], str)
    copy = quota.copy_run(back, ADA, tmp_path)
    (copy.path / "summary.json").write_text(json.dumps(summary))  # a run folder edited by hand
    again = bundles.make_bundle(runs.load_run(copy.path))
    assert zipfile.ZipFile(io.BytesIO(again)).testzip() is None


# --- 8. one address cannot fill the queue ------------------------------------------------------


def test_one_address_cannot_queue_more_than_its_share(tmp_path):
    manager = JobManager(ServerSettings(jobs_at_once=1, queued_per_address=2), runs_dir=tmp_path)
    made = []
    try:
        for i in range(2):  # a client that drops its cookie: a new owner each time
            made.append(TrainingJob(MLP, QUICK, owner=f"browser:{i}", address="10.0.0.7"))
            manager.submit(made[-1])
        third = TrainingJob(MLP, QUICK, owner="browser:2", address="10.0.0.7")
        with pytest.raises(Refused, match="2 jobs from your network address are queued or"):
            manager.submit(third)
        made.append(TrainingJob(MLP, QUICK, owner="browser:3", address="10.0.0.8"))
        manager.submit(made[-1])  # another address is another share
    finally:
        for job in made:
            job.stop()
            job.wait(60)


# --- 9. lookups read only what changed ---------------------------------------------------------


def test_the_runs_index_reads_a_folder_again_only_when_it_changed(tmp_path, monkeypatch):
    for i in range(3):
        RunWriter(tmp_path, f"r{i}", MLP, QUICK, owner=ADA).finish({"status": "finished"})
    runs.list_runs(tmp_path)
    monkeypatch.setattr(runs, "RECENT_NS", 0)  # the folders were made just now
    runs.list_runs(tmp_path)
    reads = []
    real = runs.load_run
    monkeypatch.setattr(runs, "load_run", lambda path: reads.append(path) or real(path))
    assert len(runs.list_runs(tmp_path)) == 3 and reads == []
    shared = runs.share_run(runs.list_runs(tmp_path)[0], ADA)  # access.json is rewritten
    assert runs.find_shared(shared, tmp_path).share == shared
    assert len(reads) == 1
    assert runs.find_shared(owners.new_token(), tmp_path) is None


def test_a_run_folder_that_goes_while_it_is_counted_counts_as_empty(tmp_path):
    # a job renames its temporary files into place, and a deleted run's folder goes at once:
    # the runs table counting sizes at that moment must not end the page
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "weights.safetensors").write_bytes(b"x" * 10)
    assert quota.folder_size(tmp_path / "run") == 10
    assert quota.folder_size(tmp_path / "gone") == 0
