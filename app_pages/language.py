"""The Language page: build a small GPT (or BERT), train it live and watch what it writes,
then write with it and look inside it."""

import streamlit as st

from playground.engine.i18n import _
from playground.engine.records import SpecError
from playground.serving.sweeps import CompareJob
from playground.ui import start_from, state
from playground.ui.language import look, session, setup
from playground.ui.scale import start as scale_start
from playground.ui.text import plain
from playground.ui.train import compare_view, live, watch

st.title(_("Language"))
watch.instead()  # a watch link shows the watched job, run or sweep instead
st.caption(
    _(
        "A transformer that learns to write by predicting the next token of a text, as GPT does "
        "(or the hidden ones, as BERT does). Train one here in minutes and watch it go from random "
        "letters to words, names and line breaks in the right places."
    )
)
job = state.job(task="language")

st.header(_("Write with it"))  # first: a ready model answers at once, as Transformer Explainer's
chosen = look.pick(job)
if chosen is not None:
    look.generate(chosen)

st.header(_("Train your own"))
st.subheader(_("What it reads"))
config = setup.settings_form()
setup.corpus_and_tokens()
st.subheader(_("The model"))
spec, problem = setup.model_form()
begin = session.start_picker(spec)
setup.numbers(spec, config, begin)
compare = start_from.compare_box(begin, "language-compare")
busy = state.busy_reason()
if st.button(
    _("Start training"),
    type="primary",
    icon=":material/play_arrow:",
    disabled=busy is not None or problem is not None,
    key="job-start",
    help=busy,
):
    try:
        session.start(spec, config, begin, compare)
    except SpecError as e:
        st.error(plain(e.message), icon=":material/error:")
    else:
        st.rerun()
scale_start.scale_it("language")
if busy is not None:
    st.caption(plain(busy))
if job is not None:  # under the button: where the learner looks when they press it
    st.query_params["job"] = job.id
    live.controls(job)
    live.view(job)
    if isinstance(job, CompareJob):
        compare_view.show(job)
    setup.timeline(job)

if chosen is not None:
    st.header(_("Look inside"))
    look.look_inside(chosen)
