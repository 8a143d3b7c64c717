"""The Build page: a model from a preset or from nothing, layer by layer, with its shapes,
size, memory and diagram."""

import streamlit as st

from playground.engine.i18n import _
from playground.tasks.image import catalog
from playground.ui import image_session, start_from
from playground.ui.text import plain
from playground.ui.train import experiment_link, layer_editor, spec_files

st.title(_("Build a model"))
experiment_link.apply(train=False)
experiment_link.warning()
cols = st.columns([6, 2, 2], vertical_alignment="bottom")
chosen = cols[0].selectbox(
    _("Start from"),
    [*catalog.PRESETS, layer_editor.EMPTY],
    format_func=lambda n: (
        _("Empty model") if n == layer_editor.EMPTY else _(catalog.PRESETS[n].label)
    ),  # the name only: the box is too narrow for the description
    key="build-preset",
)
cols[1].button(
    _("Load"),
    on_click=layer_editor.load_preset,
    args=("build-preset",),
    key="build-load",
    help=_("Replaces the current model."),
    icon=":material/restart_alt:",
)
experiment_link.copy_link(train=False, where=cols[2])
if chosen in catalog.PRESETS:
    st.caption(_(catalog.PRESETS[chosen].description))

left, right = st.columns([1, 1])  # room for every column of the layer table
with left:
    layer_editor.editor()
with right:
    problem = layer_editor.problem()
    if problem is None:
        st.success(_("Ready to train."), icon=":material/check:")
        st.page_link("app_pages/train.py", label=_("Go to Train"), icon=":material/monitoring:")
    else:
        st.warning(
            plain(_("Cannot be trained yet: {why}").format(why=_(problem.message))),
            icon=":material/warning:",
        )
        if getattr(problem, "field", None) == "batch_size":  # a setting of Train, not of Build
            st.page_link(
                "app_pages/train.py",
                label=_("Set the batch size on Train"),
                icon=":material/monitoring:",
            )
    frozen = (
        start_from.build_view(image_session.spec(), image_session.config())
        if problem is None
        else set()
    )
    layer_editor.summary_table_and_diagram(frozen)
    with st.expander(_("Import / export"), expanded=False):
        spec_files.import_export()
    st.caption(_("Current model: {name}").format(name=plain(image_session.spec().name)))
