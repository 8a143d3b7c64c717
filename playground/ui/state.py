"""What a browser session holds: the current model and recipe, its training job, and the
process-wide JobManager. Pages read and change these only through the functions here."""

from __future__ import annotations

import dataclasses

import streamlit as st

from playground import catalog
from playground.data import default_data_dir
from playground.jobs import JobManager, TrainingJob
from playground.runs import default_runs_dir
from playground.specs import ModelSpec, TrainConfig
from playground.training import device_name, pick_device

_SPEC, _CONFIG, _JOB = "model_spec", "train_config", "job_id"
DEFAULT_PRESET = "seed-cnn"


@st.cache_resource
def manager() -> JobManager:
    """One per server process: every session's jobs, one training at a time (others queue)."""
    return JobManager(max_running=1)


@st.cache_resource
def machine_device() -> str:
    """Where 'auto' trains on this machine, in words: 'cuda (NVIDIA H200)' or 'cpu (2 threads)'."""
    return device_name(pick_device("auto"))


def spec() -> ModelSpec:
    """The session's current model (the seed CNN until the user picks another)."""
    if _SPEC not in st.session_state:
        st.session_state[_SPEC] = ModelSpec.from_preset(DEFAULT_PRESET)
    return st.session_state[_SPEC]


def set_spec(new: ModelSpec, *, refresh: bool = True) -> None:
    """Make `new` the current model; `refresh` re-creates the editor's widgets from it."""
    st.session_state[_SPEC] = new
    if refresh:
        bump("build")


def config() -> TrainConfig:
    """The session's training recipe (defaults plus the starting preset's recipe)."""
    if _CONFIG not in st.session_state:
        recipe = catalog.PRESETS[DEFAULT_PRESET].recipe
        st.session_state[_CONFIG] = dataclasses.replace(TrainConfig(), **recipe)
    return st.session_state[_CONFIG]


def set_config(new: TrainConfig, *, refresh: bool = True) -> None:
    st.session_state[_CONFIG] = new
    if refresh:
        bump("train")


def version(name: str) -> int:
    """A counter that widget keys include, so widgets re-read their values after `bump`."""
    return st.session_state.get(f"version.{name}", 0)


def bump(name: str) -> None:
    st.session_state[f"version.{name}"] = version(name) + 1


def job() -> TrainingJob | None:
    """The session's job: the one it started, the one named in the URL (?job=...), or else
    the job training now (after a reload of the tab, the session is new but the job is not)."""
    jobs = manager()
    found = jobs.get(st.session_state.get(_JOB)) or jobs.get(st.query_params.get("job"))
    if found is None:
        found = next((j for j in jobs.jobs() if j.active), None)
    if found is not None:
        st.session_state[_JOB] = found.id
    return found


def start_job(model: ModelSpec, recipe: TrainConfig) -> TrainingJob:
    """Queue a job for `model` and `recipe` (validated here; SpecError if they do not fit)."""
    new = TrainingJob(
        model, recipe, name=model.name, data_dir=default_data_dir(), runs_dir=default_runs_dir()
    )
    manager().submit(new)
    st.session_state[_JOB] = new.id
    return new
