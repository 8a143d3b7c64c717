"""The app in Chinese: the catalog is complete and current, lookups are per session (two people
on one server read two languages), and the pages translated so far show no English sentence
in Chinese mode. DONE: every module that hands Streamlit a text."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import threading

import pytest
from babel.messages.pofile import read_po
from streamlit.testing.v1 import AppTest

from playground.engine import i18n
from tests.browser import ROOT
from tests.test_app import APP

PO = ROOT / "playground" / "locale" / "zh" / "LC_MESSAGES" / "messages.po"
DONE = sorted(
    str(p.relative_to(ROOT))
    for p in [
        ROOT / "app.py",
        *(ROOT / "app_pages").glob("*.py"),
        *(ROOT / "playground" / "ui").rglob("*.py"),
    ]
)
ST_TEXT = {"title", "header", "subheader", "caption", "markdown", "write", "button", "info",
           "warning", "error", "success", "toast", "metric", "checkbox", "toggle", "selectbox",
           "multiselect", "number_input", "text_input", "slider", "expander", "page_link",
           "download_button", "popover", "text_area", "radio", "segmented_control",
           "select_slider", "tabs", "file_uploader", "form_submit_button", "link_button",
           "pills", "spinner", "status", "dialog", "date_input", "chat_input"}  # fmt: skip


def _fields(text: str) -> set[str]:
    return set(re.findall(r"\{(\w*)[^}]*\}", text))


def test_every_message_has_a_chinese_translation_with_the_same_fields():
    catalog = read_po(PO.open("rb"), locale="zh")
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"not translated: {ids[0]!r}"
        assert "fuzzy" not in message.flags, ids[0]
        for s in strings:
            assert _fields(s) == _fields(ids[0]), (ids[0], s)


def test_the_catalog_holds_every_text_the_code_wraps(tmp_path):
    pot = tmp_path / "messages.pot"
    done = subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
                           "babel.cfg", "-k", "N_", "-k", "Text", "-o", str(pot), "."], cwd=ROOT,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    wrapped = {m.id for m in read_po(pot.open("rb")) if m.id}
    translated = {m.id for m in read_po(PO.open("rb"), locale="zh") if m.id}
    missing = wrapped - translated
    assert not missing, f"run pybabel update and translate: {sorted(missing)[:5]}"


def _unwrapped(path) -> list[str]:
    """Literal texts handed to Streamlit (st.x("...") / col.x("...")) without _()."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in ST_TEXT:
            continue
        receiver = node.func.value
        if isinstance(receiver, ast.Name) and receiver.id in ("logger", "logging"):
            continue  # the server's log stays English
        values = [*node.args[:1], *(k.value for k in node.keywords if k.arg in ("label", "help"))]
        values = [
            v
            for value in values
            for v in (value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value])
        ]
        for value in values:
            if isinstance(value, ast.Constant) and _words(value.value):
                found.append(f"{path.name}:{value.lineno} {value.value[:40]!r}")
            elif isinstance(value, ast.JoinedStr) and any(
                isinstance(v, ast.Constant) and _words(v.value) for v in value.values
            ):
                found.append(f"{path.name}:{value.lineno} an f-string")
    return found


def _words(value: object) -> bool:
    """A text with English words in it (not a page's path, an icon, or already bilingual)."""
    if not isinstance(value, str) or value.endswith(".py") or value.startswith(":material"):
        return False
    if "/" in value and re.fullmatch(r"[\w/.-]*", value):  # a page's path
        return False
    return bool(re.search(r"[A-Za-z]{2,}", value)) and not re.search(r"[\u4e00-\u9fff]", value)


@pytest.mark.parametrize("name", DONE)
def test_the_translated_modules_hand_streamlit_no_unwrapped_text(name):
    assert not _unwrapped(ROOT / name)


def test_lookups_are_per_context_not_per_process():
    seen = {}

    def other():
        seen["other"] = i18n._("Start training")  # a thread of its own: English

    i18n.use("zh")
    try:
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        assert i18n._("Start training") == "开始训练" and seen["other"] == "Start training"
        assert i18n.ngettext("Finished {n} epoch", "Finished {n} epochs", 3) == "已完成 {n} 轮"
    finally:
        i18n.use("en")
    assert i18n.pick(None, "", "zh-CN") == "zh" and i18n.pick("fr", "en-GB") == "en"


ENGLISH = re.compile(r"\b[A-Za-z][a-z]+(?:[ ,;:'-]+[A-Za-z][a-z]+){2,}")  # three words or more


def english_in(text: str) -> list[str]:
    """English sentences left in a text, not counting code, bracketed terms and names."""
    text = re.sub(r"`[^`]*`|（[^）]*）|\([^)]*\)|:material/\w+:|\*\*|/\S+", " ", text)
    return ENGLISH.findall(text)


def _open(page: str, lang: str) -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=60)
    app.query_params["lang"] = lang
    app.run()
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def test_home_in_chinese_has_no_english_sentence():
    app = _open("app_pages/home.py", "zh")
    texts = [
        t.value for kind in ("title", "markdown", "caption", "subheader") for t in app.get(kind)
    ]
    assert "深度学习游乐场" in texts
    left = [e for t in texts for e in english_in(t) if "LeCun" not in t]
    assert not left, left


def test_trains_form_and_buttons_in_chinese_while_english_stays_english():
    zh = _open("app_pages/train.py", "zh")
    en = _open("app_pages/train.py", "en")  # another session on the same server, at once
    labels = [
        w.label
        for kind in ("number_input", "slider", "selectbox", "toggle", "text_input")
        for w in zh.get(kind)
        if w.key and w.key.startswith("train-")
    ]
    assert labels and not [x for x in labels if english_in(x)], labels
    assert "开始训练" in [b.label for b in zh.button]
    assert "Start training" in [b.label for b in en.button]
    assert "Dataset" in [s.label for s in en.selectbox]


def test_a_bundles_curves_are_drawn_in_chinese_where_a_font_is():
    from PIL import Image

    from playground.engine.metrics import MetricsLog
    from playground.exchange import png_chart

    def picture() -> bytes:
        return png_chart.curves_png(MetricsLog())

    english = picture()
    i18n.use("zh")
    try:
        chinese = picture()
    finally:
        i18n.use("en")
    assert Image.open(__import__("io").BytesIO(chinese)).size == (png_chart.WIDTH, png_chart.HEIGHT)
    if png_chart.cjk_font() is None:
        pytest.skip("no CJK font here (Debian: apt-get install fonts-noto-cjk)")
    assert chinese != english  # the titles are drawn in Chinese


def test_every_language_compiles_and_the_app_reads_it():
    for code in i18n.LANGUAGES:
        i18n.catalog.cache_clear()
        assert i18n.catalog(code) is not None
    assert i18n.LOCALE_DIR.joinpath("messages.pot").is_file()


def test_no_module_that_translates_rebinds_the_lookup():
    """`_` is the lookup wherever it is imported: a `for _ in` or `a, _ = ...` in such a module
    would turn a later `_("...")` into a crash."""
    found = []
    for path in [*ROOT.glob("playground/**/*.py"), *ROOT.glob("app_pages/*.py")]:
        tree = ast.parse(path.read_text())
        imports = any(
            isinstance(n, ast.ImportFrom)
            and n.module == "playground.engine.i18n"
            and any(a.name == "_" for a in n.names)
            for n in ast.walk(tree)
        )
        if imports:
            found += [
                f"{path.name}:{n.lineno}"
                for n in ast.walk(tree)
                if isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store)
            ]
    assert not found, found


PAGES = ("home", "build", "train", "draw", "inspect", "evaluate", "generate", "language", "scale",
         "search", "privacy", "listen", "concepts", "playground2d")  # fmt: skip
TEXTS = ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error",
         "success")  # fmt: skip
LABELLED = ("button", "selectbox", "multiselect", "number_input", "text_input", "slider",
            "checkbox", "toggle", "text_area", "radio", "metric", "expander", "tab",
            "download_button")  # fmt: skip


def shown_texts(app: AppTest) -> list[str]:
    """Every text a page shows: its texts, labels and helps, and its charts' titles, axes,
    subplot titles and legends."""
    import json

    found = [e.value for kind in TEXTS for e in app.get(kind)]
    for kind in LABELLED:
        for e in app.get(kind):
            found += [x for x in (getattr(e, "label", ""), getattr(e, "help", "")) if x]
    for chart in app.get("plotly_chart"):
        layout = json.loads(chart.proto.spec).get("layout", {})
        for key, value in layout.items():
            if key == "title" or key.startswith(("xaxis", "yaxis")):
                title = value.get("title", value) if key != "title" else value
                found.append(title.get("text", "") if isinstance(title, dict) else str(title))
        found += [a.get("text", "") for a in layout.get("annotations", [])]
        found += [
            t.get("name", "")
            for t in json.loads(chart.proto.spec).get("data", [])
            if t.get("showlegend", True) is not False
        ]
    return [str(x) for x in found if x]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_in_chinese_shows_no_english_sentence(page):
    app = _open(f"app_pages/{page}.py", "zh")
    left = sorted({e for t in shown_texts(app) for e in english_in(t)})
    assert not left, left


def test_a_bundles_model_card_reads_in_chinese():
    from playground.exchange.runs import load_run

    run = load_run(ROOT / "playground" / "assets" / "pretrained")
    i18n.use("zh")
    try:
        card = run.task.model_card(run, {"weights.safetensors": "the weights"}, None)
    finally:
        i18n.use("en")
    assert "## 模型" in card and "## 数据" in card
    left = [
        e
        for line in card.splitlines()
        if not line.startswith(("    ", "```", "import", "from", "model", "x =", "print", "| "))
        for e in english_in(line)
        if "LeCun" not in line
    ]
    assert not left, left


def test_a_run_that_set_no_language_reads_the_sessions():
    """Issue 34, item 3: a fragment's rerun and a widget's callback do not run the top of the
    app, where the language is set, and they spoke English. A context that set none asks the
    registered reader (the UI's: the browser session's); one with none to ask is English."""
    seen = {}

    def fresh(name):  # a thread of its own starts with no language set
        seen[name] = i18n._("Start training")

    i18n.read_language_with(lambda: "zh")
    try:
        thread = threading.Thread(target=fresh, args=("session",))
        thread.start()
        thread.join()
    finally:
        from playground.ui import lang

        i18n.read_language_with(lang._session_language)  # the app's own reader again
    thread = threading.Thread(target=fresh, args=("job",))  # no session in this thread
    thread.start()
    thread.join()
    assert seen == {"session": "开始训练", "job": "Start training"}
