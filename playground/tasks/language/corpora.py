"""What a language model reads: the corpora that ship with the app (compressed in
playground/assets/text/, made by scripts/make_text_assets.py), a person's own text, and small
generated tasks whose solution shows in the attention (copy, reverse, sort, add), each scored
by exact answers. A corpus is split once: its first 90% trains, the rest validates (a corpus of
one item a line is shuffled first, the same way every time)."""

from __future__ import annotations

import functools
import lzma
import random
import string
from collections.abc import Callable
from dataclasses import dataclass

from playground import ASSETS
from playground.engine.i18n import N_, Text
from playground.engine.records import DataError, SpecError

TEXTS = ASSETS / "text"
MAX_OWN = 10 << 20  # bytes of a person's own text (the upload cap)
VAL_SHARE = 0.1
SHUFFLE_SEED = 42  # one order for every run, so validation losses compare (makemore's seed)
SHUFFLED_NOTE = N_(
    "Its lines, one item each, are shuffled once (always the same way) before the last 10% is "
    "held out for validation, as makemore does: in the file's order (the names are partly "
    "alphabetical) a model learns to write items in runs, and validates on the last kind only."
)
ANSWER = ">"  # in a generated task, what separates a question from its answer


@dataclass(frozen=True)
class Corpus:
    name: str
    label: str
    description: str
    credit: str
    file: str = ""  # in playground/assets/text/ (xz); "" for a generated task
    start: str = "\n"  # what a document begins after: an empty prompt starts there
    make: Callable[[int], str] | None = None  # a generated task's text from a seed
    solve: Callable[[str], str] | None = None  # a generated task's answer to a question
    shuffled: bool = False  # one item a line: the lines are shuffled once before the split

    @property
    def note(self) -> str:
        """What the app does to the text before it is split, in words ("" for nothing)."""
        return SHUFFLED_NOTE if self.shuffled else ""

    @property
    def generated(self) -> bool:
        return self.make is not None


def _task(
    name: str,
    label: str,
    description: str,
    solve: Callable[[str], str],
    questions: Callable[[random.Random], str],
) -> Corpus:
    def make(seed: int, lines: int = 20_000) -> str:
        rng = random.Random(seed)
        return "".join(f"{q}{ANSWER}{solve(q)}\n" for q in (questions(rng) for _ in range(lines)))

    return Corpus(name, label, description, N_("generated here"), make=make, solve=solve)


def _letters(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_lowercase[:10]) for _ in range(rng.randint(3, 8)))


def _sum(rng: random.Random) -> str:
    return f"{rng.randint(0, 999)}+{rng.randint(0, 999)}"


CORPORA: dict[str, Corpus] = {
    c.name: c
    for c in [
        Corpus(
            "shakespeare",
            N_("Tiny Shakespeare"),
            N_("40,000 lines of Shakespeare's plays, speaker names on their own lines."),
            N_("tinyshakespeare from karpathy/char-rnn (the plays are in the public domain)"),
            "tinyshakespeare.txt.xz",
            start="\n\n",
        ),
        Corpus(
            "names",
            N_("First names"),
            N_("32,033 English first names, one a line, lower case."),
            N_("names.txt from karpathy/makemore (MIT licence), from US Social Security lists"),
            "names.txt.xz",
            shuffled=True,
        ),
        Corpus(
            "tang7",
            N_("Tang quatrains (seven characters)"),
            N_("10,444 seven-character quatrains (七言绝句) of the Tang dynasty, one poem a line."),
            N_(
                "全唐诗 from the chinese-poetry repository (MIT licence); the poems are over a "
                "thousand years old"
            ),
            "tang_quatrains_7.txt.xz",
            shuffled=True,
        ),
        Corpus(
            "tang5",
            N_("Tang quatrains (five characters)"),
            N_("3,885 five-character quatrains (五言绝句) of the Tang dynasty, one poem a line."),
            N_("全唐诗 from the chinese-poetry repository (MIT licence)"),
            "tang_quatrains_5.txt.xz",
            shuffled=True,
        ),
        _task(
            "copy",
            N_("Copy a string"),
            N_("Letters, then the same letters: abc>abc."),
            lambda q: q,
            _letters,
        ),
        _task(
            "reverse",
            N_("Reverse a string"),
            N_(
                "Letters, then the same letters backwards: "
                "abc>cba. A two-layer model's attention shows the anti-diagonal."
            ),
            lambda q: q[::-1],
            _letters,
        ),
        _task(
            "sort",
            N_("Sort a string"),
            N_("Letters, then the same letters in order: cab>abc."),
            lambda q: "".join(sorted(q)),
            _letters,
        ),
        _task(
            "add",
            N_("Add two numbers"),
            N_("Two numbers and their sum: 12+345>357."),
            lambda q: str(sum(int(n) for n in q.split("+"))),
            _sum,
        ),
    ]
}
OWN = "own"  # the corpus of a person's own text, which travels with their job
OWN_TEXT = Corpus(
    OWN,
    N_("Your own text (.txt)"),
    N_("A UTF-8 text you upload: it travels with your job and is saved with its run."),
    N_("yours"),
)


@functools.lru_cache(maxsize=16)
def text_of(name: str, seed: int = 0) -> str:
    """The whole text of a shipped corpus or a generated task (its seed's text)."""
    corpus = CORPORA.get(name)
    if corpus is None:
        raise SpecError(
            Text(
                "There is no corpus {name!r}; choose one of {join}.",
                name=name,
                join=", ".join(CORPORA),
            )
        )
    if corpus.generated:
        return corpus.make(seed)
    try:
        text = lzma.decompress((TEXTS / corpus.file).read_bytes()).decode("utf-8")
    except (OSError, lzma.LZMAError, UnicodeDecodeError) as e:
        raise DataError(
            Text(
                "The corpus {label} that ships with the app cannot be read ({name__}): "
                "reinstall the app.",
                label=corpus.label,
                name__=type(e).__name__,
            )
        ) from None
    if corpus.shuffled:
        lines = text.splitlines()
        random.Random(SHUFFLE_SEED).shuffle(lines)
        text = "\n".join(lines) + "\n"
    return text


def own_text(raw: bytes, name: str = N_("your file")) -> str:
    """A person's uploaded text, checked: UTF-8, not empty, within the upload cap."""
    if len(raw) > MAX_OWN:
        raise SpecError(
            Text(
                "{name} has {size:,} bytes, more than the {most:,} ({mb} MB) a text may have "
                "here: upload a part of it.",
                name=name,
                size=len(raw),
                most=MAX_OWN,
                mb=MAX_OWN >> 20,
            )
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SpecError(
            Text(
                "{name} is not UTF-8 text (byte {start} cannot be read): save it as "
                "UTF-8 and upload it again.",
                name=name,
                start=e.start,
            )
        ) from None
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    if len(text.strip()) < 100:
        raise SpecError(
            Text(
                "{name} has {count} characters of text: a model needs at least a few "
                "hundred to learn from.",
                name=name,
                count=len(text.strip()),
            )
        )
    return text


def split(text: str) -> tuple[str, str]:
    """(train, validation): the first 90% and the rest, cut at a line break where there is
    one near the cut, so that no line is in both."""
    cut = int(len(text) * (1 - VAL_SHARE))
    line = text.rfind("\n", 0, cut)
    if line > cut - 5000:
        cut = line + 1
    return text[:cut], text[cut:]
