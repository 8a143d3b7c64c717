"""Build's and Train's address holds the current experiment (links.py): the page keeps it up
to date, "Copy link" shows it to copy, and a session opened from such a link starts with that
model and those settings. A link that cannot be used is explained, and the defaults are kept."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from playground.engine.i18n import _
from playground.tasks.image.export import links
from playground.tasks.image.recipe import BY_NAME, TrainConfig
from playground.ui import image_session, share
from playground.ui.text import plain

_READ = "link-read"  # the session has looked at the address it was opened with
_ERROR = "link-error"  # why that address could not be used


def apply(train: bool) -> None:
    """On the session's first page: the model (and, on Train, the settings) in the address."""
    if st.session_state.get(_READ):
        return
    st.session_state[_READ] = True
    query = st.query_params.to_dict()
    if not any(k in query for k in (links.MODEL, links.LAYERS, *BY_NAME)):
        return
    try:
        exp = links.from_query(query)
    except links.LinkError as e:
        st.session_state[_ERROR] = e.message
        for key in [k for k in query if k not in links.OTHER]:
            del st.query_params[key]  # the page shows the defaults: so does its address
        return
    if exp.spec is not None:
        image_session.set_spec(exp.spec)
    if exp.config is not None or (train and exp.spec is not None):
        image_session.set_config(exp.config or TrainConfig())


def warning() -> None:
    """Why the link this session was opened with could not be used, once."""
    if message := st.session_state.pop(_ERROR, None):
        st.warning(
            plain(
                _("{message} The default model and settings are shown instead.").format(
                    message=_(message)
                )
            ),
            icon=":material/link_off:",
        )


def sync(train: bool) -> dict[str, str]:
    """Put the current experiment in the page's address (keeping `job` and `watch`); return
    its query parameters."""
    query = links.to_query(image_session.spec(), image_session.config() if train else None)
    current = st.query_params.to_dict()
    wanted = {k: v for k, v in current.items() if k in links.OTHER} | query
    if current != wanted:
        st.query_params.from_dict(wanted)
    return query


def copy_link(train: bool, where=st) -> None:
    """The "Copy link" popover: the page's address with the experiment in it."""
    query = sync(train)
    if train and (start := st.query_params.get("start")):
        query["start"] = start  # the model it starts from, for whoever may see it
    page = share.page_url("/train" if train else "/build")
    with where.popover(_("Copy link"), icon=":material/link:"):
        st.code(f"{page}?{urlencode(query)}", language=None, wrap_lines=True)
        st.caption(
            _(
                "Anyone who opens this link gets this model and these training settings: nothing "
                "of yours is shared or changed."
            )
            if train
            else _(
                "Anyone who opens this link gets this model: nothing of yours is shared or changed."
            )
        )
