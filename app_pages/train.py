"""The Train page: your job (or a shared one, through ?watch=), the next run's settings,
and your runs."""

import streamlit as st

from playground.engine.i18n import _
from playground.engine.records import SpecError
from playground.engine.task import named
from playground.serving.sweeps import CompareJob
from playground.tasks.image.export import standalone
from playground.ui import image_session, start_from, state
from playground.ui.scale import start as scale_start
from playground.ui.text import plain
from playground.ui.train import (
    compare_view,
    experiment_link,
    layer_editor,
    live,
    runs_view,
    train_form,
    watch,
)

st.title(_("Train"))
watch.instead()  # a watch link shows the watched job, run or sweep instead
experiment_link.apply(train=True)
experiment_link.warning()
for note in state.restart_notes():
    st.warning(plain(note), icon=":material/restart_alt:")
if state.linked_job_is_not_yours():
    st.warning(
        _(
            "The job in this link belongs to someone else: ask its owner to share it (Share gives "
            "a link to watch it). Here you can train your own."
        ),
        icon=":material/lock:",
    )
job = state.job()
if job is not None:  # the job first: it is what the user came back for
    st.query_params["job"] = job.id
    live.controls(job)
    live.view(job)
    if isinstance(job, CompareJob):
        compare_view.show(job)
    st.subheader(_("Settings for the next run"))

spec = image_session.spec()
st.caption(
    _("Model: {name} ({layers} layers). Change it on the Build page.").format(
        name=plain(spec.name), layers=len(spec.layers)
    )
)
config = train_form.form()
start = start_from.picker(start_from.IMAGE, spec, start_from.image_model)
compare = start_from.compare_box(start, "transfer-compare")
busy = state.busy_reason()
problem = layer_editor.problem()
if problem is not None:
    st.error(
        plain(_("This model cannot be trained: {problem}").format(problem=_(problem.message))),
        icon=":material/error:",
    )
    st.page_link("app_pages/build.py", label=_("Fix it on Build"), icon=":material/construction:")
buttons = st.container(horizontal=True, vertical_alignment="bottom")
if buttons.button(
    _("Start training"),
    type="primary",
    icon=":material/play_arrow:",
    disabled=busy is not None or problem is not None,
    key="job-start",
    help=busy,
):
    try:
        if compare:
            state.start_group(
                CompareJob(spec, config, start, task=named("image"), **state.job_options())
            )
        else:
            state.start_job(spec, config, initial_weights=start)
    except SpecError as e:
        st.error(plain(e.message), icon=":material/error:")
    else:
        st.rerun()
experiment_link.copy_link(train=True, where=buttons)
buttons.download_button(
    _("Training script"),
    lambda: standalone.script(spec, config),  # written when clicked
    file_name=standalone.file_name(spec),
    mime="text/x-python",
    key="train-script",
    icon=":material/code:",
    on_click="ignore",
    disabled=problem is not None,
    help=_(
        "One Python file, needing only torch and torchvision, that trains this model with "
        "these settings."
    ),
)
with buttons:
    scale_start.scale_it("image")
if busy is not None:
    st.caption(plain(busy))

st.header(_("Runs"))
runs_view.runs_table()
