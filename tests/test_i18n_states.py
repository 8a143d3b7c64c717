"""The app in Chinese beyond each page's first view: errors made deep in the library (in a
job's thread, read back from a saved run), bad links and files, the rarer views of Inspect,
Evaluate and Playground 2-D. An error is a lazy Text: made once in English, shown to each
reader in theirs."""

from __future__ import annotations

import ast
import json
import pickle
from contextlib import contextmanager

import pytest
from streamlit.testing.v1 import AppTest

from playground.engine import i18n
from playground.engine.i18n import Term, Text, _
from playground.engine.metrics import Status
from playground.engine.records import SpecError
from playground.exchange.runs import list_runs
from playground.serving.jobs import TrainingJob
from playground.tasks.image import models
from playground.tasks.image.recipe import TrainConfig
from playground.tasks.image.specs import ModelSpec
from tests.browser import ROOT
from tests.test_app import APP
from tests.test_i18n import english_in, shown_texts


@contextmanager
def language(code: str):
    token = i18n._current.set(code)
    try:
        yield
    finally:
        i18n._current.reset(token)


def in_chinese(message) -> str:
    with language("zh"):
        return _(str(message))


# --- a message made in one place, shown in another --------------------------------------------


def test_a_text_stays_one_through_an_exception_a_pickle_and_json():
    made = Text(
        "{count} jobs from your network address are queued or training already, the "
        "most this server takes from one address: try again when one of them has ended.",
        count=12,
    )
    error = SpecError(made)
    assert str(error).startswith("12 jobs from your network address")  # English, for logs
    assert isinstance(str(error), Text) and isinstance(error.message, Text)
    assert in_chinese(error).startswith("来自你的网络地址的 12 个任务")
    assert in_chinese(pickle.loads(pickle.dumps(made))) == in_chinese(made)  # as Ray sends it
    back = Text.from_json(json.loads(json.dumps(made.to_json())), "old")
    assert back == made and in_chinese(back) == in_chinese(made)


def test_a_nested_text_and_a_catalog_word_are_translated_but_a_quoted_value_is_not():
    inner = Text("The weights in {what}", what="run.zip")
    outer = Text("{what} is not a safetensors file: its header is cut short.", what=inner)
    assert in_chinese(outer) == "run.zip 中的权重不是 safetensors 文件：它的文件头被截断了。"
    label = Text("{task} has no presets: give a model with --spec FILE.", task="Language model")
    assert "语言模型" in in_chinese(label)
    typed = Text(
        "there is no layer kind {kind!r}; choose one of {names}",
        kind="Flatten",
        names="flatten, linear",
    )
    assert "'Flatten'" in in_chinese(typed)  # what the user typed stays as typed


def test_a_term_reads_as_english_in_a_sentence_and_as_its_label_in_chinese():
    word = Term("batch size", "Batch size")
    assert str(word) == "batch size" and _(word) == "batch size"
    assert in_chinese(word) == "批大小（batch size）"
    assert pickle.loads(pickle.dumps(word)).template == "Batch size"


@pytest.mark.parametrize("template", [
    "{value.__class__.__mro__}", "{value[0]}", "{value:>99999999}", "{0}", "x" * 3000,
])  # fmt: skip
def test_a_saved_template_that_could_do_more_than_fill_in_a_value_is_not_used(template):
    assert Text.from_json({"template": template, "values": {"value": "x"}}, "the English") == (
        "the English"
    )


def test_a_setting_out_of_range_names_it_in_the_readers_words():
    with pytest.raises(SpecError) as caught:
        TrainConfig(batch_size=0).validate()
    assert str(caught.value) == "Batch size is 0, but must be from 1 to 8192: images per step."
    assert (
        in_chinese(caught.value)
        == "批大小（batch size）为 0，但必须在 1 到 8192 之间：每步的图片数。"
    )
    with pytest.raises(SpecError) as caught:
        TrainConfig(optimizer="lion").validate()
    assert in_chinese(caught.value).startswith("没有优化器（optimizer） 'lion'")


def test_a_job_that_fails_in_its_thread_says_why_in_each_readers_language(tmp_path, monkeypatch):
    def out_of_room(*args, **kwargs):  # our own loop, failing as a full disk makes it fail
        raise SpecError(Text("Run {name} has no saved weights.", name="mine"))

    monkeypatch.setattr("playground.engine.loop.run", out_of_room)
    config = TrainConfig(dataset="mnist-sample", epochs=1, batch_size=64, train_limit=256)
    job = TrainingJob(ModelSpec.from_preset("mlp"), config, runs_dir=tmp_path)
    job.start()
    assert job.wait(120) and job.status is Status.FAILED
    with language("en"):
        assert _(job.message) == "Run mine has no saved weights."
    assert in_chinese(job.message) == "运行 mine 没有保存的权重。"
    (saved,) = list_runs(tmp_path)  # read back from summary.json, as the runs table does
    assert saved.summary["message"] == "Run mine has no saved weights."
    assert in_chinese(saved.summary["message"]) == "运行 mine 没有保存的权重。"


def test_a_job_whose_starting_weights_do_not_fit_says_so_in_chinese():
    wrong = models.build(ModelSpec.from_preset("seed-cnn")).state_dict()
    config = TrainConfig(dataset="mnist-sample", epochs=1, batch_size=64, train_limit=256)
    job = TrainingJob(ModelSpec.from_preset("mlp"), config, initial_weights=wrong)
    job.start()
    assert job.wait(120) and job.status is Status.FAILED
    assert in_chinese(job.message).startswith("起点权重与模型不匹配")


# --- the rule that keeps it so ------------------------------------------------------------------

ERRORS = {"SpecError", "LayerProblem", "DataError", "DataUnavailable", "LinkError", "BundleError",
          "ExperimentError", "PointsError", "ImageError", "Refused", "OverQuota", "JobFailed",
          "ClusterUnavailable", "ExportError", "NotAllowed", "TrainersBusy"}  # fmt: skip


def test_every_error_for_a_person_is_a_text_or_a_catalog_message():
    """`raise SpecError(f"...")` would be English for every reader: errors say Text(...) (a
    template with values) or N_(...) (a fixed sentence)."""
    found = []
    for path in sorted((ROOT / "playground").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            name = getattr(node.exc.func, "id", getattr(node.exc.func, "attr", ""))
            if (
                name in ERRORS
                and node.exc.args
                and isinstance(node.exc.args[0], (ast.JoinedStr, ast.Constant, ast.BinOp))
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, found


def test_no_page_builds_an_english_sentence_from_pieces():
    """An f-string or a sum of strings with English words in app_pages/ or playground/ui/
    reads in English whatever the switch says; its template goes through _()."""
    found = []
    files = [*(ROOT / "app_pages").glob("*.py"), *(ROOT / "playground" / "ui").rglob("*.py")]
    for path in sorted(files):
        tree = ast.parse(path.read_text())
        inside = {
            id(n)
            for call in ast.walk(tree)
            if isinstance(call, ast.Call) and getattr(call.func, "id", "") in ("_", "N_", "Text")
            for n in ast.walk(call)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr) and id(node) not in inside:
                words = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
                if "<" not in words and " " in words and english_in(words):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {words[:40]!r}")
    assert not found, found


# --- pages in states other than their first view ------------------------------------------------


def opened(page: str, query: dict | None = None) -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=60)
    app.query_params["lang"] = "zh"
    for key, value in (query or {}).items():
        app.query_params[key] = value
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def english_left(app: AppTest) -> list[str]:
    return sorted({e for t in shown_texts(app) for e in english_in(t)})


def test_a_bad_train_link_is_explained_in_chinese():
    app = opened("app_pages/train.py", {"model": "lenet5", "lr": "fast"})
    (warning,) = app.warning
    assert "现在显示的是默认模型和设置" in warning.value and "学习率" in warning.value
    assert not english_left(app)


def test_a_bad_model_file_on_build_is_explained_in_chinese():
    app = opened("app_pages/build.py")
    with language("zh"):  # AppTest formats the pickers' options here, outside the page's run
        app.file_uploader[0].set_value(("model.json", b"{not json", "application/json")).run()
    assert "没有导入" in " ".join(e.value for e in app.error)
    assert "不是有效的 JSON" in " ".join(e.value for e in app.error)
    assert not english_left(app)


def test_a_bad_playground2d_link_is_explained_in_chinese():
    app = opened("app_pages/playground2d.py", {"h": "40", "act": "tanh"})
    try:
        assert app.warning and "现在显示的是默认实验" in app.warning[0].value
        assert not english_left(app)
    finally:
        if "playground2d-trainer" in app.session_state:
            app.session_state["playground2d-trainer"].close()


@pytest.mark.parametrize("source", ["A random test image", "A mistake", "My drawing on Draw"])
def test_inspects_other_inputs_read_in_chinese(source):
    app = opened("app_pages/inspect.py")
    radio = next(r for r in app.radio if r.key == "inspect-how")
    with language("zh"):
        radio.set_value(source).run()
    assert not app.exception, app.exception
    assert not english_left(app)


def test_evaluate_compares_two_models_in_chinese():
    app = opened("app_pages/evaluate.py")
    with language("zh"):
        next(t for t in app.toggle if t.key == "eval-compare").set_value(True).run()
    assert not app.exception, app.exception
    assert not english_left(app)
