"""The scaling lab's "Start sweep": a model family of either task, the data, how many sizes and
how they grow, and the budget each size gets; the sweep that is training, live."""

from __future__ import annotations

import dataclasses

import streamlit as st
import torch

from playground.datasets import image_sets
from playground.engine.cost import flops_text
from playground.engine.i18n import N_, _
from playground.engine.records import SpecError
from playground.engine.task import named
from playground.serving.sweeps import BUDGETS, HOWS, Plan, SweepJob, members
from playground.tasks.language import corpora
from playground.ui import state, visibility
from playground.ui.text import plain
from playground.ui.train import live

TASKS = {"image": N_("Images (MNIST)"), "language": N_("Language (GPT)")}
TASK_KEY = "scale-task"  # the task a "Scale it" link chose
DEFAULTS = {  # task -> (preset, the data it trains on, budget in steps): about 2-5 min here
    "image": ("seed-cnn", {"dataset": "mnist-sample", "batch_size": 64}, 150),
    "language": ("shakespeare-char", {"corpus": "shakespeare", "eval_every": 100}, 300),
}


def scale_it(task: str) -> None:
    """The link from Train and Language to the lab, with their task chosen."""
    what = _("Train this model family at several sizes and fit its scaling law.")
    if st.button(
        _("Scale it"), icon=":material/stacked_line_chart:", key=f"scale-it-{task}", help=what
    ):
        st.session_state[TASK_KEY] = task
        st.switch_page("app_pages/scale.py")


def sweep_form() -> None:
    """What to sweep, and the button that queues it."""
    cols = st.columns(3)
    task_name = cols[0].radio(
        _("Task"), list(TASKS), format_func=lambda k: _(TASKS[k]), key=TASK_KEY, horizontal=True
    )
    task = named(task_name)
    preset_name, recipe, steps = DEFAULTS[task_name]
    presets = list(task.presets())
    name = cols[1].selectbox(
        _("Model family"),
        presets,
        index=presets.index(preset_name),
        key=f"scale-{task_name}-preset",
    )
    spec, config = task.presets()[name]()
    if task_name == "image":
        names = list(image_sets.DATASETS)
        data = cols[2].selectbox(
            _("Data"),
            names,
            index=names.index(recipe["dataset"]),
            format_func=lambda n: _(image_sets.DATASETS[n].label),
            key="scale-image-data",
        )
        config = dataclasses.replace(config, dataset=data, batch_size=recipe["batch_size"])
    else:
        names = [n for n in corpora.CORPORA if n != corpora.OWN]
        data = cols[2].selectbox(
            _("Data"),
            names,
            index=names.index(config.corpus),
            format_func=lambda n: _(corpora.CORPORA[n].label),
            key=f"scale-language-data-{name}",
        )
        config = dataclasses.replace(
            config, corpus=data, eval_every=recipe["eval_every"], sample_length=0, time_limit=0.0
        )
    cols = st.columns(5)
    sizes = cols[0].slider(_("Sizes"), 4, 8, 5, key="scale-sizes")
    how = cols[1].selectbox(
        _("Grow"), list(HOWS), format_func=lambda k: _(HOWS[k]), key="scale-how"
    )
    budget = cols[2].selectbox(
        _("Budget in"), list(BUDGETS), format_func=lambda k: _(BUDGETS[k]), key="scale-budget"
    )
    default = {
        "steps": steps,
        "samples": steps * task.samples_per_step(spec, config),
        "flops": 1e12,
    }[budget]
    amount = cols[3].number_input(_("Each size gets"), min_value=1.0, value=float(default),
                                  format="%g", key=f"scale-{budget}-{task_name}")  # fmt: skip
    largest = cols[4].number_input(
        _("Largest (x the model)"), 0.5, 4.0, 1.0, 0.25, key="scale-largest"
    )
    plan = Plan(sizes=sizes, how=how, budget=budget, amount=amount, largest=largest)
    try:
        planned = members(task, spec, config, plan)
    except SpecError as e:
        st.warning(plain(e.message), icon=":material/warning:")
        planned = None
    if planned:
        st.caption(plain(_plan_text(task, planned)))
    busy = state.busy_reason()
    busy = _(busy) if busy else None
    if st.button(_("Start sweep"), type="primary", icon=":material/play_arrow:", key="scale-start",
                 disabled=busy is not None or not planned, help=busy):  # fmt: skip
        try:
            _start(task, spec, config, plan, name)
        except SpecError as e:
            st.error(plain(e.message), icon=":material/error:")
        else:
            st.rerun()
    if busy:
        st.caption(plain(busy))


def _plan_text(task, planned) -> str:
    sizes = ", ".join(f"{parameters(task, p):,}" for p, _config in planned)
    total = sum(
        task.flops_per_sample(s, c) * task.samples_per_step(s, c) * task.planned_steps(c)
        for s, c in planned
    )
    return _("Sizes (parameters): {sizes}. About {flops} of training in all.").format(
        sizes=sizes, flops=flops_text(total)
    )


def parameters(task, spec) -> int:
    with torch.device("meta"):
        return sum(p.numel() for p in task.build(spec).parameters())


def _start(task, spec, config, plan: Plan, name: str) -> None:
    job = SweepJob(spec, config, plan, task=task, name=name, **state.job_options())
    state.manager().submit(job)
    st.session_state["scale-job"] = job.id


def running() -> SweepJob | None:
    """This person's sweep that is queued or training (or the one this session started)."""
    manager, me = state.manager(), state.owner()
    found = manager.owned(me, st.session_state.get("scale-job"))
    if found is None:
        found = next((j for j in manager.jobs_of(me) if _sweep(j) and not j.status.ended), None)
    return found if _sweep(found) else None


def _sweep(job) -> bool:
    """A sweep of sizes (not a comparison or a search, the other groups of runs)."""
    return isinstance(job, SweepJob) and job.kind == "sweep"


def live_sweep(job: SweepJob) -> None:
    """The sweep's controls and its member that trains; each finished member redraws the page
    (its point joins the charts below)."""
    st.subheader(_("Sweep: {name}").format(name=plain(job.name)))
    live.controls(job)
    st.caption(_("{done} of {all} sizes trained.").format(done=len(job.done), all=len(job.members)))
    live.view(job)
    drawn = (len(job.done), job.status.ended)  # what this run of the page shows

    @st.fragment(run_every=None if job.status.ended else visibility.every(2.0))
    def follow() -> None:
        if (len(job.done), job.status.ended) != drawn:
            st.rerun()

    follow()
