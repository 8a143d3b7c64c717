"""The Language page in AppTest: every view renders; a tiny job trains with the live metrics
and the timeline; Generate writes; Look inside draws every head and the logit lens; a masked
model fills blanks; a bad upload is a sentence."""

import shutil

import pytest
from streamlit.testing.v1 import AppTest

from playground.exchange import runs
from playground.serving.jobs import TrainingJob
from playground.tasks.language.recipe import LanguageConfig
from playground.tasks.language.specs import GPTSpec
from playground.ui import state
from tests.test_app import APP, by_label, shown, wait_until

TINY = GPTSpec(layers=2, heads=2, width=32, context=16, name="tiny")
QUICK = LanguageConfig(
    corpus="names", steps=40, batch_size=8, eval_every=20, eval_batches=2, sample_length=20
)


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """A finished example run (no owner: every session sees it)."""
    root = tmp_path_factory.mktemp("made")
    job = TrainingJob(TINY, QUICK, runs_dir=root, name="tiny-names")
    job.start()
    assert job.wait(300) and job.status.value == "finished", job.message
    return job.run_dir


@pytest.fixture
def page(example, tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_RUNS_DIR", str(tmp_path / "runs"))
    shutil.copytree(example, tmp_path / "runs" / example.name)
    state.manager.clear()
    app = AppTest.from_file(str(APP), default_timeout=120)
    app.run()
    app.switch_page("app_pages/language.py").run()
    assert not app.exception, app.exception
    yield app
    for job in state.manager().jobs():
        job.stop()
        job.wait(30)
    state.manager.clear()


def pick_run(app: AppTest) -> None:
    """The example run in the model picker (its value is the run's folder)."""
    (run,) = [r for r in runs.list_runs() if r.task_name == "language"]
    app.selectbox(key="language-model-pick").set_value(str(run.path)).run()


def test_generate_writes_and_shows_what_each_token_was_drawn_from(page):
    pick_run(page)
    page.text_area(key="language-prompt").input("em").run()
    by_label(page.button, "Generate").click().run()
    assert not page.exception, page.exception
    written = " ".join(t.value for t in page.text)
    assert written.startswith("em") and len(written) > 20
    assert "language-top" in [c.key for c in page.get("plotly_chart")]


def test_look_inside_draws_every_head_the_lens_and_the_embeddings(page):
    pick_run(page)
    keys = [c.key for c in page.get("plotly_chart")]
    assert {"language-heads", "language-attention", "language-lens", "language-embeddings"} <= set(
        keys
    )
    assert "This head's pattern" in " ".join(shown(c) for c in page.caption)


def test_a_tiny_job_trains_live_with_its_metrics_and_timeline(page):
    by_label(page.selectbox, "Corpus").set_value("names").run()
    page.number_input(
        key=next(k for k in (n.key for n in page.number_input) if k.endswith("-steps"))
    ).set_value(40).run()
    by_label(page.button, "Start training").click().run()
    assert not page.exception, page.exception
    (job,) = state.manager().jobs()
    assert job.task.name == "language"
    wait_until(page, lambda a: job.status.ended, timeout=300)
    page.run()
    labels = {m.label for m in page.metric}
    assert {"Step", "Train loss", "Val loss", "Tokens/s"} <= labels
    assert job.log.notes() and "What it writes" in " ".join(e.label for e in page.expander)
    assert any(r.task_name == "language" for r in runs.list_runs())


def test_a_text_that_is_not_utf8_is_a_sentence(page):
    by_label(page.selectbox, "Corpus").set_value("own").run()
    uploader = next(u for u in page.file_uploader if "txt" in u.label)
    uploader.set_value(("bad.txt", b"\xff\xfe\x00abc" * 100, "text/plain")).run()
    assert not page.exception, page.exception
    assert "is not UTF-8 text" in " ".join(shown(e) for e in page.error)


def test_a_job_starts_from_a_run_and_compares_with_scratch(page):
    """Start from the example run (its layers, its tokenizer), all but the head frozen, and
    the comparison with a fresh model says what the start bought in nats."""
    (run,) = [r for r in runs.list_runs() if r.task_name == "language"]
    page.selectbox(key="language-start-source").set_value(str(run.path)).run()
    by_label(page.button, "Use its layers").click().run()
    by_label(page.button, "Train only the last layer").click().run()
    assert not page.exception, page.exception
    table = next(f.value for f in page.dataframe if "why" in f.value.columns)
    assert set(table["starts"]) == {"copied"} and table["frozen"].any()
    by_label(page.selectbox, "Corpus").set_value("names").run()
    page.number_input(
        key=next(k for k in (n.key for n in page.number_input) if k.endswith("-steps"))
    ).set_value(40).run()
    page.checkbox(key="language-compare").check().run()
    by_label(page.button, "Start training").click().run()
    assert not page.exception, page.exception
    (job,) = state.manager().jobs()
    assert type(job).__name__ == "CompareJob"
    wait_until(page, lambda a: job.status.ended, timeout=300)
    page.run()
    assert job.status.value == "finished", job.message
    first = runs.load_run(job.done[0]["run_dir"]).summary
    assert first["start_from"] == run.name, first
    assert first["frozen"] and not first["new"], first
    said = " ".join(shown(i) for i in page.info)
    assert "nats per token of val loss at equal steps" in said
