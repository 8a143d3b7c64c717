"""The runs table: every saved run, curves of the selected ones overlaid, the settings that
differ highlighted, and for one run: use its model, download it, delete it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from playground import metrics, plots
from playground.runs import WEIGHTS, Run, delete_run, differences, list_runs, settings, table_row
from playground.ui import state

_MODEL_RUN = "model_run"  # the run whose weights are the session's current model, if any


def model_run() -> str | None:
    """Path of the run the session's current model was loaded from (None: not from a run)."""
    return st.session_state.get(_MODEL_RUN)


def _use(run: Run) -> None:
    state.set_spec(run.spec)
    state.set_config(run.config)
    st.session_state[_MODEL_RUN] = str(run.path)
    st.session_state["runs.note"] = (
        f"{run.name} is now the current model (its layers on Build, its settings here)."
    )


def _delete(run: Run) -> None:
    delete_run(run)
    if model_run() == str(run.path):
        del st.session_state[_MODEL_RUN]
    st.session_state["runs.note"] = f"Deleted run {run.name}."
    state.bump("runs")  # a new table: the old selection pointed at rows that moved


def runs_table() -> None:
    runs = list_runs()
    note = st.empty()  # always there, so the elements below keep their places
    if text := st.session_state.pop("runs.note", None):
        note.info(text)
    if not runs:
        st.caption("No runs yet: each training job is saved here as a run when it ends.")
        return
    training = {str(j.run_dir) for j in state.manager().jobs() if j.active and j.run_dir}
    rows = []
    for run in runs:
        row = table_row(run)
        if str(run.path) in training:
            row["status"] = "training"
        rows.append(row)
    event = st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        on_select="rerun",
        selection_mode="multi-row",
        key=f"runs-{state.version('runs')}",
        column_config={
            "run": None,  # the folder name: shown in the details, not in the table
            "lr": st.column_config.NumberColumn(format="%.4g"),
            "best val accuracy": st.column_config.NumberColumn(format="percent"),
            "test accuracy": st.column_config.NumberColumn(format="percent"),
        },
    )
    chosen = [runs[i] for i in event.selection.rows]
    if not chosen:
        st.caption("Select runs (the boxes on the left) to compare their curves or use one.")
        return
    _compare(chosen)
    if len(chosen) == 1:
        _actions(chosen[0], active=str(chosen[0].path) in training)


def _compare(runs: list[Run]) -> None:
    curves = {}
    for run in runs:
        records = run.metrics()
        steps = [r for r in records if isinstance(r, metrics.StepRecord)]
        epochs = [r for r in records if isinstance(r, metrics.EpochRecord)]
        curves[run.name] = (steps, epochs)
    st.plotly_chart(plots.compare_figure(curves), key="chart-compare")
    table = pd.DataFrame({run.name: {k: str(v) for k, v in settings(run).items()} for run in runs})
    differ = set(differences(runs))
    if len(runs) > 1:
        st.caption(
            f"Settings that differ are highlighted ({len(differ)}): "
            + (", ".join(sorted(differ)) or "none")
        )
    st.dataframe(
        table.style.apply(
            lambda row: [
                "background-color: #fff3bf; font-weight: bold" if row.name in differ else ""
                for _ in row
            ],
            axis=1,
        ),
        key=f"runs-settings-{state.version('runs')}",
    )


def _actions(run: Run, active: bool) -> None:
    cols = st.columns(4, vertical_alignment="bottom")
    cols[0].button(
        "Use this model",
        key="run-use",
        on_click=_use,
        args=(run,),
        help="Its layers become the current model and its settings the recipe.",
        icon=":material/input:",
    )
    weights = run.path / WEIGHTS
    cols[1].download_button(
        "Download weights",
        weights.read_bytes,  # read when clicked, not on every rerun
        file_name=f"{run.name}.safetensors",
        disabled=not weights.exists(),
        key="run-weights",
        icon=":material/download:",
        on_click="ignore",
    )
    cols[2].download_button(
        "Download spec",
        run.spec.to_json(),
        file_name=f"{run.name}.json",
        mime="application/json",
        key="run-spec",
        icon=":material/download:",
        on_click="ignore",
    )
    with cols[3].popover("Delete", icon=":material/delete:", disabled=active):
        st.write(f"Delete {run.name} and its weights from disk?")
        st.button(
            "Delete for good", key="run-delete", on_click=_delete, args=(run,), type="primary"
        )
    if active:
        st.caption("This run is still training: stop it before deleting it.")
    elif not run.summary:
        st.caption("This run has no summary: the server stopped while it was training.")
    elif run.summary.get("status") in ("failed", "diverged"):
        st.warning(run.summary.get("message", "This run did not finish."))
