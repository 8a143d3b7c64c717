"""Text that people typed (model and run names, e-mail addresses) shown as itself.

Streamlit renders markdown in st.markdown, captions, alerts and labels: a model named
`**big** [x](http://...)` would turn bold and into a link. `plain()` escapes every character
markdown (and Streamlit's `:color[...]`, `:material/...:` and `$math$`) could read.
"""

from __future__ import annotations

import re

from playground.engine.i18n import N_, Text, _

# what markdown reads inside a line: emphasis, code, links and images, html and entities,
# strikethrough, tables, Streamlit's directives and math ('-', '.', '+' only matter at the start
# of a line, where a name never is)
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#!|<>~:$&])")


def plain(text: object) -> str:
    """`text` escaped for Streamlit's markdown, on one line. An error's message and a Text are
    the app's own words: they are shown in the reader's language (a name is shown as typed)."""
    if isinstance(text, BaseException):
        text = _(str(text))
    elif isinstance(text, Text):
        text = _(text)
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


# The column names of the app's tables (their keys stay English: code and links read them);
# `headed` heads each column with its word in the reader's language.
HEADERS = (
    N_("owner"), N_("name"), N_("preset"), N_("task"), N_("dataset"), N_("optimizer"),
    N_("epochs"), N_("best val accuracy"), N_("test accuracy"), N_("val loss"), N_("time (s)"),
    N_("ε (privacy)"),
    N_("status"), N_("energy (Wh)"), N_("CO2 (g)"), N_("layer"), N_("output shape"),
    N_("parameters"), N_("memory"), N_("frozen"), N_("class"), N_("precision"), N_("recall"),
    N_("images"), N_("true"), N_("predicted"), N_("token"), N_("count"), N_("final loss"),
    N_("who"), N_("against"), N_("measured on"), N_("model"), N_("layers"),
    # and the words of a run's status in them
    N_("queued"), N_("running"), N_("paused"), N_("stopped"), N_("finished"), N_("diverged"),
    N_("failed"), N_("interrupted"), N_("unfinished"),
)  # fmt: skip


def headed(data: object, config: dict | None = None) -> dict:
    """`column_config` for st.dataframe of `data` (a DataFrame or a list of row dicts): each
    column headed in the reader's language; `config` (name -> column config) is kept."""
    if hasattr(data, "columns"):
        names = list(data.columns)
    else:
        names = list(dict.fromkeys(key for row in data for key in row))
    out = dict(config or {})
    for name in names:
        column = out.get(name, {})
        if column is None or isinstance(column, str):
            continue  # hidden, or given its own label
        column = dict(column)
        if not column.get("label"):
            column["label"] = _(str(name))
        out[name] = column
    return out
