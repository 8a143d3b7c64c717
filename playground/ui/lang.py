"""The language switch (English / 中文) and this session's language: from a link's ?lang=, else
the one this browser chose before (a cookie, kept like the owner key), else the browser's own
(st.context.locale). Switching only reruns the page in the other language: every setting, job
and run stays. Texts are looked up with `_` (engine/i18n.py) for this session's language."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from playground.engine import i18n
from playground.engine.i18n import _
from playground.ui import state

COOKIE = "dlp_lang"
KEY = "ui-language"  # this session's language code
PARAM = "lang"  # the link's parameter: ?lang=zh
_WRITER_JS = """
export default function ({ data }) {
  const found = document.cookie.split("; ").find((c) => c.startsWith(data.name + "="));
  if (found && found.slice(data.name.length + 1) === data.value) return;
  const secure = location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `${data.name}=${data.value}; Path=/; Max-Age=31536000; SameSite=Lax${secure}`;
}
"""
_writer = st.components.v2.component("playground_language", js=_WRITER_JS)


def _session_language() -> str | None:
    """The language of the browser session whose script runs in this thread (None outside
    one: a job's thread). A fragment's rerun and a widget's callback do not run the top of the
    app, where `apply` sets it; without this they spoke English (issue 34, item 3)."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return None
    return st.session_state.get(KEY)


i18n.read_language_with(_session_language)


def apply() -> str:
    """Set this run's language (call first, on every run and in every fragment); its code."""
    if KEY not in st.session_state or st.query_params.get(PARAM) in i18n.LANGUAGES:
        st.session_state[KEY] = i18n.pick(
            st.query_params.get(PARAM), st.context.cookies.get(COOKIE), st.context.locale
        )
    return i18n.use(st.session_state[KEY])


# Plotly turns a y axis title on its side, which lays Chinese characters on their sides too (and
# plotly cannot rotate a title). In Chinese, the title is set upright in a column instead, as
# Chinese is written vertically: the rotation is undone and the text runs top to bottom, centred
# where plotly centred it.
_VERTICAL = (
    "<style>.js-plotly-plot text[class^='y'][class$='title']"
    "{writing-mode: vertical-rl; transform: none;}</style>"
)
VERTICAL_TITLES = ("zh",)  # languages whose axis titles stand upright in a column


def typeset() -> None:
    """What this language needs of the page's type: upright vertical axis titles (Chinese)."""
    if current() in VERTICAL_TITLES:
        st.html(_VERTICAL)


def current() -> str:
    """This session's language, made current here too."""
    return i18n.use(st.session_state.get(KEY, i18n.DEFAULT))


def switch() -> None:
    """The sidebar's switch; the choice is kept in the browser and in the page's address."""
    code = current()
    chosen = st.segmented_control(
        "Language / 语言",
        list(i18n.LANGUAGES),
        default=code,
        format_func=i18n.LANGUAGES.get,
        key=f"{KEY}-switch",
        help=_("The whole app in this language; your settings, jobs and runs stay."),
    )
    if chosen and chosen != code:
        st.session_state[KEY] = chosen
        for name in ("train", "language", "build", *_versions()):  # widgets made anew, in the
            state.bump(name)  # new words, from the settings they showed
        _address(chosen)
        st.rerun()
    _address(code)
    _writer(data={"name": COOKIE, "value": code}, key=f"{KEY}-cookie", height=0)


def _versions() -> list[str]:
    return [
        k.removeprefix("version-")
        for k in list(st.session_state)
        if isinstance(k, str) and k.startswith("version-")
    ]


def _address(code: str) -> None:
    """?lang=zh in the address (so a copied link opens in that language); none for English."""
    if code == i18n.DEFAULT:
        if PARAM in st.query_params:
            del st.query_params[PARAM]
    elif st.query_params.get(PARAM) != code:
        st.query_params[PARAM] = code
