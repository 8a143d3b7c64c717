"""Build and Train keep the experiment in the page's address: a session opened from such a
link starts with that model and those settings, a bad link is explained and the defaults are
kept, and the address follows what the user changes."""

from urllib.parse import parse_qsl

from streamlit.testing.v1 import AppTest

from playground.tasks.image.export import links
from playground.tasks.image.recipe import TrainConfig
from playground.tasks.image.specs import ModelSpec
from tests.test_app import APP, by_label, shown
from tests.test_standalone import EVERY_KIND


def opened_at(page: str, query: dict) -> AppTest:
    """A new session whose first page is `page` with `query`, as a pasted link opens it."""
    app = AppTest.from_file(str(APP), default_timeout=30)
    for key, value in query.items():
        app.query_params[key] = value
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def query_of(app: AppTest) -> dict:
    return {k: v[0] if isinstance(v, list) else v for k, v in app.query_params.items()}


def captions(app: AppTest) -> str:
    return " ".join(shown(c) for c in app.caption)


def test_a_build_link_rebuilds_the_model():
    app = opened_at("app_pages/build.py", links.to_query(EVERY_KIND))
    assert "Current model: every kind" in captions(app)
    assert not app.warning
    assert query_of(app) == links.to_query(EVERY_KIND)


def test_a_train_link_sets_the_model_and_the_settings():
    config = TrainConfig(optimizer="sgd", lr=0.05, epochs=5, augment=True)
    app = opened_at("app_pages/train.py", links.to_query(ModelSpec.from_preset("lenet5"), config))
    assert "Model: lenet5" in captions(app)
    assert by_label(app.selectbox, "Optimizer").value == "sgd"
    assert by_label(app.number_input, "Learning rate").value == 0.05
    assert by_label(app.number_input, "Epochs").value == 5
    assert by_label(app.toggle, "Augment (random rotation, scale, shift)").value is True


def test_a_bad_link_is_explained_and_the_defaults_are_kept():
    app = opened_at("app_pages/train.py", {"model": "lenet5", "lr": "fast"})
    (warning,) = app.warning
    assert "The link's Learning rate is 'fast'" in warning.value
    assert "default model and settings are shown instead" in warning.value
    assert "Model: seed-cnn" in captions(app)
    assert by_label(app.number_input, "Learning rate").value == 5e-3  # the seed CNN's own
    assert query_of(app) == {"model": "seed-cnn", "epochs": "2", "lr": "0.005"}  # the defaults


def test_the_address_follows_the_model_and_settings():
    app = opened_at("app_pages/train.py", {})
    by_label(app.number_input, "Epochs").set_value(7).run()
    wanted = {"model": "seed-cnn", "epochs": "7", "lr": "0.005"}  # the seed CNN's own lr
    assert query_of(app) == wanted
    link = app.code[0].value  # the Copy link box
    assert dict(parse_qsl(link.split("?", 1)[1])) == wanted
