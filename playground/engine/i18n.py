"""The app in more than one language: gettext catalogs made and checked with Babel
(playground/locale/<lang>/LC_MESSAGES/messages.po, in the repository), compiled in memory the
first time a language is used (no .mo file to build or to go stale), and looked up per session:
the language is a context variable that the page sets for its own run, never a process-wide
`gettext.install`, since two people on one server may read two languages.

    from playground.engine.i18n import _
    st.button(_("Start training"))

Numbers and dates are formatted by Babel for the language (`number`, `percent`, `when`).
Adding a language is adding its folder under playground/locale/ (README: "Languages")."""

from __future__ import annotations

import contextvars
import functools
import gettext
import io
import re
import string
import threading
from collections.abc import Callable
from pathlib import Path

from babel import Locale
from babel.dates import format_datetime, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
DEFAULT = "en"
LANGUAGES = {"en": "English", "zh": "中文"}  # code -> its own name, as the switch shows it
_BABEL = {"en": "en_US", "zh": "zh_Hans_CN"}  # code -> Babel's locale for numbers and dates
_current: contextvars.ContextVar[str] = contextvars.ContextVar("language")
_lock = threading.Lock()
_reader: list[Callable[[], str | None]] = []  # where a context that set none finds its language


def use(language: str) -> str:
    """Make `language` the current one (of this thread's context); returns the code used: an
    unknown one is English."""
    code = language if language in LANGUAGES else DEFAULT
    _current.set(code)
    return code


def current() -> str:
    """The language of this context: the one `use` set, else the one the registered reader
    finds (the browser session's, for a run that never set one: a fragment's rerun, a widget's
    callback), else English (a job's thread, the CLI before it chose)."""
    try:
        return _current.get()
    except LookupError:
        found = _reader[0]() if _reader else None
        return use(found) if found else DEFAULT


def read_language_with(reader: Callable[[], str | None]) -> None:
    """Where a context that set no language finds one (the UI registers the session's): a
    rerun of part of a page runs without the code that sets it at the top of the app."""
    _reader[:] = [reader]


def pick(*wanted: str | None) -> str:
    """The first of `wanted` (a link's ?lang=, a cookie, the browser's locale such as
    "zh-CN") that names a language here; else English."""
    for value in wanted:
        if not value:
            continue
        code = str(value).replace("_", "-").split("-")[0].lower()
        if code in LANGUAGES:
            return code
    return DEFAULT


@functools.cache
def catalog(language: str) -> gettext.NullTranslations:
    """The compiled catalog of `language` (English: the messages themselves)."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == DEFAULT or not po.is_file():
        return gettext.NullTranslations()
    with _lock, po.open("rb") as f:
        messages = read_po(f, locale=language)
        buffer = io.BytesIO()
        write_mo(buffer, messages)
    buffer.seek(0)
    found = gettext.GNUTranslations(buffer)
    found.add_fallback(_Words(_ADDED.setdefault(language, {})))  # a plugin's, asked after
    return found


_ADDED: dict[str, dict[str, str]] = {}  # language -> msgid -> text, from plugins (add_words)


class _Words(gettext.NullTranslations):
    """Translations a plugin brings with it (msgid -> text), asked after the app's catalog."""

    def __init__(self, words: dict[str, str]):
        super().__init__()
        self.words = words  # the registry's own dict: words added later are found too

    def gettext(self, message: str) -> str:
        found = self.words.get(message)
        return found if found is not None else super().gettext(message)


def add_words(language: str, words: dict[str, str]) -> None:
    """Words of `language` for messages the app's catalog does not have: a kind of model that
    plugs in by its folder brings the translations of its own texts (its pages' titles, its
    label). The app's catalog is asked first."""
    with _lock:  # kept apart from the catalog, which a reload builds again
        _ADDED.setdefault(language, {}).update(words)


class Text(str):
    """A message made in one place and shown in another, maybe to several people in several
    languages (a job's status, made in its thread; an error raised deep in the library): it
    reads as English wherever a plain string is wanted (logs, JSON), stays a Text through
    `str()` and an exception's `str()`, and `_` (or a sentence it is formatted into) shows it
    in the reader's language. Values keep their type, so a template may format them
    (`{count:,}`); a Text value or a text of the catalog (a label) is translated too, except
    where the template quotes it (`{kind!r}`)."""

    def __new__(cls, template: str, **values):
        values = {k: str(v) if isinstance(v, BaseException) else v for k, v in values.items()}
        english = {k: str.__str__(v) if isinstance(v, Text) else v for k, v in values.items()}
        made = super().__new__(cls, template.format(**english))
        made.template, made.values = template, values
        return made

    def __str__(self) -> str:
        return self

    def __format__(self, spec: str) -> str:  # in a sentence ("{why}".format(why=...)): shown
        return format(self.shown(), spec)

    def __reduce__(self):  # pickles (Ray) as a Text, not as its English
        return _text_from, (self.template, self.values)

    def shown(self) -> str:
        template = catalog(current()).gettext(self.template)
        fields = string.Formatter().parse(self.template)
        literal = {field for _text, field, _spec, conversion in fields if field and conversion}
        values = {
            k: v if k in literal or not isinstance(v, str) else _(v) for k, v in self.values.items()
        }
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):  # a translation that lost a field: English
            return self.template.format(**values)

    def to_json(self) -> dict:
        """The template and values, for a summary.json to show this in any language later."""
        return {"template": self.template,
                "values": {k: v.to_json() if isinstance(v, Text) else
                           v if isinstance(v, (int, float)) else str(v)
                           for k, v in self.values.items()}}  # fmt: skip

    @classmethod
    def from_json(cls, data: object, english: str = "") -> str:
        """The Text that `to_json` wrote; `english` where `data` is not one (an old file, or
        one whose template could do more than fill in plain fields: it may come from a bundle
        someone sent)."""
        try:
            template, values = str(data["template"]), data["values"]
            if len(template) > 2000 or not all(
                _plain_field(f, c, s) for _t, f, s, c in string.Formatter().parse(template)
            ):
                return english
            values = {
                str(k): _nested(cls.from_json(v, None)) if isinstance(v, dict) else v
                for k, v in values.items()
                if isinstance(v, (dict, int, float)) or (isinstance(v, str) and len(v) < 2000)
            }
            return cls(template, **values)
        except (TypeError, KeyError, AttributeError, IndexError, ValueError, RecursionError):
            return english


def _nested(made: str | None) -> str:
    if made is None:  # a value that is not a Text as to_json writes one: so is its message
        raise ValueError("not a Text")
    return made


def _plain_field(field: str | None, conversion: str | None, spec: str | None) -> bool:
    """A field such as {count}, {count:,}, {loss:.3f} or {name!r}: no attribute, index or wide
    padding."""
    if field is None:
        return True
    spec_ok = re.fullmatch(r"[,.]?[0-9]?[,.]?[0-9]?[a-z%]?", spec or "") is not None
    return field.isidentifier() and conversion in (None, "r", "s") and spec_ok


class Term(Text):
    """A word inside a message that English writes otherwise than its catalog entry (the
    setting "batch size" in a sentence, its label "Batch size" in the catalog): reads as
    `english`, and is shown as the translation of `msgid` where there is one."""

    def __new__(cls, english: str, msgid: str):
        made = str.__new__(cls, english)
        made.template, made.values = msgid, {}
        return made

    def __reduce__(self):
        return Term, (str.__str__(self), self.template)

    def shown(self) -> str:
        found = catalog(current()).gettext(self.template)
        return str.__str__(self) if found == self.template else found


def _text_from(template: str, values: dict) -> Text:
    return Text(template, **values)


def _(message: str) -> str:
    """`message` in the current language (itself where the catalog has no translation); a
    Text is filled in after its template is translated."""
    if not message:
        return message
    if isinstance(message, Text):
        return message.shown()
    return catalog(current()).gettext(message)


def N_(message: str) -> str:
    """Marks a text for the catalog where it is defined (a label in a table); it is looked up
    with `_` where it is shown."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or the plural form for `n`, by the current language's plural rule."""
    return catalog(current()).ngettext(singular, plural, n)


def number(x: float, digits: int = 0) -> str:
    """1,234 or 1,234.5 as the current language writes numbers."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(x, format=pattern, locale=_BABEL[current()])


def percent(x: float, digits: int = 1) -> str:
    pattern = "0" + ("." + "0" * digits if digits else "") + "%"
    return format_percent(x, format=pattern, locale=_BABEL[current()])


def when(timestamp: float) -> str:
    """A moment (seconds since the epoch) as the current language writes dates and times."""
    import datetime

    moment = datetime.datetime.fromtimestamp(timestamp)
    return format_datetime(moment, "medium", locale=_BABEL[current()])


def day_and_time(timestamp: float) -> str:
    """A moment, short: "Dec 6 22:34" (12月6日 22:34)."""
    import datetime

    moment = datetime.datetime.fromtimestamp(timestamp)
    day, hour = (format_skeleton(k, moment, locale=_BABEL[current()]) for k in ("MMMd", "Hm"))
    return f"{day} {hour}"


def own_name(language: str) -> str:
    """The language's name in itself (中文 for zh)."""
    return LANGUAGES.get(language) or Locale.parse(_BABEL.get(language, "en_US")).display_name
