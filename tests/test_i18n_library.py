"""The library's own sentences in Chinese: advice when training learned nothing or diverged,
the queue's refusals, the moments of a replay, shapes in the editor's words, a scaling fit that
cannot be made, a CSV made to fit the plane, and the CLI's human output when LANG is Chinese.
Each is made once (often in a job's thread) and read in the reader's language."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from types import SimpleNamespace

import pytest

from playground.datasets import image_sets
from playground.engine import history
from playground.engine.cost import cost_text
from playground.engine.i18n import Text, _
from playground.engine.metrics import EpochRecord, Status
from playground.explain.scaling import fit_power_law
from playground.playground2d import data as points
from playground.serving.manager import _busy_message
from playground.tasks.image import training
from playground.tasks.image.layers import describe
from playground.tasks.image.recipe import TrainConfig
from playground.tasks.language import training as language_training
from playground.tasks.language.recipe import LanguageConfig
from tests.browser import ROOT
from tests.test_i18n import english_in
from tests.test_i18n_states import in_chinese, language

CJK = re.compile(r"[\u4e00-\u9fff]")


def _epoch(accuracy: float) -> EpochRecord:
    return EpochRecord(1, 2.3, accuracy, 2.3, accuracy, 1.0, 1.0)


CSV = "x1,x2,y\n0,0,5\n90,1,7\n3,60,2\n4,4,1\n"  # targets above 1, points beyond the plane
SENTENCES = {
    "nothing learned, lr far too high": lambda: training.stall_advice(
        TrainConfig(lr=1.0), [_epoch(0.1)], 10
    ),
    "nothing learned, lr far too low": lambda: training.stall_advice(
        TrainConfig(optimizer="sgd", lr=1e-6), [_epoch(0.1)], 10
    ),
    "nothing learned, lr usual": lambda: training.stall_advice(TrainConfig(), [_epoch(0.1)], 10),
    "image diverged": lambda: training.divergence_advice(TrainConfig(lr=5.0), 5.0, 12, 1),
    "language diverged": lambda: language_training.divergence_advice(LanguageConfig(), 0.5, 9),
    "one job each, training": lambda: _busy_message(
        SimpleNamespace(status=Status.RUNNING, name="mnist-cnn")
    ),
    "one job each, queued": lambda: _busy_message(
        SimpleNamespace(status=Status.QUEUED, name="mnist-cnn")
    ),
    "too few sizes to fit": lambda: fit_power_law([1e3, 2e3], [2.0, 1.9]).problem,
    "a csv scaled to the plane": lambda: points.read_csv(CSV).note,
}


@pytest.mark.parametrize("name", SENTENCES)
def test_a_sentence_made_in_the_library_reads_in_chinese(name):
    made = SENTENCES[name]()
    assert made and not CJK.search(made)  # English wherever a plain string is wanted
    shown = in_chinese(made)
    assert CJK.search(shown) and not english_in(shown), shown


def test_a_replays_moments_the_editors_shapes_and_the_classes_read_in_chinese(tmp_path):
    labels = [
        history.label_for(0, 0, False),
        history.label_for(20, 1, False),
        history.label_for(60, 3, True),
    ]
    assert labels == ["before training", "step 20", "epoch 3"]
    assert [in_chinese(x) for x in labels] == ["训练之前", "第 20 步", "第 3 轮"]
    assert in_chinese(describe((32, 13, 13))) == "32x13x13 特征图"
    assert in_chinese(describe((64,))) == "64 个特征"
    with language("zh"):  # the kinds of Fashion-MNIST, as Inspect and Evaluate name them
        assert image_sets.DATASETS["fashion-mnist"].names()[9] == "短靴"
        assert image_sets.DATASETS["mnist"].names() == image_sets.DATASETS["mnist"].classes


def test_the_cli_speaks_the_language_of_lang():
    def cli(lang: str, *command: str) -> str:
        env = {**os.environ, "LANG": lang, "LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": ""}
        done = subprocess.run([sys.executable, "-m", "playground", *command], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "Data folder:" in cli("C.UTF-8", "data", "show")
    chinese = cli("zh_CN.UTF-8", "data", "show")
    assert "数据文件夹：" in chinese and "随应用附带" in chinese and not english_in(chinese)
    helped = cli("zh_CN.UTF-8", "train", "--help")  # argparse's own few words stay English
    assert "现成的模型" in helped and "学习率" in helped and "a ready-made model" not in helped
    with language("zh"):
        assert "克 CO2" in cost_text({"flops": 2e12, "energy_wh": 0.4, "co2_g": 0.2})


LEFT_ENGLISH = {"_", "N_", "Text", "ValueError", "TypeError", "AttributeError", "KeyError",
                "RuntimeError", "ConnectionError", "add_argument", "add_parser", "debug", "info",
                "warning", "exception", "error"}  # fmt: skip


def test_the_librarys_sentences_are_texts_or_catalog_messages():
    """An f-string sentence in the library reads in English for every reader: it is a Text,
    or goes through _(), unless it is for a programmer (a ValueError, a log line) or a file
    that stays English (the standalone training scripts)."""
    found = []
    for path in sorted((ROOT / "playground").rglob("*.py")):
        if "ui" in path.parts or path.name.startswith("standalone"):
            continue
        tree = ast.parse(path.read_text())
        inside = {
            id(n)
            for call in ast.walk(tree)
            if isinstance(call, ast.Call)
            and getattr(call.func, "id", getattr(call.func, "attr", "")) in LEFT_ENGLISH
            for n in ast.walk(call)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr) and id(node) not in inside:
                words = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
                if english_in(words):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {words[:40]!r}")
    assert not found, found


def test_a_text_formatted_into_a_sentence_is_shown_there_and_stays_english_as_a_string():
    waiting = Text("Waiting for a worker.")
    with language("zh"):
        outer = Text("{why} ({n})", why=waiting, n=2)  # made while a page reads Chinese
        said = _("Stopped: {reason}, at step {step}. Its run and weights are kept.")
        assert said.format(reason=waiting, step=3).startswith("已停止：正在等待工作进程。")
        assert f"{waiting:>12}" == f"{'正在等待工作进程。':>12}"
        assert str(outer) == "Waiting for a worker. (2)"
        assert json.dumps(outer) == '"Waiting for a worker. (2)"'
    assert f"{waiting}" == "Waiting for a worker."  # in English where the reader is
