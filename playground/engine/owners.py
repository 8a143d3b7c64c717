"""Who owns what: owner ids for a browser or a logged-in user, share tokens, and the refusal
every control raises when someone who is not the owner asks.

A browser's key is a secret that only that browser holds (in a cookie); what jobs and run
folders record is its hash, so nothing on disk or on a page can be turned back into the key.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping

from playground.engine.i18n import Text

_KEY = re.compile(r"[A-Za-z0-9_-]{32,64}")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


class NotAllowed(ValueError):
    """Someone asked to change a job or a run that is not theirs; `str()` says so in words."""


def new_key() -> str:
    """A new browser key: 256 random bits, URL- and cookie-safe."""
    return secrets.token_urlsafe(32)


def is_key(value: object) -> bool:
    return isinstance(value, str) and _KEY.fullmatch(value) is not None


def browser_owner(key: str) -> str:
    """The owner id of a browser key."""
    if not is_key(key):
        raise ValueError("not a browser key")
    return "browser:" + hashlib.sha256(key.encode()).hexdigest()[:32]


def user_owner(claims: Mapping[str, object]) -> str | None:
    """The owner id of a logged-in user (the same on every device they log in from), from the
    identity provider's claims: its issuer and subject (`iss`, `sub`), which the provider
    never gives to anyone else; or else an e-mail address, but only one the provider says is
    verified, and exactly as it is written. None if the claims say neither."""
    issuer, subject = claims.get("iss"), claims.get("sub")
    if isinstance(issuer, str) and issuer and isinstance(subject, str) and subject:
        return "user:" + _digest(f"iss\n{issuer}\nsub\n{subject}")
    email = claims.get("email")
    if claims.get("email_verified") is True and isinstance(email, str) and email:
        return "user:" + _digest(f"email\n{email}")
    return None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def new_token() -> str:
    """A share token for a watch link: 128 random bits."""
    return secrets.token_urlsafe(16)


def is_token(value: object) -> bool:
    return isinstance(value, str) and _TOKEN.fullmatch(value) is not None


def same_token(kept: str | None, given: str | None) -> bool:
    """True if a share token someone gave is the one kept, compared in constant time."""
    if not kept or not given:
        return False
    return secrets.compare_digest(kept.encode(), given.encode())


PROXY_WARNING = (
    "Requests come through a proxy (they carry X-Forwarded-For) but proxy_hops is 0: everyone "
    "shares the proxy's address, so the per-address cap (queued_per_address) lets the whole "
    "server take that many jobs. Set proxy_hops to the number of proxies in front of the "
    "server (README: Many people, one server)."
)


def client_address(forwarded: str, seen: str | None, proxy_hops: int) -> tuple[str | None, bool]:
    """(the address of whoever sent a request, whether the server should be warned): `seen`
    is the address the server sees, `forwarded` the X-Forwarded-For header; behind
    `proxy_hops` proxies it is that many hops back in the header. A header with no proxy
    configured means every visitor looks like the proxy: the warning's case."""
    hops = [h for h in (h.strip() for h in forwarded.split(",")) if h]
    if proxy_hops and hops:
        return hops[-min(proxy_hops, len(hops))], False
    return seen, bool(hops) and not proxy_hops


def not_yours(what: str) -> NotAllowed:
    return NotAllowed(
        Text(
            "This {what} belongs to someone else: you can watch it through a share "
            "link from its owner, but not change it.",
            what=what,
        )
    )
