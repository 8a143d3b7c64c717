"""A person's own text cannot take the server down (issue 41): byte-pair learning ends in
moments whatever the text, tokenizers are kept in a bounded cache, uploaded texts count in the
quota, a bundle's tokenizer must fit its model and be one the app makes, and the CLI says in
words why a weights file cannot be a start."""

from __future__ import annotations

import io
import json
import shutil
import zipfile

import pytest
import torch

from playground.engine.metrics import Status
from playground.engine.records import SpecError
from playground.engine.settings import ServerSettings
from playground.exchange import bundle_import, bundles, own_texts, runs
from playground.exchange.quota import OverQuota
from playground.serving.jobs import TrainingJob
from playground.tasks.language import data
from playground.tasks.language.recipe import LanguageConfig
from playground.tasks.language.specs import GPTSpec
from playground.tasks.language.tokens import Tokenizer
from tests.every_run import ADA
from tests.test_cli import cli

ONE_CHARACTER = "a" * 2_000_000 + "\n"  # 2 MB: learning took days of a core before
TINY = GPTSpec(layers=1, heads=2, width=32, context=16, name="tiny")


@pytest.mark.timeout(120)  # before: still learning after hours
def test_byte_pair_learning_of_one_repeated_character_ends_in_moments():
    tokenizer = data.tokenizer_for(ONE_CHARACTER, "bpe", 512, False)
    piece = ONE_CHARACTER[:5000]
    assert tokenizer.decode(tokenizer.encode(piece)) == piece
    assert tokenizer.size < 512  # the text gives no more: the page says so


def test_byte_pair_tokens_learn_from_a_bounded_part_of_a_long_text():
    long = "".join(f"line {i} of a long text with words {i % 97}\n" for i in range(90_000))
    assert len(long) > data.LEARN_MOST
    part = data.learned_from(long)
    assert len(part) <= data.LEARN_MOST and part.endswith("\n") and long.startswith(part)


@pytest.mark.timeout(120)
def test_a_job_learning_tokens_of_a_huge_word_can_be_stopped(tmp_path):
    config = LanguageConfig(corpus="own", tokenizer="bpe", vocab_size=512, steps=100_000,
                            batch_size=4, eval_every=50, eval_batches=1,
                            sample_length=0)  # fmt: skip
    job = TrainingJob(TINY, config, runs_dir=tmp_path, extra=ONE_CHARACTER.replace("\n", "b"))
    job.start()
    job.stop()
    assert job.wait(60) and job.status is Status.STOPPED, job.message


def test_twenty_distinct_texts_leave_the_cache_within_its_bound():
    for i in range(20):
        text = "".join(f"{w}{i} " for w in ("ab", "cd", "ef", "gh") * 500) + "\n"
        data.tokenizer_for(text, "bpe", 300, False)
        count, size = data.cache_size()
        assert count <= data.CACHE_COUNT and size <= data.CACHE_BYTES
    assert data.cache_size()[0] == data.CACHE_COUNT  # full, and no fuller
    again = "".join(f"{w}19 " for w in ("ab", "cd", "ef", "gh") * 500) + "\n"
    assert data.tokenizer_for(again, "bpe", 300, False) is data.tokenizer_for(
        again, "bpe", 300, False
    )  # fmt: skip  (shared, not made again)


def test_a_persons_texts_count_in_their_quota_and_the_servers_cap(tmp_path):
    limits = ServerSettings(disk_quota_mb=1, disk_total_mb=2)
    own_texts.keep(ADA, "first.txt", "x" * 600_000, tmp_path, limits)
    with pytest.raises(OverQuota, match="The text was not kept"):
        own_texts.keep(ADA, "second.txt", "y" * 1_100_000, tmp_path, limits)
    assert own_texts.kept(ADA, tmp_path) == ("first.txt", "x" * 600_000)  # nothing deleted
    own_texts.keep("someone-else", "b.txt", "z" * 900_000, tmp_path, limits)
    with pytest.raises(OverQuota, match="disk for everyone's runs is full"):
        own_texts.keep("a-third", "c.txt", "w" * 600_000, tmp_path, limits)
    assert own_texts.expire(0, tmp_path) == 2 and own_texts.total(tmp_path) == 0  # retention


@pytest.fixture(scope="module")
def bpe_bundle(tmp_path_factory):
    """A tiny byte-pair language model's bundle (bytes) and its run."""
    root = tmp_path_factory.mktemp("runs")
    config = LanguageConfig(corpus="names", tokenizer="bpe", vocab_size=300, steps=4,
                            batch_size=4, eval_every=2, eval_batches=1,
                            sample_length=0)  # fmt: skip
    job = TrainingJob(TINY, config, runs_dir=root, name="tiny-bpe")
    job.start()
    assert job.wait(300) and job.status.value == "finished", job.message
    run = runs.load_run(job.run_dir)
    return bundles.make_bundle(run), run


def _with_tokenizer(bundle: bytes, change) -> bytes:
    """The bundle with its tokenizer.json changed by `change` (a function of its JSON)."""
    src, out = zipfile.ZipFile(io.BytesIO(bundle)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            raw = src.read(item)
            if item.filename.endswith("/tokenizer.json"):
                raw = json.dumps(change(json.loads(raw))).encode()
            dst.writestr(item, raw)
    return out.getvalue()


def test_a_bundles_tokenizer_must_fit_its_model_and_be_one_the_app_makes(
    bpe_bundle, every_run, tmp_path
):
    bundle, run = bpe_bundle
    assert bundle_import.import_bundle(bundle, tmp_path, ADA).spec.vocab == run.spec.vocab

    def fewer(found):  # one character fewer than the model's vocabulary
        return {**found, "vocab": found["vocab"][:-1]}

    def foreign(found):  # a backtracking regular expression before the byte-level split
        hf = json.loads(found["tokenizer"])
        hf["pre_tokenizer"] = {
            "type": "Split",
            "pattern": {"Regex": "(a+)+$"},
            "behavior": "Isolated",
            "invert": False,
        }
        return {**found, "tokenizer": json.dumps(hf)}

    chars = bundles.make_bundle(runs.load_run(every_run["language-finished"]))
    with pytest.raises(SpecError, match=r"tokenizer has [\d,]+ tokens but its model reads"):
        bundle_import.import_bundle(_with_tokenizer(chars, fewer), tmp_path, ADA)
    with pytest.raises(SpecError, match="does not make"):
        bundle_import.import_bundle(_with_tokenizer(bundle, foreign), tmp_path, ADA)
    saved = json.loads((run.path / "tokenizer.json").read_text())
    with pytest.raises(SpecError, match="does not make"):
        Tokenizer.from_json(json.dumps(foreign(saved)))


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: torch.save({"w": torch.zeros(2)}, path),  # a pickle
        lambda path: path.write_bytes((1 << 62).to_bytes(8, "little") + b"{}"),  # a huge header
        lambda path: path.write_bytes(path.read_bytes()[:100]),  # cut short
    ],
)
def test_the_cli_says_why_a_weights_file_cannot_be_a_start(every_run, tmp_path, damage):
    source = shutil.copytree(every_run["image-finished"], tmp_path / "start")
    damage(source / "weights.safetensors")
    out = cli("train", "--preset", "mlp", "--dataset", "mnist-sample", "--epochs", "1",
              "--init-from", source, "--no-save", timeout=120)  # fmt: skip
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr and "cannot be read" in out.stderr, out.stderr


def test_a_sweep_keeps_each_settings_range():
    """A language sweep member once got 1e9 steps, above the setting's 1,000,000."""
    from playground.engine.task import named
    from playground.serving.sweeps import Plan, members

    config = LanguageConfig(corpus="copy", batch_size=8, eval_every=10, eval_batches=1)
    with pytest.raises(SpecError, match="more than the 1,000,000 a run here takes"):
        members(named("language"), TINY, config, Plan(sizes=4, budget="steps", amount=1e9))


def test_a_text_one_byte_too_long_and_a_huge_vocabulary_say_what_to_do():
    from playground.tasks.language import corpora

    with pytest.raises(SpecError) as caught:
        corpora.own_text(b"a" * (corpora.MAX_OWN + 1), "book.txt")
    assert "10,485,761 bytes, more than the 10,485,760 (10 MB)" in str(caught.value)
    assert "upload a part of it" in str(caught.value)
    with pytest.raises(SpecError, match="reads at most 1,048,576"):
        GPTSpec(vocab=1_112_032).validate()


def test_a_request_through_a_proxy_with_no_hops_set_warns_the_server():
    """Behind a proxy with proxy_hops = 0 everyone shares its address; the server is told."""
    from playground.engine.owners import client_address

    assert client_address("", "10.0.0.9", 0) == ("10.0.0.9", False)  # no proxy: as seen
    assert client_address("203.0.113.5", "10.0.0.1", 0) == ("10.0.0.1", True)  # the warning
    assert client_address("203.0.113.5, 10.0.0.7", "10.0.0.1", 1) == ("10.0.0.7", False)
    assert client_address("203.0.113.5, 10.0.0.7", "10.0.0.1", 2) == ("203.0.113.5", False)
    assert client_address("", None, 1) == (None, False)  # unknown: the per-address cap is off
