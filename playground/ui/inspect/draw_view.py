"""The Draw page's pieces: the prediction for a prepared drawing, and what the model sees."""

from __future__ import annotations

import streamlit as st

from playground.engine.i18n import N_, _
from playground.explain import figures
from playground.explain.drawing import Prepared, Steps
from playground.tasks.image import evaluation
from playground.tasks.image.evaluation import Answer
from playground.ui.images import enlarged
from playground.ui.model_picker import Choice
from playground.ui.text import plain

_TOGGLES = {  # Steps field: (label, widget key)
    "crop": (N_("Crop to the ink"), "draw-crop"),
    "keep_aspect": (N_("Fit in 20 px, keep shape"), "draw-aspect"),
    "centre_of_mass": (N_("Centre by mass"), "draw-centre"),
}


def current_steps() -> Steps:
    """The steps as the toggles stand (read before they are drawn, below the answer, so that on
    a phone the answer sits right under the canvas)."""
    return Steps(**{f: st.session_state.get(key, True) for f, (_label, key) in _TOGGLES.items()})


def step_toggles() -> None:
    """Switches for each preparation step, to see why each matters."""
    st.caption(_("Preparation steps (switch one off to see why it is there):"))
    cols = st.columns(3)
    for col, (label, key) in zip(cols, _TOGGLES.values(), strict=True):
        col.toggle(_(label), st.session_state.get(key, True), key=key)


def answer_for(choice: Choice, prepared: Prepared) -> Answer:
    return evaluation.answer(
        choice.model, prepared.pixels(), choice.dataset, choice.loss, choice.temperature
    )


def _calibration_note(answer: Answer, temperature: float) -> None:
    if answer.raw_confidence is None:
        st.caption(
            _(
                "Confidence as the model's softmax gives it: this model has no calibration (it is "
                "fitted when a job finishes with a validation split)."
            )
        )
        return
    st.caption(
        _(
            "Calibrated: its outputs are divided by {temperature:.3g}, the "
            "temperature that makes its confidence match how often it is right on "
            "validation images it never trained on. The raw softmax says "
            "{raw_confidence:.1%}."
        ).format(temperature=temperature, raw_confidence=answer.raw_confidence)
    )


def prediction(
    choice: Choice | None, prepared: Prepared | None, key: str = "draw"
) -> Answer | None:
    """The "Prediction" metric (no digit while the canvas is empty), confidence and the bars
    (`key` tells two pages' charts apart)."""
    answer = None
    if choice is not None and choice.model is not None and prepared and not prepared.empty:
        answer = answer_for(choice, prepared)
    cols = st.columns(2)
    cols[0].metric(_("Prediction"), choice.dataset.names()[answer.label] if answer else "-")
    cols[1].metric(_("Confidence"), f"{answer.confidence:.1%}" if answer else "-")
    if answer is None:
        if choice is not None and choice.model is None:
            st.info(_("The job has no weights yet: they appear after its first steps."))
        else:
            st.caption(_("Draw a digit: the answer appears when you lift the mouse or finger."))
        return None
    _calibration_note(answer, choice.temperature)
    if answer.warning:
        st.warning(plain(answer.warning), icon=":material/help:")
    st.plotly_chart(
        figures.probabilities_figure(answer.probabilities, choice.dataset.names()),
        key=f"{key}-probabilities",
        config={"displayModeBar": False},
    )
    return answer


def what_the_model_sees(prepared: Prepared) -> None:
    """Each step as a small image: the ink, the crop, the scaled digit, the 28x28 input."""
    cols = st.columns(4)
    for col, (title, image) in zip(
        cols,
        [
            (_("Your ink"), prepared.ink),
            (_("Cropped"), prepared.cropped),
            (_("Scaled"), prepared.scaled),
            (_("28x28 input"), prepared.image),
        ],
        strict=True,
    ):
        col.image(
            enlarged(image), caption=f"{title} ({image.shape[0]}x{image.shape[1]})", width=110
        )
