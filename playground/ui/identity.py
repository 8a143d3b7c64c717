"""Who is using this session: the logged-in user, or else this browser's own key.

Without any configuration every browser is an owner: a random key made on its first visit and
kept in a cookie, which the server reads (st.context.cookies) on every later visit, so a reload
or a new tab of the same browser finds its jobs and runs and another browser does not. A small
component writes the cookie; it also hands back a key that another tab set first. With
Streamlit's login configured ([auth] in .streamlit/secrets.toml), the owner is the logged-in
user, on any device.
"""

from __future__ import annotations

import logging

import streamlit as st

from playground.engine import owners
from playground.engine.i18n import _
from playground.ui.text import plain

COOKIE = "dlp_owner"
logger = logging.getLogger(__name__)
_warned: list[bool] = []  # the proxy warning has been logged in this process
KEY = "identity-key"  # the browser key this session uses
_KEEPER_JS = """
export default function ({ data, setStateValue }) {
  const found = document.cookie.split("; ").find((c) => c.startsWith(data.name + "="));
  const kept = found ? found.slice(data.name.length + 1) : null;
  if (kept && /^[A-Za-z0-9_-]{32,64}$/.test(kept)) {
    if (kept !== data.key) setStateValue("key", kept);  // another tab of this browser was first
    return;
  }
  const secure = location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `${data.name}=${data.key}; Path=/; Max-Age=31536000; SameSite=Lax${secure}`;
}
"""
_keeper = st.components.v2.component("playground_identity", js=_KEEPER_JS)


def address(proxy_hops: int = 0) -> str | None:
    """This session's network address: the one the server sees, or, behind `proxy_hops`
    proxies (a setting), the one that many hops back in the X-Forwarded-For header."""
    forwarded = st.context.headers.get("X-Forwarded-For") or ""
    found, warn = owners.client_address(forwarded, st.context.ip_address, proxy_hops)
    if warn and not _warned:
        _warned.append(True)  # once a process: the first request that came through a proxy
        logger.warning(owners.PROXY_WARNING)
    return found


def login_configured() -> bool:
    """True when .streamlit/secrets.toml has an [auth] section for st.login."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises its own error types
        return False


def logged_in() -> bool:
    """True for a session the provider vouches for (owners.user_owner: its issuer and subject,
    or a verified e-mail)."""
    return st.user.get("is_logged_in") is True and owners.user_owner(st.user) is not None


def _user_name() -> str:
    return str(st.user.get("email") or st.user.get("name") or st.user.get("sub") or "")


def owner() -> str:
    """The owner id of this session (owners.py): the logged-in user's, or this browser's."""
    if logged_in():
        return owners.user_owner(st.user)
    return owners.browser_owner(browser_key())


def browser_key() -> str:
    if KEY not in st.session_state:
        cookie = st.context.cookies.get(COOKIE)
        st.session_state[KEY] = cookie if owners.is_key(cookie) else owners.new_key()
    return st.session_state[KEY]


def remember() -> None:
    """Keep this session's browser key in the browser (call once per run, e.g. in the
    sidebar); adopt the key of another tab that got there first."""
    key = browser_key()
    result = _keeper(
        data={"name": COOKIE, "key": key},
        key="identity-keeper",
        height=0,
        on_key_change=lambda: None,
    )
    found = getattr(result, "key", None)
    if owners.is_key(found) and found != key:
        st.session_state[KEY] = found
        st.rerun()


def account() -> None:
    """Log in / log out, where the server is configured for it."""
    if not login_configured():
        return
    if logged_in():
        st.caption(_("Logged in as {user_name}").format(user_name=plain(_user_name())))
        st.button(_("Log out"), on_click=st.logout, key="identity-logout")
    else:
        st.button(
            _("Log in"),
            on_click=st.login,
            key="identity-login",
            help=_("Your jobs and runs then follow you to any device you log in from."),
        )
