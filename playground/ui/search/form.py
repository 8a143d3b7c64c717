"""The Search page's form: which kind of model and which model (a preset, or the one on its
page), its data and length, the settings to search with their ranges (drawn from the task's
settings table, a first range suggested around the model's own value), the trials, the method,
the pruner and the minutes; and the button that queues the search."""

from __future__ import annotations

import dataclasses

import streamlit as st

from playground.engine import search_space
from playground.engine.i18n import _
from playground.engine.records import SpecError
from playground.engine.task import Task, tasks
from playground.serving.search import SearchJob
from playground.serving.search_plan import METHODS, PRUNERS, SearchPlan
from playground.ui import state, task_ui
from playground.ui.text import plain
from playground.ui.train.train_form import widget

TASK, JOB = "search-task", "search-job"
CURRENT = "current"  # the base model: the one on the task's page
DATA_ROWS = ("dataset", "corpus", "language")  # what the model learns from, by task
LENGTH_ROWS = ("epochs", "steps")  # how long each trial trains
QUICK = {  # a first search that is over in minutes here: each trial short, on the small data
    "image": {"dataset": "mnist-sample", "epochs": 2, "train_limit": 3000},
    "generate": {"dataset": "mnist-sample", "epochs": 2, "train_limit": 3000},
    "language": {"steps": 200},
    "listen": {"epochs": 2, "train_limit": 1500},
}
FIRST = {"image": ("lr", "batch_size"), "language": ("lr", "batch_size"),
         "generate": ("lr", "batch_size"), "listen": ("lr", "batch_size")}  # fmt: skip


def searchable_tasks() -> dict[str, Task]:
    """The kinds of model a search can vary, in the order of their pages."""
    found = {n: t for n, t in tasks().items() if t.search_rows() and t.presets()}
    order = [n for n in task_ui.every() if n in found]
    return {n: found[n] for n in [*order, *(n for n in found if n not in order)]}


def form() -> None:
    found = searchable_tasks()
    if not found:
        return
    cols = st.columns(3)
    name = cols[0].radio(_("Kind of model"), list(found), key=TASK, horizontal=True,
                         format_func=lambda n: _(found[n].label))  # fmt: skip
    task = found[name]
    base = _base(task, cols[1])
    if base is None:
        return
    spec, config = base
    config = _length(task, config, cols[2])
    dims = _dimensions(task, spec, config)
    plan = _plan(dims)
    if plan is None:
        return
    try:
        plan.check(task)
        task.check(spec, config)
    except SpecError as e:
        st.warning(plain(e.message), icon=":material/warning:")
        return
    busy = state.busy_reason()
    busy = _(busy) if busy else None
    if st.button(_("Start search"), type="primary", icon=":material/manage_search:",
                 key="search-start", disabled=busy is not None, help=busy):  # fmt: skip
        try:
            job = SearchJob(spec, config, plan, task=task, name=getattr(spec, "name", None),
                            **state.job_options())  # fmt: skip
            state.manager().submit(job)
        except SpecError as e:
            st.error(plain(e.message), icon=":material/error:")
        else:
            st.session_state[JOB] = job.id
            st.rerun()
    if busy:
        st.caption(plain(busy))


def _base(task: Task, where) -> tuple | None:
    """(spec, config) the trials start from: a preset, or the model on the task's page."""
    presets = list(task.presets())
    current = task_ui.of(task.name).current
    options = ([CURRENT] if current is not None else []) + presets
    words = {CURRENT: _("The model on its page")}
    chosen = where.selectbox(_("Model"), options, key=f"search-{task.name}-model",
                             index=options.index(presets[0]) if presets else 0,
                             format_func=lambda o: words.get(o, o))  # fmt: skip
    spec, config = current() if chosen == CURRENT else task.presets()[chosen]()
    quick = {k: v for k, v in QUICK.get(task.name, {}).items() if hasattr(config, k)}
    if chosen != CURRENT and quick:
        config = dataclasses.replace(config, **quick)
    return spec, config


def _length(task: Task, config, where):
    """Its data and each trial's length, as the task's own widgets."""
    rows = {r.name: r for r in task.settings_table()}
    registries = task.search_registries()
    values = {}
    inner = where.columns(2)
    for i, names in enumerate((DATA_ROWS, LENGTH_ROWS)):
        row = next((rows[n] for n in names if n in rows), None)
        if row is not None:
            values[row.name] = widget(inner[i], row, getattr(config, row.name),
                                      f"search-{task.name}-{row.name}",
                                      registries=registries)  # fmt: skip
    try:
        return task.config_from_dict({**config.to_dict(), **values})
    except SpecError as e:
        st.warning(plain(e.message), icon=":material/warning:")
        return config


def _dimensions(task: Task, spec, config) -> list | None:
    """The settings to search, each with its range or values, in the CLI's words."""
    rows = {r.name: r for r in task.search_rows()}
    first = [n for n in FIRST.get(task.name, ()) if n in rows]
    picked = st.multiselect(_("Settings to search"), list(rows), default=first,
                            format_func=lambda n: _(rows[n].label),
                            key=f"search-{task.name}-rows",
                            placeholder=_("Choose at least one setting"))  # fmt: skip
    dims, cols = [], st.columns(max(1, min(4, len(picked))))
    for i, name in enumerate(picked):
        row = rows[name]
        value = getattr(config, name, row.default)
        first_range = search_space.suggested(row, value, task.search_registries())
        text = cols[i % len(cols)].text_input(
            _(row.label), first_range.text().split("=", 1)[1], key=f"search-{task.name}-{name}",
            help=_("A range LOW:HIGH (add :log for a log scale) or values A,B,C."))  # fmt: skip
        try:
            dims.append(search_space.parse(f"{name}={text}", tuple(rows.values())))
        except SpecError as e:
            cols[i % len(cols)].warning(plain(e.message), icon=":material/warning:")
            return None
    return dims


def _plan(dims: list | None) -> SearchPlan | None:
    if dims is None:
        return None
    cols = st.columns(7)
    trials = cols[0].number_input(_("Trials"), 1, 200, 8, key="search-trials")
    parallel = cols[1].number_input(_("At once"), 1, 8, 1, key="search-parallel",
                                    help=_("Trials that train at the same time (on a cluster, "
                                           "on different workers)."))  # fmt: skip
    method = cols[2].selectbox(_("Method"), list(METHODS), key="search-method",
                               format_func=lambda k: _(METHODS[k]))  # fmt: skip
    prune = cols[3].selectbox(_("Pruning"), list(PRUNERS), key="search-prune",
                              format_func=lambda k: _(PRUNERS[k]),
                              help=_("A trial is judged at the end of each quarter of an epoch "
                                     "by its mean training loss over that quarter, against the "
                                     "others at the same point; the search's result is each "
                                     "trial's last validation loss. Dropout raises a training "
                                     "loss, so a trial with much of it is judged a little "
                                     "harshly."))  # fmt: skip
    minutes = cols[4].number_input(_("Minutes (0: no limit)"), 0.0, 1440.0, 0.0, 1.0,
                                   key="search-minutes")  # fmt: skip
    said = _(
        "No new trial once the finished ones trained this many FLOPs (counted, as each "
        "run's summary says)."
    )
    flops = cols[5].number_input(_("FLOPs budget (0: none)"), 0.0, 1e21, 0.0, format="%g",
                                 key="search-flops", help=said)  # fmt: skip
    seed = cols[6].number_input(_("Seed"), 0, 10_000, 0, key="search-seed")
    population = 4
    if method == "pbt":
        population = st.number_input(
            _("Population"), 2, 16, 4, key="search-population",
            help=_("Members of each generation; the trials make the generations (a population "
                   "of 4 and 12 trials: 3 generations). Each generation trains the recipe's "
                   "epochs; then the worst quarter copy one of the best and nudge its settings; "
                   "pruning does not apply."))  # fmt: skip
    return SearchPlan(tuple(dims), int(trials), method, prune, float(minutes), int(parallel),
                      int(seed), float(flops), int(population))  # fmt: skip
