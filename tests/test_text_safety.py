"""Text that arrives from outside (a link, an upload, a name) reaches the page as text: a crafted
value cannot put a link, an image or HTML inside the app's own messages. Each door gets the same
payload, and every message, caption and alert of the page must show it literally (escaped for
Streamlit's markdown)."""

import io
import json
import re
import zipfile

import pytest
from streamlit.testing.v1 import AppTest

from playground.tasks.image.export import links
from playground.tasks.image.specs import LayerSpec, ModelSpec
from tests.test_app import APP

PAYLOAD = "[log in again](http://evil.example/login) ![x](http://evil.example/x.png) <img src=x>"
# what markdown or HTML would act on: the payload's pieces, not escaped by a backslash
RAW = re.compile(r"(?<!\\)\[log in again(?<!\\)\]|(?<!\\)\]\(http|(?<!\\)<img")


def shown(app: AppTest) -> list[str]:
    """The markdown source of every message the page shows."""
    kinds = ("warning", "error", "info", "success", "caption", "markdown", "exception", "toast")
    return [str(e.value) for kind in kinds for e in getattr(app, kind)]


def assert_literal(texts: list[str]) -> None:
    """The payload is there, escaped, and nowhere raw."""
    joined = "\n".join(texts)
    assert r"\[log in again\]" in joined, joined[:2000]  # quoted (maybe cut short), escaped
    found = RAW.search(joined)
    assert found is None, f"{found.group()!r} reached the page unescaped:\n{joined[:2000]}"


def opened(page: str, query: dict[str, str]) -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=60)
    for key, value in query.items():
        app.query_params[key] = value
    app.switch_page(page).run()
    return app


def _layers_link(kind: str) -> dict[str, str]:
    return links.to_query(ModelSpec((LayerSpec(kind),), name="x"))


@pytest.mark.parametrize(
    ("page", "query"),
    [
        ("app_pages/build.py", _layers_link(PAYLOAD)),  # an unknown layer kind
        ("app_pages/train.py", {"model": "mlp", "optimizer": PAYLOAD}),  # an unknown optimizer
        ("app_pages/train.py", {"model": "mlp", PAYLOAD: "1"}),  # an unknown setting
        ("app_pages/playground2d.py", {"data": PAYLOAD}),  # an unknown dataset
        ("app_pages/playground2d.py", {"f": f"x1,{PAYLOAD}"}),  # an unknown feature
    ],
    ids=["layer-kind", "optimizer", "setting", "2d-dataset", "2d-feature"],
)
def test_a_crafted_link_is_shown_as_text(page, query):
    app = opened(page, query)
    assert not app.exception, app.exception
    assert_literal(shown(app))


def test_a_tensorflow_playground_link_is_shown_as_text():
    app = opened("app_pages/playground2d.py", {})
    link = f"https://playground.tensorflow.org/#dataset={PAYLOAD}&networkShape=2"
    app.text_input(key="playground2d-tf-link").input(link).run()
    app.button(key="playground2d-tf-open").click().run()
    assert not app.exception, app.exception
    assert_literal(shown(app))


def test_a_model_name_is_shown_as_text():
    app = opened("app_pages/build.py", {})
    app.text_input[0].input(PAYLOAD).run()
    assert_literal(shown(app) + [m.value for m in app.sidebar.markdown])


def test_an_uploaded_csv_of_points_is_explained_as_text():
    app = opened("app_pages/playground2d.py", {})
    rows = "x1,x2,label\n" + "0.1,0.2,0\n" * 4 + f"0.1,{PAYLOAD},0\n"
    uploader = next(u for u in app.file_uploader if "CSV" in u.label)
    uploader.set_value(("points.csv", rows.encode(), "text/csv")).run()
    assert not app.exception, app.exception
    assert_literal(shown(app))


def test_an_uploaded_bundle_is_explained_as_text():
    app = opened("app_pages/train.py", {})
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.writestr("run/spec.json", json.dumps({"layers": [{"kind": PAYLOAD}]}))
        zf.writestr("run/config.json", "{}")
        zf.writestr("run/weights.safetensors", b"")
    uploader = next(u for u in app.file_uploader if "bundle" in u.label)
    uploader.set_value((f"{PAYLOAD}.zip", zipped.getvalue(), "application/zip")).run()
    assert not app.exception, app.exception
    assert_literal(shown(app))
