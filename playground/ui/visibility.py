"""Whether this browser tab is in view: a page in a hidden tab does not poll.

A small component reports the tab's visibility; a change reruns the page, whose fragments then
poll again (`every(seconds)`) or stop (None). Browsers only slow the timers of a hidden tab; a
class that leaves thirty tabs open in the background would otherwise keep the server busy.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

_KEY = "page-visibility"
_JS = """
export default function ({ setStateValue }) {
  const report = () => setStateValue("visible", document.visibilityState !== "hidden");
  document.addEventListener("visibilitychange", report);
  return () => document.removeEventListener("visibilitychange", report);
}
"""
_reporter = st.components.v2.component("playground_visibility", js=_JS)


def watch() -> None:
    """Mount the reporter (once per run, before the page: e.g. in the sidebar)."""
    _reporter(key=_KEY, default={"visible": True}, height=0, on_visible_change=lambda: None)


def visible() -> bool:
    found = st.session_state.get(_KEY)
    value = found.get("visible") if isinstance(found, Mapping) else getattr(found, "visible", None)
    return value is not False


def every(seconds: float | None) -> float | None:
    """`seconds` for a fragment's run_every while the tab is in view; None (no polling) while
    it is hidden."""
    return seconds if visible() else None
