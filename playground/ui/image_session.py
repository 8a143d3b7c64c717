"""The image task's session: the current model (Build's layers) and training recipe (Train's
settings) of this browser session, and what a reloaded tab does with an image job it finds.
It sits beside the shared pieces that still set it (Start from, the settings form) rather than
in ui/image/, which the language UI may not import."""

from __future__ import annotations

import dataclasses

import streamlit as st

from playground.serving.jobs import TrainingJob
from playground.tasks.image import catalog
from playground.tasks.image.recipe import TrainConfig
from playground.tasks.image.specs import ModelSpec
from playground.ui import state
from playground.ui.state import bump

# session keys: one spelling (area-thing), each named here where it is owned
_SPEC, _CONFIG = "session-model", "session-recipe"
DEFAULT_PRESET = "seed-cnn"


def spec() -> ModelSpec:
    """The session's current model (the seed CNN until the user picks another)."""
    if not isinstance(st.session_state.get(_SPEC), ModelSpec):  # never another task's model
        st.session_state[_SPEC] = _default_spec()
    return st.session_state[_SPEC]


def _default_spec() -> ModelSpec:
    return ModelSpec.from_preset(DEFAULT_PRESET)


def _default_config() -> TrainConfig:
    return dataclasses.replace(TrainConfig(), **catalog.PRESETS[DEFAULT_PRESET].recipe)


def set_spec(new: ModelSpec, *, refresh: bool = True) -> None:
    """Make `new` the current model; `refresh` re-creates the editor's widgets from it."""
    st.session_state[_SPEC] = new
    if refresh:
        bump("build")


def config() -> TrainConfig:
    """The session's training recipe (defaults plus the starting preset's recipe)."""
    if not isinstance(st.session_state.get(_CONFIG), TrainConfig):
        st.session_state[_CONFIG] = _default_config()
    return st.session_state[_CONFIG]


def set_config(new: TrainConfig, *, refresh: bool = True) -> None:
    st.session_state[_CONFIG] = new
    if refresh:
        bump("train")


def untouched() -> bool:
    """True if this session still has the model and settings every new session starts with."""
    return (
        st.session_state.get(_SPEC, _default_spec()) == _default_spec()
        and st.session_state.get(_CONFIG, _default_config()) == _default_config()
    )


def _adopt_image(found: TrainingJob) -> None:
    if untouched():  # a reloaded tab: show the job's model and settings again
        set_spec(found.spec)
        set_config(found.config)
        st.rerun()


state.ADOPT["image"] = _adopt_image
