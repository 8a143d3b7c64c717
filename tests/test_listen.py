"""Listening to spoken digits (playground/tasks/listen): what a model hears (shapes, the
normalisation), a job through the manager like any other with each language's accuracy, one's
own recordings in its training clips, integrated gradients adding up to the change in the
score, the ready model on voices it never heard, and the CLI's `listen`."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import torch

from playground.datasets import spoken
from playground.engine.records import SpecError
from playground.exchange.runs import list_runs, load_run
from playground.serving.manager import JobManager
from playground.tasks.listen import data as clips_of
from playground.tasks.listen.hearing import attribution, hear
from playground.tasks.listen.model import features, probabilities
from playground.tasks.listen.recipe import ListenConfig
from playground.tasks.listen.specs import ListenSpec, frames
from playground.tasks.listen.task import LISTEN
from playground.tasks.listen.training import measure
from tests.test_cli import cli, json_lines
from tests.test_spoken import wav

TINY = ListenSpec(width=4, name="tiny-ear")
QUICK = ListenConfig(language="zh", epochs=1, batch_size=64, train_limit=300)


@pytest.fixture(scope="module")
def test_voices():
    return clips_of.load(ListenConfig()).test


@pytest.mark.parametrize("architecture", ["cnn", "mlp", "gru"])
def test_each_kind_of_model_reads_a_normalised_log_mel_and_gives_ten_logits(architecture):
    spec = ListenSpec(architecture=architecture, width=8, mels=32, hop=64)
    clips = torch.randn(3, spoken.LENGTH) * 0.1
    x = features(clips, spec)
    assert x.shape == (3, 1, 32, frames(spec)) == (3, 1, 32, 126)
    assert torch.allclose(x.mean(dim=(1, 2, 3)), torch.zeros(3), atol=1e-4)
    assert torch.allclose(x.std(dim=(1, 2, 3)), torch.ones(3), atol=1e-3)
    assert torch.allclose(features(clips * 0.2, spec), x, atol=1e-3)  # a quieter voice alike
    assert LISTEN.build(spec)(x).shape == (3, 10)
    assert ListenSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec


def test_presets_check_and_a_model_too_big_is_refused_in_words():
    for make in LISTEN.presets().values():
        LISTEN.check(*make(), 2**30)
    with pytest.raises(SpecError, match="more than the 1 MB this server allows per job"):
        LISTEN.check(dataclasses.replace(TINY, width=256), QUICK, 2**20)
    with pytest.raises(SpecError):
        ListenSpec.from_dict({**TINY.to_dict(), "architecture": "transformer"})


def test_validation_voices_are_neither_training_nor_test_voices_and_own_clips_are_added():
    spoken_train, spoken_test = spoken.load()
    found = clips_of.load(ListenConfig(language="both", val_voices=0.2))
    assert len(found.val) and len(found.train) + len(found.val) == len(spoken_train)
    assert len(found.test) == len(spoken_test)
    assert {int(v) for v in found.val.languages} == {0, 1}
    own = (torch.zeros(5, spoken.LENGTH), torch.arange(5), 10)
    mine = clips_of.load(ListenConfig(language="en", train_limit=100), own)
    assert len(mine.train) == 105 and (mine.train.languages == -1).sum() == 5
    assert "5 recordings" in mine.note
    assert LISTEN.steps_per_epoch(mine, ListenConfig(batch_size=50)) == 3  # 100 + 5 x 10 clips


def test_a_job_trains_through_the_manager_and_its_run_keeps_each_languages_accuracy(tmp_path):
    manager = JobManager(runs_dir=tmp_path)
    job = manager.new_job(TINY, QUICK, runs_dir=tmp_path)
    manager.submit(job)
    assert job.wait(300) and job.status.value == "finished", job.message
    (epoch,) = job.log.epochs()
    assert set(epoch.values) == {"val_zh_accuracy"}  # only Chinese: only its number
    s = job.summary
    assert 0 <= s["zh_accuracy"] <= 1 and "en_accuracy" not in s
    assert s["test_accuracy"] == pytest.approx(s["zh_accuracy"])
    (run,) = list_runs(tmp_path)
    assert run.task is LISTEN and run.log().epochs() == [epoch]
    assert [n.label for n in LISTEN.result_numbers(s)][:3] == [
        "Test accuracy", "English test accuracy", "Chinese test accuracy"]  # fmt: skip
    card = LISTEN.model_card(run, {"weights.safetensors": "its weights"}, None)
    assert "Chinese" in card and f"{s['zh_accuracy']:.2%}" in card


def test_integrated_gradients_add_up_to_the_change_in_the_digits_score(test_voices):
    run = load_run(LISTEN.pretrained)
    model, spec = run.model(), run.spec
    clip = test_voices.clips[7].numpy()
    heard = hear(model, spec, clip)
    found = attribution(model, spec, clip, heard.digit)
    assert found.shape == heard.features.shape == (spec.mels, frames(spec))
    x = torch.from_numpy(heard.features)[None, None]
    with torch.no_grad():
        change = float(model(x)[0, heard.digit] - model(torch.zeros_like(x))[0, heard.digit])
    assert found.sum() == pytest.approx(change, rel=0.1, abs=0.05)  # completeness


def test_the_ready_model_hears_voices_it_never_heard_in_both_languages(test_voices):
    run = load_run(LISTEN.pretrained)
    assert "listen" in str(run.path) and run.config.language == "both"
    found = measure(run.model(), test_voices, run.spec, 256)
    assert found["en_accuracy"] >= 0.97 and found["zh_accuracy"] >= 0.97, found
    assert run.summary["en_accuracy"] == pytest.approx(found["en_accuracy"], abs=1e-6)
    p = probabilities(run.model(), test_voices.clips[:4], run.spec)
    assert torch.allclose(p.sum(dim=1), torch.ones(4), atol=1e-5)


def test_the_command_line_hears_each_clip_or_says_why_not(tmp_path, test_voices):
    said = []
    for i in (0, 13, len(test_voices) - 1):  # an English voice's and a Chinese one's
        path = tmp_path / f"clip{i}.wav"
        path.write_bytes(wav(test_voices.clips[i].numpy(), spoken.RATE))
        said.append((path, int(test_voices.digits[i])))
    out = cli("listen", LISTEN.pretrained, *[p for p, _d in said], "--json")
    assert out.returncode == 0, out.stderr
    lines = json_lines(out.stdout)
    assert [line["digit"] for line in lines] == [d for _p, d in said]
    assert all(len(line["probabilities"]) == 10 for line in lines)
    (tmp_path / "notes.wav").write_text("not a sound")
    (tmp_path / "quiet.wav").write_bytes(wav(np.zeros(8000, np.float32), 8000))
    out = cli("listen", LISTEN.pretrained, tmp_path / "notes.wav", tmp_path / "quiet.wav",
              said[0][0], "--json")  # fmt: skip
    assert out.returncode == 1 and "Traceback" not in out.stderr
    bad, quiet, good = json_lines(out.stdout)
    assert "not a recording" in bad["error"] and "silent" in quiet["error"]
    assert good["digit"] == said[0][1]
