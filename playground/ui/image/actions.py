"""What the shared UI asks of the image task's: "Use this model" on one of its runs (its layers
become the current model of Build, Draw, Inspect and Evaluate, its settings the recipe on
Train), and the session's model in the sidebar."""

from __future__ import annotations

import streamlit as st

from playground.datasets import image_sets
from playground.engine.i18n import N_, _
from playground.engine.records import SpecError
from playground.exchange.runs import Run
from playground.tasks.image import models
from playground.ui import image_session, task_ui
from playground.ui.pages import IMAGES, Page

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
    image_session.set_spec(run.spec)
    image_session.set_config(run.config)
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


def model_lines() -> tuple[str, str, str]:
    """(name, size, data) of the session's model, in words."""
    spec, config = image_session.spec(), image_session.config()
    try:
        size = _("{layers} layers, {parameters} parameters").format(
            layers=len(spec.layers), parameters=f"{models.summarize(spec).total_params:,}"
        )
    except SpecError:
        size = _("does not validate yet: see Build")
    return spec.name, size, _(image_sets.DATASETS[config.dataset].label)


USE = task_ui.Use(
    N_("Use this model"),
    N_("Its layers become the current model and its settings the recipe."),
    use,
)
PAGES = (
    Page("app_pages/build.py", N_("Build"), ":material/construction:", "build", IMAGES,
         N_("the layer stack editor, with shapes, parameters and a diagram"), "image", model=True,
         order=10),
    Page("app_pages/train.py", N_("Train"), ":material/monitoring:", "train", IMAGES,
         N_("training settings, live curves, and every run so far"), "image", model=True,
         live=True, order=20),
    Page("app_pages/draw.py", N_("Draw"), ":material/draw:", "draw", IMAGES,
         N_("draw a digit; the model's answer and what it sees"), "image", order=30),
    Page("app_pages/inspect.py", N_("Inspect"), ":material/visibility:", "inspect", IMAGES,
         N_("feature maps, filters, saliency and Grad-CAM for one input"), "image", order=40),
    Page("app_pages/evaluate.py", N_("Evaluate"), ":material/fact_check:", "evaluate", IMAGES,
         N_("the whole test set: scores, confusion matrix, mistakes"), "image", order=50),
)  # fmt: skip
task_ui.register(
    "image",
    task_ui.TaskUI(
        USE,
        model_lines,
        PAGES,
        rank=10,
        current=lambda: (image_session.spec(), image_session.config()),
    ),
)
