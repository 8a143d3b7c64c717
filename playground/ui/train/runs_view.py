"""The runs table: your runs and the examples, curves of the selected ones overlaid, the settings
that differ highlighted, and for one run: use its model, download it, share it, delete it. Other
people's runs are not listed; only your own can be shared or deleted."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from playground.engine.i18n import N_, _
from playground.engine.memory import size_text
from playground.engine.owners import NotAllowed
from playground.engine.settings_table import in_words
from playground.exchange import run_groups
from playground.exchange.quota import folder_size
from playground.exchange.run_files import WEIGHTS
from playground.exchange.run_table import differences, settings, table_row
from playground.exchange.runs import (
    DamagedRun,
    Run,
    damaged_runs,
    delete_run,
    share_run,
    visible_runs,
)
from playground.serving import curves
from playground.ui import share, state, task_ui
from playground.ui.image import actions as image_actions
from playground.ui.text import headed, plain
from playground.ui.train import run_export

_NOTE = "runs-note"  # what the last action did, shown above the table


def _delete(run: Run | DamagedRun) -> None:
    try:
        delete_run(run, state.owner())
    except NotAllowed as e:
        st.session_state[_NOTE] = str(e)
        return
    image_actions.forget(run)
    st.session_state[_NOTE] = _("Deleted run {name}.").format(name=run.name)
    state.bump("runs")  # a new table: the old selection pointed at rows that moved


def _share(run: Run) -> None:
    try:
        share_run(run, state.owner())
    except NotAllowed as e:
        st.session_state[_NOTE] = str(e)


def runs_table() -> None:
    task_ui.open_asked()  # a run's action asked for its page
    me = state.owner()
    runs = visible_runs(me)
    damaged = [d for d in damaged_runs() if d.owner is None or d.owner == me]
    note = st.empty()  # always there, so the elements below keep their places
    if text := st.session_state.pop(_NOTE, None):
        note.info(plain(text))
    _disk_note([r for r in runs if r.owner == me])
    with st.expander(_("Import a run bundle")):
        if text := run_export.import_box():
            note.info(plain(text))
            runs = visible_runs(me)
    run_export.pretrained_box()
    if not runs and not damaged:
        st.caption(_("No runs yet: each training job is saved here as a run when it ends."))
        return
    training = {str(j.run_dir) for j in state.manager().jobs() if j.active and j.run_dir}
    rows = []
    damage = _("damaged: {why}")
    for run in runs:
        row = _row(run, me)
        if str(run.path) in training:
            row["status"] = _("training")
        elif run.damage:
            row["status"] = damage.format(why=_(run.damage))
        rows.append(row)
    for folder in damaged:
        rows.append({**dict.fromkeys(COLUMNS), "owner": _("you") if folder.owner == me else
                     _("example"), "run": folder.name, "name": folder.name,
                     "status": damage.format(why=_(folder.why))})  # fmt: skip
    event = st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        on_select="rerun",
        selection_mode="multi-row",
        key=f"runs-{state.version('runs')}",
        column_config=headed(
            rows,
            {
                "run": None,  # the folder name: shown in the details, not in the table
                "lr": st.column_config.NumberColumn(format="%.4g"),
                "FLOPs": st.column_config.NumberColumn(
                    format="%.3g", help=_("Counted, training only.")
                ),
                "energy (Wh)": st.column_config.NumberColumn(
                    format="%.3g",
                    help=_("An estimate: {text}.").format(text=state.assumptions().text()),
                ),
                "CO2 (g)": st.column_config.NumberColumn(format="%.3g", help=_("An estimate.")),
            },
        ),
    )
    rows_chosen = [i for i in event.selection.rows if i < len(rows)]
    broken = [damaged[i - len(runs)] for i in rows_chosen if i >= len(runs)]
    chosen = [runs[i] for i in rows_chosen if i < len(runs)]
    if broken:
        _damaged_actions(broken[0], mine=broken[0].owner == me)
        return
    if not chosen:
        st.caption(_("Select runs (the boxes on the left) to compare their curves or use one."))
        return
    _compare(chosen)
    if len(chosen) == 1:
        _actions(chosen[0], active=str(chosen[0].path) in training, mine=chosen[0].owner == me)


# The table's columns, the same for runs of every task (a language run among image runs once
# added its own columns and left "None" in everyone else's): what each run reached is its
# task's first result, in words ("Test accuracy 98.90%", "Val loss 1.823").
COLUMNS = (N_("owner"), "run", N_("name"), N_("group"), N_("task"), N_("data"),
           N_("optimizer"), "lr", N_("progress"), N_("result"), N_("privacy"), N_("time (s)"),
           N_("status"),
           N_("FLOPs"), N_("energy (Wh)"), N_("CO2 (g)"))  # fmt: skip


def _privacy(s: dict) -> str:
    """ε and δ of a private run; "not private" for the rest (of every task)."""
    if not s.get("private"):
        return _("not private")
    return f"ε {s['epsilon']:.2f} · δ {s['delta']:g}"


def _row(run: Run, me: str) -> dict:
    found, task = table_row(run), run.task
    reached = [n for n in task.result_numbers(run.summary) if n.value != "-"]
    optimizer = in_words(run.config, "optimizer", getattr(run.config, "optimizer", None))
    group = run_groups.about(run.path)
    status = _("pruned") if run_groups.pruned(group) else _(found.get("status") or "")
    return {
        "owner": _("you") if run.owner == me else _("example"),
        "run": run.name,
        "name": found.get("name", run.name),
        "group": run_groups.text(group),
        "task": _(task.label),
        "data": _(task.data_label(run.config)) or "-",
        "optimizer": optimizer[1] if optimizer else "-",
        "lr": getattr(run.config, "lr", None),
        "progress": _progress(found.get("epochs")),
        "result": f"{_(reached[0].label)} {reached[0].value}" if reached else "-",
        "privacy": _privacy(run.summary),
        "time (s)": found.get("time (s)"),
        "status": status,
        "FLOPs": found.get("FLOPs"),
        "energy (Wh)": found.get("energy (Wh)"),
        "CO2 (g)": found.get("CO2 (g)"),
    }


def _progress(done: str | None) -> str:
    """ "2 / 3 epochs" (a task's row that gives a bare count counts epochs)."""
    if not done:
        return "-"
    return done if any(c.isalpha() for c in done) else f"{done} {_('epochs')}"


def _damaged_actions(folder: DamagedRun, mine: bool) -> None:
    st.warning(
        _("{name} cannot be read: {why}").format(name=plain(folder.name), why=plain(folder.why)),
        icon=":material/warning:",
    )
    if mine:
        st.button(
            _("Delete this damaged run"),
            key="run-delete-damaged",
            on_click=_delete,
            args=(folder,),
            icon=":material/delete:",
        )


def _disk_note(mine: list[Run]) -> None:
    quota = state.manager().settings.disk_quota_bytes
    if quota is None:
        return
    used = sum(folder_size(r.path) for r in mine)
    text = _("Your runs take {used} of the {quota} you may keep here.").format(
        used=size_text(used), quota=size_text(quota)
    )
    if used >= quota:
        st.warning(text + " Delete some to train again.", icon=":material/storage:")
    elif used:
        st.caption(text)


def _compare(runs: list[Run]) -> None:
    lines = {}
    for run in runs:
        log = run.log()
        lines[run.name] = (log.points(), log.epochs())
    st.plotly_chart(
        curves.compare_figure(lines, score=curves.common_score(r.task for r in runs)),
        key="chart-compare",
    )
    words: dict[str, str] = {}  # setting -> its label, in the reader's words
    columns = {}
    for run in runs:
        column = {}
        for key, value in settings(run).items():
            found = in_words(run.config, key, value)
            label, text = (
                found if found else (run.task.setting_labels().get(key, key), _value_text(value))
            )
            words[key] = _(label)
            column[words[key]] = text
        words["privacy"] = _("privacy")  # what a run spent, beside what it was set to spend
        column[words["privacy"]] = _privacy(run.summary)
        columns[run.name] = column
    table = pd.DataFrame(columns)
    differ = {words[k] for k in differences(runs)}
    if len(runs) > 1:
        st.caption(
            _("Settings that differ are highlighted ({count}): ").format(count=len(differ))
            + (", ".join(sorted(differ)) or _("none"))
        )
    st.dataframe(
        table.style.apply(
            lambda row: [
                "background-color: #fff3bf; font-weight: bold" if row.name in differ else ""
                for _cell in row
            ],
            axis=1,
        ),
        key=f"runs-settings-{state.version('runs')}",
    )


def _value_text(value) -> str:
    """A value that is not a setting's (a model's size or switch) as a person reads it."""
    if value in (None, ""):
        return "-"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return f"{value:,}"
    return _(value) if isinstance(value, str) else str(value)


def _actions(run: Run, active: bool, mine: bool) -> None:
    cols = st.columns(5, vertical_alignment="bottom")
    if (use := task_ui.use_of(run)) is not None:
        cols[0].button(
            _(use.label),
            key="run-use",
            on_click=task_ui.apply,
            args=(use, run, _NOTE),
            help=_(use.help),
            icon=use.icon,
        )
    weights = run.path / WEIGHTS
    cols[1].download_button(
        _("Download weights"),
        weights.read_bytes,  # read when clicked, not on every rerun
        file_name=f"{run.name}.safetensors",
        disabled=not weights.exists(),
        key="run-weights",
        icon=":material/download:",
        on_click="ignore",
    )
    cols[2].download_button(
        _("Download spec"),
        run.spec.to_json(),
        file_name=f"{run.name}.json",
        mime="application/json",
        key="run-spec",
        icon=":material/download:",
        on_click="ignore",
    )
    run_export.take_away(run)
    if not mine:
        st.caption(_("An example run: everyone can use and download it, nobody can change it."))
        return
    cols[3].button(
        _("Share"), key="run-share", on_click=_share, args=(run,), icon=":material/share:",
        disabled=run.share is not None, help=_("A link for others to see this run, read-only."),
    )  # fmt: skip
    with cols[4].popover(_("Delete"), icon=":material/delete:", disabled=active):
        st.write(_("Delete {name} and its weights from disk?").format(name=plain(run.name)))
        st.button(
            _("Delete for good"), key="run-delete", on_click=_delete, args=(run,), type="primary"
        )
    if run.share:
        share.share_box(run.share, "run")
    if active:
        st.caption(_("This run is still training: stop it before deleting it."))
    elif not run.summary:
        st.caption(_("This run has no summary: the server stopped while it was training."))
    elif run.summary.get("status") in ("failed", "diverged"):
        st.warning(plain(_(run.summary.get("message") or N_("This run did not finish."))))
