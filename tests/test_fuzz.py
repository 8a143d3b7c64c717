"""Every door, fuzzed: whatever arrives (a file, a link, a setting), the answer is a message in
words (the door's own error type), never an uncaught exception."""

import contextlib
import io
import json
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from playground.engine import metrics
from playground.engine import settings as server_settings
from playground.engine.records import SpecError
from playground.exchange import run_files, runs
from playground.explain.drawing import ImageError, read_image
from playground.playground2d.data import PointsError, read_csv
from playground.playground2d.experiment import Experiment, ExperimentError
from playground.tasks.image.recipe import TrainConfig
from playground.tasks.image.specs import ModelSpec
from playground.ui.train.spec_files import read_spec
from tests.test_app import APP

HUGE = st.integers(min_value=-(10**450), max_value=10**450)
SCALARS = st.none() | st.booleans() | HUGE | st.integers(-5, 300) | st.floats() | st.text()
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=25,
)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def layer_like():
    kinds = st.sampled_from(["conv2d", "linear", "flatten", "maxpool2d", "residual", "x"]) | JSON
    params = st.dictionaries(
        st.sampled_from(["out_channels", "kernel_size", "padding", "stride", "out_features", "p"]),
        JSON,
    )
    return st.fixed_dictionaries({"kind": kinds}, optional={"params": params, "activation": JSON})


@FUZZ
@given(st.fixed_dictionaries({"layers": st.lists(layer_like(), max_size=5)}) | JSON)
def test_a_model_spec_from_anywhere_is_a_spec_or_a_spec_error(data):
    with contextlib.suppress(SpecError):
        ModelSpec.from_json(json.dumps(data)).validate()


@FUZZ
@given(st.binary(max_size=400) | JSON.map(lambda d: json.dumps(d).encode()))
def test_an_uploaded_spec_file_is_read_or_refused_in_words(data):
    with contextlib.suppress(SpecError):
        read_spec(data)


@FUZZ
@given(st.dictionaries(st.sampled_from([*TrainConfig().to_dict(), "zz"]), JSON) | JSON)
def test_a_training_config_from_anywhere_is_a_config_or_a_spec_error(data):
    with contextlib.suppress(SpecError):
        TrainConfig.from_json(json.dumps(data))


@FUZZ
@given(JSON)
def test_a_metrics_line_is_a_record_or_a_value_error(data):
    with contextlib.suppress(ValueError):
        metrics.from_dict(data)


CSV_TEXT = st.text(alphabet=string.digits + '.,-e \n\r\t"x\x00', max_size=400)


@FUZZ
@given(CSV_TEXT | st.binary(max_size=400).map(lambda b: b.decode("utf-8", "replace")))
def test_a_csv_of_points_is_points_or_a_points_error(text):
    with contextlib.suppress(PointsError):
        read_csv(io.StringIO(text))


@FUZZ
@given(
    st.binary(max_size=600)
    | st.binary(max_size=600).map(lambda b: b"\x89PNG\r\n\x1a\n" + b)
    | st.binary(max_size=600).map(lambda b: b"\xff\xd8\xff\xe0" + b)
    | st.binary(max_size=600).map(lambda b: b"GIF89a" + b)
)
def test_an_image_file_is_an_image_or_an_image_error(data):
    with contextlib.suppress(ImageError):
        read_image(data)


QUERY = st.dictionaries(
    st.sampled_from(["data", "noise", "n", "train", "seed", "f", "h", "act", "reg", "rr", "drop",
                     "loss", "opt", "lr", "bs", "job", "watch", "zz"]),
    st.text(max_size=30) | HUGE.map(str) | st.floats().map(str),
    max_size=6,
)  # fmt: skip


@FUZZ
@given(QUERY)
def test_a_playground_link_is_an_experiment_or_an_experiment_error(query):
    with contextlib.suppress(ExperimentError):
        Experiment.from_query(query)


@FUZZ
@given(st.dictionaries(st.sampled_from(["PLAYGROUND_QUEUE_CAP", "PLAYGROUND_JOB_MINUTES",
                                        "PLAYGROUND_JOBS_AT_ONCE", "PLAYGROUND_DISK_QUOTA_MB"]),
                       st.text(max_size=12) | HUGE.map(str)))  # fmt: skip
def test_server_settings_from_the_environment_are_settings_or_a_spec_error(environ):
    with contextlib.suppress(SpecError):
        server_settings.load("/nonexistent/settings.toml", environ=environ)


RUN_FILES = ["spec.json", "config.json", "summary.json", "metrics.jsonl", "access.json"]


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(RUN_FILES),
        st.binary(max_size=300) | JSON.map(lambda d: json.dumps(d).encode()),
    )
)
def test_any_bytes_in_a_run_folder_never_break_the_runs_list(tmp_path_factory, files):
    root = tmp_path_factory.mktemp("runs")
    good = run_files.RunWriter(root, "good", ModelSpec.from_preset("mlp"), TrainConfig()).path
    folder = root / "20260101-000000-fuzzed"
    folder.mkdir()
    (folder / "spec.json").write_text(ModelSpec.from_preset("mlp").to_json())
    (folder / "config.json").write_text(TrainConfig().to_json())
    for name, content in files.items():
        (folder / name).write_bytes(content)
    found = runs.list_runs(root)
    assert good in [r.path for r in found]
    for run in found:
        run.log().points()
        assert run.damage is None or isinstance(run.damage, str)
    for damaged in runs.damaged_runs(root):
        assert isinstance(damaged.why, str) and damaged.why


@pytest.mark.parametrize(
    "page",
    ["app_pages/train.py", "app_pages/playground2d.py", "app_pages/build.py", "app_pages/draw.py"],
)
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(query=QUERY)
def test_any_link_to_a_page_ends_in_the_page_or_a_message(page, query):
    app = AppTest.from_file(str(APP), default_timeout=30)
    for key, value in query.items():
        app.query_params[key] = value
    app.switch_page(page).run()
    assert not app.exception, (query, app.exception)
    if "playground2d-trainer" in app.session_state:
        app.session_state["playground2d-trainer"].close()
