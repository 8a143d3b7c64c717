"""What every browser session holds, whatever kind of model its pages are about: who it is, its
training job, and the process-wide JobManager. A task's own session (its current model and
recipe) is its own: ui/image_session.py, ui/language/session.py."""

from __future__ import annotations

import os
import sys

import streamlit as st

from playground.datasets.images import default_data_dir
from playground.engine import settings
from playground.engine.devices import device_name, gpu_memory, pick_device
from playground.engine.i18n import _
from playground.engine.records import SpecError
from playground.exchange.runs import default_runs_dir
from playground.serving.jobs import TrainingJob
from playground.serving.manager import JobManager
from playground.ui import identity
from playground.ui.text import plain

# session keys: one spelling (area-thing), each named here where it is owned
_JOB, _OWN = "session-job", "session-own-jobs"
_RESTART_NOTES = "session-restart-notes"


GIL_SWITCH_SECONDS = 0.001


@st.cache_resource
def manager() -> JobManager:
    """One per server process: every session's jobs, their queue and the server's limits."""
    # The training thread needs the GIL back after every torch op; while a page is being drawn
    # it would wait up to Python's default 5 ms for each. A shorter interval hands it back
    # sooner (measured in benchmarks/bench_app.py).
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    try:
        limits = settings.load()
        return JobManager(
            limits,
            gpu_memory=gpu_memory(),
            runs_dir=default_runs_dir(),
            ray_address=os.environ.get("PLAYGROUND_RAY_ADDRESS") or None,
        )
    except (SpecError, RuntimeError) as e:  # bad settings, or a cluster that cannot be reached
        st.error(
            plain(_("The server cannot start training: {why}").format(why=_(str(e)))),
            icon=":material/error:",
        )
        st.stop()


def memory_budget() -> int:
    """Bytes one step or pass of this server may take (a page's passes keep to it too)."""
    return manager().settings.memory_budget_bytes


def assumptions():
    """The figures this server's cost estimates stand on (engine/cost.py)."""
    return manager().settings.assumptions


@st.cache_resource
def machine_device() -> str:
    """Where 'auto' trains on this machine, in words: 'cuda (NVIDIA H200)' or 'cpu (2 threads)'."""
    return device_name(pick_device("auto"))


def version(name: str) -> int:
    """A counter that widget keys include, so widgets re-read their values after `bump`."""
    return st.session_state.get(f"version-{name}", 0)


def bump(name: str) -> None:
    st.session_state[f"version-{name}"] = version(name) + 1


def owner() -> str:
    """Who this session is: the logged-in user, or this browser."""
    return identity.owner()


def job(task: str = "image", sweep: bool = False) -> TrainingJob | None:
    """The session's job of `task` (the page's kind of model): the one it started, the one named
    in the URL (?job=..., if it is yours), or else your newest job of that task still queued or
    training (after a reload of the tab, the session is new but the job is not)."""
    jobs, me = manager(), owner()

    def ours(found: TrainingJob | None) -> bool:
        is_sweep = found is not None and getattr(found, "plan", None) is not None
        return found is not None and found.task.name == task and is_sweep == sweep

    mine = jobs.owned(me, st.session_state.get(_JOB))
    if ours(mine):
        return mine
    found = jobs.owned(me, st.query_params.get("job"))
    if not ours(found):
        own = st.session_state.get(_OWN, set())  # e.g. a fine-tune from Draw: not a reload
        found = next(
            (j for j in jobs.jobs_of(me) if ours(j) and not j.status.ended and j.id not in own),
            None,
        )
    if found is not None:
        st.session_state[_JOB] = found.id
        if not sweep:
            from playground.ui import task_ui  # its session.py registers what it adopts

            task_ui.of(task)
            ADOPT.get(task, lambda _job: None)(found)
    return found


# task -> what a reloaded tab does with the job it finds (the page of that task shows its
# model and settings again); a task's ui pieces add theirs
ADOPT: dict = {}  # ui/<task>/session.py adds its own


def linked_job_is_not_yours() -> bool:
    """True when the URL names a job (?job=...) that exists but belongs to someone else."""
    linked = st.query_params.get("job")
    return manager().get(linked) is not None and manager().owned(owner(), linked) is None


def restart_notes() -> list[str]:
    """What the server's last restart did to this person's jobs (shown for the session)."""
    if _RESTART_NOTES not in st.session_state:
        st.session_state[_RESTART_NOTES] = manager().restart_notes(owner())
    return st.session_state[_RESTART_NOTES]


def busy_reason() -> str | None:
    """Why this person cannot start a job now (they have one queued or training), or None."""
    return manager().busy_reason(owner())


def submit(job: TrainingJob) -> None:
    """Queue a job that this session started for a purpose of its own (not its main job);
    Refused (a SpecError) if it cannot join the queue."""
    manager().submit(job)
    st.session_state.setdefault(_OWN, set()).add(job.id)


def new_job(model, recipe, **kwargs) -> TrainingJob:
    """A job of this session's owner, saved with the server's runs."""
    return manager().new_job(model, recipe, **job_options(), **kwargs)


def job_options() -> dict:
    """Where a job of this session's owner keeps its data and runs, and who and where it is."""
    return {
        "data_dir": default_data_dir(),
        "runs_dir": default_runs_dir(),
        "owner": owner(),
        "address": identity.address(manager().settings.proxy_hops),
    }


def start_group(job: TrainingJob) -> TrainingJob:
    """Queue a group of runs made here (a comparison) as this session's job."""
    manager().submit(job)
    st.session_state[_JOB] = job.id
    return job


def start_job(model, recipe, **kwargs) -> TrainingJob:
    """Queue a job for `model` and `recipe` (of any task); SpecError (Refused among them) if it
    cannot."""
    new = new_job(model, recipe, name=model.name, **kwargs)
    manager().submit(new)
    st.session_state[_JOB] = new.id
    return new
