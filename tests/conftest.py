"""Shared fixtures: real MNIST from $PLAYGROUND_MNIST_DIR, temporary data and run folders."""

import os
from pathlib import Path

# The app shows people no tracebacks (.streamlit/config.toml); a failing test should.
os.environ.setdefault("STREAMLIT_CLIENT_SHOW_ERROR_DETAILS", "full")

import pytest

import playground.tasks
import playground.ui
from playground.datasets import images as data_module

# The tests' own kind of model plugs in by its folders alone (tests/plugin/tasks/line and
# tests/plugin/ui/line), found where the app finds its own: a third task on every page.
PLUGIN = Path(__file__).parent / "plugin"
playground.tasks.__path__.append(str(PLUGIN / "tasks"))
playground.ui.__path__.append(str(PLUGIN / "ui"))


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The folder of real MNIST IDX files; CI must have it, elsewhere the test is skipped."""
    folder = os.environ.get("PLAYGROUND_MNIST_DIR")
    if folder and Path(folder).is_dir():
        return Path(folder)
    message = "real MNIST is needed: set PLAYGROUND_MNIST_DIR to a folder with its IDX files"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _own_data_and_runs(tmp_path, monkeypatch):
    """Tests never read or write the user's data/ and runs/ folders."""
    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PLAYGROUND_RUNS_DIR", str(tmp_path / "runs"))
    yield
    data_module.clear_cache()


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """A real Chromium driven by Playwright, for the whole test session; its microphone says
    "seven" (tests/browser.fake_microphone)."""
    from tests.browser import chromium_or_skip, fake_microphone

    sync_playwright, launch = chromium_or_skip()
    launch["args"] = [*launch["args"], *fake_microphone(tmp_path_factory.mktemp("microphone"))]
    with sync_playwright() as p:
        chromium = p.chromium.launch(**launch)
        yield chromium
        chromium.close()


# A closed port on this machine: a download from it fails at once, as it does offline.
OFFLINE_MIRROR = "http://127.0.0.1:9/"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """`streamlit run app.py` with empty data and runs folders, one server per test module."""
    from tests.browser import streamlit_server

    with streamlit_server(tmp_path_factory.mktemp("server")) as url:
        yield url


@pytest.fixture(scope="session")
def ray_cluster():
    """A local Ray cluster for the whole test session (2 CPUs); yields the RayJob class."""
    try:
        from playground.serving import ray_jobs
    except ImportError as e:  # pragma: no cover - ray is in requirements.txt
        pytest.fail(f"Ray is needed for these tests: {e}")
    ray_jobs.connect("local")
    yield ray_jobs.RayJob
    import ray

    ray.shutdown()


QUICK_BUNDLE = {"dataset": "mnist-sample", "epochs": 2, "batch_size": 64, "train_limit": 1000}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A finished run of the MLP (trained as tests/test_bundles.QUICK says), and its bundle."""
    from playground.exchange import bundles, runs
    from playground.serving.jobs import TrainingJob
    from playground.tasks.image.recipe import TrainConfig
    from playground.tasks.image.specs import ModelSpec

    root = tmp_path_factory.mktemp("runs")
    config = TrainConfig(**QUICK_BUNDLE)
    job = TrainingJob(ModelSpec.from_preset("mlp"), config, runs_dir=root, owner="browser:a")
    job.start()
    assert job.wait(300) and job.status.value == "finished", job.message
    run = runs.load_run(job.run_dir)
    return run, bundles.make_bundle(run)


@pytest.fixture(scope="session")
def every_run(tmp_path_factory):
    """Runs of every task, ended every way (tests/every_run.py): name -> folder."""
    from tests import every_run as made

    return made.make(tmp_path_factory.mktemp("every-run"))
