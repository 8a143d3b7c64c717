"""A search, watched: its controls, every trial's curve as it trains (pruned ones cut and
greyed), the best so far, the settings against the result, each setting's slice and (once two
trials finished) its importance; a sentence of what mattered and the best recipe; what the
search cost beside its best trial, and what pruning saved; "Use this recipe"."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from playground.engine.cost import flops_text
from playground.engine.i18n import N_, _
from playground.engine.settings_table import in_words
from playground.exchange.runs import load_run
from playground.serving.search import SearchJob
from playground.ui import state, task_ui, visibility
from playground.ui.search import figures
from playground.ui.search.form import JOB
from playground.ui.text import plain
from playground.ui.train import live

REFRESH = 1.5  # seconds between redraws while it trains
STATES = {"running": N_("training"), "finished": N_("finished"), "pruned": N_("pruned"),
          "failed": N_("failed"), "stopped": N_("stopped")}  # fmt: skip


def running() -> SearchJob | None:
    """This person's search: the one this session started, or their newest still going."""
    manager, me = state.manager(), state.owner()
    found = manager.owned(me, st.session_state.get(JOB))
    if found is None:
        going = (j for j in manager.jobs_of(me) if _search(j) and not j.status.ended)
        found = next(going, None)
    return found if _search(found) else None


def _search(job) -> bool:
    return getattr(job, "kind", "") == "search"


def show(job, watching: bool = False) -> None:
    """The search's view; `watching`: through a share link, read-only."""
    task_ui.open_asked()  # "Use this recipe" asked for the best trial's page
    st.subheader(_("Search: {name}").format(name=plain(job.name)))
    if not watching:
        live.controls(job)
    every = None if job.status.ended else visibility.every(REFRESH)

    @st.fragment(run_every=every)
    def drawn() -> None:
        _view(job, watching)
        if every and job.status.ended:
            st.rerun()

    drawn()


def _labels(job) -> tuple[dict[str, str], dict[str, bool]]:
    rows = {r.name: r for r in job.task.search_rows()}
    dims = job.plan.dimensions
    labels = {d.name: _(rows[d.name].label) if d.name in rows else d.name for d in dims}
    return labels, {d.name: d.log for d in dims}


def _view(job, watching: bool) -> None:
    trials = job.snapshot()
    (st.success if job.status.value == "finished" else st.info)(plain(job.message))
    if not trials:
        return
    labels, logs = _labels(job)
    best = job.best()
    st.plotly_chart(figures.curves_figure(trials, best["number"] if best else None),
                    key="search-curves")  # fmt: skip
    if (so_far := figures.best_figure(trials)) is not None:
        st.plotly_chart(so_far, key="search-best")
    _table(job, trials, labels)
    parallel = figures.parallel_figure(trials, labels, logs)
    if parallel is not None:
        st.plotly_chart(parallel, key="search-parcoords")
    slices = figures.slices_figure(trials, labels, logs)
    if slices is not None:
        st.plotly_chart(slices, key="search-slices")
    if job.plan.method == "pbt":
        st.plotly_chart(figures.tree_figure(trials, job.plan.population, labels),
                        key="search-tree")  # fmt: skip
    if job.importances:
        st.plotly_chart(figures.importance_figure(job.importances, labels), key="search-imp")
    if best is not None:
        st.markdown(plain(_said(job, best, labels)))
        _costs(job, trials, best)
        if not watching and best["run_dir"]:
            _use(best["run_dir"])


def _table(job, trials: list[dict], labels: dict[str, str]) -> None:
    rows = []
    for t in trials:
        row = {_("Trial"): t["number"], _("State"): _(STATES.get(t["state"], t["state"]))}
        for name, label in labels.items():
            row[label] = _value_text(job, name, t["params"].get(name))
        value = t["value"]
        row[_("Validation loss")] = f"{value:.4g}" if value is not None else "-"
        trained = [e for e, _loss in t.get("rungs") or ()] + [e for e, _loss in t["curve"]]
        row[_("Epochs")] = f"{max(trained, default=0):g}"  # a pruned one's: where it stopped
        rows.append(row)
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="search-table")


def _value_text(job, name: str, value) -> str:
    found = in_words(job.config, name, value)
    if found is not None:
        return found[1]
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _said(job, best: dict, labels: dict[str, str]) -> str:
    recipe = ", ".join(f"{labels[k]} {_value_text(job, k, v)}" for k, v in best["params"].items()
                       if k in labels)  # fmt: skip
    if job.status.ended:
        said = _("The best trial is trial {n}: {recipe}, validation loss {value:.4g}.")
    else:
        said = _("The best trial so far is trial {n}: {recipe}, validation loss {value:.4g}.")
    text = said.format(n=best["number"], recipe=recipe, value=best["value"])
    if job.importances:
        top = ", ".join(f"{labels.get(k, k)} ({v:.0%})" for k, v in job.importances.items())
        text += " " + _("What mattered, most first: {top}.").format(top=top)
    return text


def _costs(job, trials: list[dict], best: dict) -> None:
    flops = sum(t["flops"] or 0 for t in trials)
    energy = sum(t["energy_wh"] or 0 for t in trials)
    co2 = sum(t["co2_g"] or 0 for t in trials)
    steps = sum(t["steps"] or 0 for t in trials)
    saved = max(0, job.steps_planned - steps) if job.status.ended else None
    text = _("The whole search: {flops}, {wh:.2f} Wh, {co2:.2f} g CO2 (estimated); its best "
             "trial alone: {best}, {best_wh:.2f} Wh, {best_co2:.2f} g CO2.").format(
        flops=flops_text(flops), wh=energy, co2=co2, best=flops_text(best["flops"]),
        best_wh=best["energy_wh"] or 0, best_co2=best["co2_g"] or 0)  # fmt: skip
    if saved is not None and job.steps_planned:
        said = _("Pruning saved {saved:,} of {planned:,} planned steps ({share:.0%}).")
        text += " " + said.format(saved=saved, planned=job.steps_planned,
                                  share=saved / job.steps_planned)  # fmt: skip
    st.caption(plain(text))


def _use(run_dir: str) -> None:
    try:
        run = load_run(run_dir)
    except Exception:  # the run was deleted since: nothing to use
        return
    use = task_ui.use_of(run)
    if use is None:
        return
    st.button(_("Use this recipe"), key="search-use", icon=":material/input:",
              help=_("The best trial's model and settings become the ones on its page."),
              on_click=task_ui.apply, args=(use, run, "search-used"))  # fmt: skip
    if note := st.session_state.pop("search-used", None):
        st.success(plain(note))
