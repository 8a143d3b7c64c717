"""Watch links: `?watch=<token>` on the Train page shows a shared job or run, read-only."""

from __future__ import annotations

import streamlit as st

from playground.engine.i18n import _

PARAM = "watch"


def token() -> str | None:
    """The watch token in this page's address, if any."""
    return st.query_params.get(PARAM) or None


def page_url(fallback: str) -> str:
    """This page's full address without its query (`fallback`, a relative one, where the
    browser's address is not known, as in tests)."""
    return (st.context.url or "").split("?")[0].split("#")[0] or fallback


def link(token: str) -> str:
    """The full address of the Train page with `token`."""
    return f"{page_url('/train')}?{PARAM}={token}"


def share_box(token: str, what: str) -> None:
    """The link, as text to copy, and what it gives."""
    st.code(link(token), language=None)
    st.caption(
        _(
            "Anyone with this link can watch this job's curves live and copy its model into their "
            "own runs; nobody but you can change it."
        )
        if what == "job"
        else _(
            "Anyone with this link can watch this run's curves and copy its model into their own "
            "runs; nobody but you can change it."
        )
    )
