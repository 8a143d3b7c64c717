"""The scaling lab in AppTest: the shipped sweeps show their law, curves, costs and the papers';
a learner's sweep starts, trains as one job and joins the list; a budget too small is a
sentence, not a sweep."""

import pytest
from streamlit.testing.v1 import AppTest

from playground.serving.sweeps import SweepJob
from playground.ui import state
from tests.test_app import APP, by_label, shown, wait_until


@pytest.fixture
def lab(tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_RUNS_DIR", str(tmp_path / "runs"))
    state.manager.clear()
    app = AppTest.from_file(str(APP), default_timeout=120)
    app.run()
    app.switch_page("app_pages/scale.py").run()
    assert not app.exception, app.exception
    yield app
    for job in state.manager().jobs():
        job.stop()
        job.wait(60)
    state.manager.clear()


def test_the_shipped_sweeps_show_their_law_and_cost(lab):
    picker = lab.selectbox(key="scale-pick")
    assert len(picker.options) >= 2  # the image and the language sweep
    for i in range(len(picker.options)):
        lab.selectbox(key="scale-pick").select_index(i).run()
        assert not lab.exception, lab.exception
        said = " ".join(shown(s) for s in lab.success)
        assert "alpha = " in said, [shown(w) for w in lab.warning]
        assert len(lab.get("plotly_chart")) >= 3
        frames = [f.value for f in lab.dataframe]
        (costs,) = [f for f in frames if "CO2 (g)" in f.columns]
        (papers,) = [f for f in frames if "who" in f.columns]
        assert len(costs) == 5 and (costs["FLOPs"] > 0).all() and (costs["CO2 (g)"] > 0).all()
        assert "Kaplan et al. 2020" in set(papers["who"]) and "you" in set(papers["who"])
        assert by_label(lab.metric, "Predicted final loss").value


def test_a_budget_below_one_step_is_a_sentence(lab):
    lab.selectbox(key="scale-budget").set_value("samples").run()
    lab.number_input(key="scale-samples-image").set_value(3.0).run()
    assert any("less than one step" in shown(w) for w in lab.warning)
    assert by_label(lab.button, "Start sweep").disabled


def test_a_learners_sweep_trains_as_one_job_and_joins_the_list(lab):
    lab.radio(key="scale-task").set_value("language").run()
    lab.selectbox(key="scale-language-preset").set_value("names-tiny").run()
    lab.slider(key="scale-sizes").set_value(4).run()
    lab.number_input(key="scale-steps-language").set_value(20.0).run()
    assert not lab.exception, lab.exception
    by_label(lab.button, "Start sweep").click().run()
    assert not lab.exception, lab.exception
    (job,) = state.manager().jobs()
    assert isinstance(job, SweepJob) and len(job.members) == 4
    assert by_label(lab.button, "Start sweep").disabled  # one job per person: the sweep is it
    assert job.wait(300) and job.status.value == "finished", job.message
    wait_until(lab, lambda app: any("names-tiny sweep (Language model, 4 sizes, 20" in o
                                    for o in app.selectbox(key="scale-pick").options))  # fmt: skip
    assert any("4 of 4 sizes finished" in c.value for c in lab.caption)
