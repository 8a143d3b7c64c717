import streamlit as st

from playground.specs import SpecError
from playground.ui import layer_editor, live, runs_view, state, train_form

st.title("Train")
job = state.job()
if job is not None:  # the job first: it is what the user came back for
    st.query_params["job"] = job.id
    live.controls(job)
    live.view(job)
    st.subheader("Settings for the next run")

spec = state.spec()
st.caption(f"Model: {spec.name} ({len(spec.layers)} layers). Change it on the Build page.")
config = train_form.form()
busy = job is not None and job.active
problem = layer_editor.problem()
if problem is not None:
    st.error(f"This model cannot be trained: {problem.message}", icon=":material/error:")
    st.page_link("app_pages/build.py", label="Fix it on Build", icon=":material/construction:")
if st.button(
    "Start training",
    type="primary",
    icon=":material/play_arrow:",
    disabled=busy or problem is not None,
    key="job-start",
    help="Stop the current job to start another." if busy else None,
):
    try:
        state.start_job(spec, config)
    except SpecError as e:
        st.error(e.message, icon=":material/error:")
    else:
        st.rerun()

st.header("Runs")
runs_view.runs_table()
