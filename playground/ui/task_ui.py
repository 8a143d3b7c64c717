"""What the shared pieces of the UI ask of each task's own: how one of its runs becomes the
current model of its page (the runs table's "Use this model", "Open on Language") and how the
sidebar names the session's model of it. Each task's UI registers its own from
`playground/ui/<task>/actions.py`, found the first time one is asked for, so the shared pieces
never name a task and a run offers only what its task can do; its pages come with it."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from playground.engine.task import tasks
from playground.exchange.runs import Run
from playground.ui.pages import Page

_OPEN = "runs-open-page"  # the page an action asked to open, once its callback has run


@dataclass(frozen=True)
class Use:
    """How a run of one task becomes the current model of its page."""

    label: str  # the button, in the catalog: "Use this model", "Open on Language"
    help: str
    apply: Callable[[Run], str | None]  # a callback; a sentence of what it did, or None
    page: str | None = None  # the page it opens afterwards (None: stay here)
    icon: str = ":material/input:"


@dataclass(frozen=True)
class TaskUI:
    use: Use | None = None
    model_lines: Callable[[], tuple[str, str, str]] | None = None  # (name, size, data) in words
    pages: tuple[Page, ...] = ()  # its pages: the navigation and Home list them
    rank: int = 50  # where its pages' section comes among the tasks' (lower first)
    current: Callable[[], tuple] | None = None  # (spec, config) of the session's model of it:
    # what a search starts from, besides the task's presets


_registry: dict[str, TaskUI] = {}
_found = [False]


def register(task: str, ui: TaskUI) -> None:
    _registry[task] = ui


def every() -> dict[str, TaskUI]:
    """What each task's UI registered, by task name, in order of rank (then name)."""
    of(None)
    found = sorted((ui.rank, name) for name in tasks() if (ui := _registry.get(name)))
    return {name: _registry[name] for _, name in found}


def of(task: str | None) -> TaskUI:
    """What `task`'s UI registered (nothing, for none)."""
    if not _found[0]:
        for name in tasks():
            folder = f"playground.ui.{name}"
            if importlib.util.find_spec(folder) and importlib.util.find_spec(f"{folder}.actions"):
                importlib.import_module(f"{folder}.actions")
        _found[0] = True
    return _registry.get(task, TaskUI()) if task is not None else TaskUI()


def use_of(run: Run) -> Use | None:
    """How `run` is opened, or None where its task's UI registered nothing."""
    return of(run.task_name).use


def apply(use: Use, run: Run, note_key: str) -> None:
    """`use` on `run`, as a button's callback: its sentence goes to `note_key`, and the page it
    opens is opened in the run that follows (st.switch_page cannot be called in a callback)."""
    if note := use.apply(run):
        st.session_state[note_key] = note
    if use.page is not None:
        st.session_state[_OPEN] = use.page


def open_asked() -> None:
    """Open the page an action asked for, if any (call in the page's run)."""
    if page := st.session_state.pop(_OPEN, None):
        st.switch_page(page)
