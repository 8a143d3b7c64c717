"""Who owns what: owner ids for a browser or a logged-in user, share tokens, and the refusal
every control raises when someone who is not the owner asks.

A browser's key is a secret that only that browser holds (in a cookie); what jobs and run
folders record is its hash, so nothing on disk or on a page can be turned back into the key.
"""

from __future__ import annotations

import hashlib
import re
import secrets

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


def user_owner(email: str) -> str:
    """The owner id of a logged-in user (the same on every device they log in from)."""
    return "user:" + email.strip().lower()


def new_token() -> str:
    """A share token for a watch link: 128 random bits."""
    return secrets.token_urlsafe(16)


def is_token(value: object) -> bool:
    return isinstance(value, str) and _TOKEN.fullmatch(value) is not None


def not_yours(what: str) -> NotAllowed:
    return NotAllowed(
        f"This {what} belongs to someone else: you can watch it through a share link from its "
        "owner, but not change it."
    )
