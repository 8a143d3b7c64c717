"""Text that people typed (model and run names, e-mail addresses) shown as itself.

Streamlit renders markdown in st.markdown, captions, alerts and labels: a model named
`**big** [x](http://...)` would turn bold and into a link. `plain()` escapes every character
markdown (and Streamlit's `:color[...]`, `:material/...:` and `$math$`) could read.
"""

from __future__ import annotations

import re

from playground.engine.i18n import Text, _

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
