"""What an image classifier's run offers in the runs table: "Use this model" makes its layers
the current model (Build, Draw, Inspect, Evaluate) and its settings the recipe on Train."""

from __future__ import annotations

import streamlit as st

from playground.engine.i18n import N_, _
from playground.exchange.runs import Run
from playground.ui import run_actions, state

_MODEL_RUN = "runs-model-run"  # the run whose weights are the session's current model, if any


def model_run() -> str | None:
    """Path of the run the session's current model was loaded from (None: not from a run)."""
    return st.session_state.get(_MODEL_RUN)


def forget(run: Run) -> None:
    """The run is gone (deleted): the session's model no longer comes from it."""
    if model_run() == str(run.path):
        del st.session_state[_MODEL_RUN]


def use(run: Run) -> str:
    """Make a run's model and settings the session's current ones (its weights too, if it
    has any); what was done, in words."""
    state.set_spec(run.spec)
    state.set_config(run.config)
    if not run.has_weights:
        st.session_state.pop(_MODEL_RUN, None)
        return _(
            "{name} has no saved weights (it ended before any were saved): its "
            "layers and settings are now the current ones; train it to get a model "
            "that answers."
        ).format(name=run.name)
    st.session_state[_MODEL_RUN] = str(run.path)
    return _("{name} is now the current model (its layers on Build, its settings here).").format(
        name=run.name
    )


USE = run_actions.Use(
    N_("Use this model"),
    N_("Its layers become the current model and its settings the recipe."),
    use,
)
run_actions.register("image", USE)
