"""What a browser session holds: the current model and recipe, its training job, and the
process-wide JobManager. Pages read and change these only through the functions here."""

from __future__ import annotations

import dataclasses
import sys

import streamlit as st

from playground import catalog
from playground.data import default_data_dir
from playground.jobs import JobManager, TrainingJob
from playground.runs import default_runs_dir
from playground.specs import ModelSpec, TrainConfig
from playground.training import device_name, pick_device

_SPEC, _CONFIG, _JOB, _OWN = "model_spec", "train_config", "job_id", "own_jobs"
DEFAULT_PRESET = "seed-cnn"


GIL_SWITCH_SECONDS = 0.001


@st.cache_resource
def manager() -> JobManager:
    """One per server process: every session's jobs, one training at a time (others queue)."""
    # The training thread needs the GIL back after every torch op; while a page is being drawn
    # it would wait up to Python's default 5 ms for each. A shorter interval hands it back
    # sooner (measured in benchmarks/bench_app.py).
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    return JobManager(max_running=1)


@st.cache_resource
def machine_device() -> str:
    """Where 'auto' trains on this machine, in words: 'cuda (NVIDIA H200)' or 'cpu (2 threads)'."""
    return device_name(pick_device("auto"))


def spec() -> ModelSpec:
    """The session's current model (the seed CNN until the user picks another)."""
    if _SPEC not in st.session_state:
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
    if _CONFIG not in st.session_state:
        st.session_state[_CONFIG] = _default_config()
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
    mine = jobs.get(st.session_state.get(_JOB))
    if mine is not None:
        return mine
    found = jobs.get(st.query_params.get("job"))
    if found is None:
        own = st.session_state.get(_OWN, set())  # e.g. a fine-tune from Draw: not a reload
        found = next((j for j in jobs.jobs() if j.active and j.id not in own), None)
    if found is not None:
        st.session_state[_JOB] = found.id
        if _untouched():  # a reloaded tab: show the job's model and settings again
            set_spec(found.spec)
            set_config(found.config)
            st.rerun()
    return found


def _untouched() -> bool:
    """True if this session still has the model and settings every new session starts with."""
    return (
        st.session_state.get(_SPEC, _default_spec()) == _default_spec()
        and st.session_state.get(_CONFIG, _default_config()) == _default_config()
    )


def submit(job: TrainingJob) -> None:
    """Queue a job that this session started for a purpose of its own (not its main job)."""
    st.session_state.setdefault(_OWN, set()).add(job.id)
    manager().submit(job)


def start_job(model: ModelSpec, recipe: TrainConfig) -> TrainingJob:
    """Queue a job for `model` and `recipe` (validated here; SpecError if they do not fit)."""
    new = TrainingJob(
        model, recipe, name=model.name, data_dir=default_data_dir(), runs_dir=default_runs_dir()
    )
    manager().submit(new)
    st.session_state[_JOB] = new.id
    return new
