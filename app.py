"""Deep Learning Playground: `streamlit run app.py`."""

import streamlit as st

from playground.engine.i18n import _
from playground.ui import identity, lang, sidebar, visibility

lang.apply()  # this session's language, before any text
st.set_page_config(
    page_title=_("Deep Learning Playground"), page_icon=":material/neurology:", layout="wide"
)
page = st.navigation(
    [
        st.Page("app_pages/home.py", title=_("Home"), icon=":material/home:", default=True),
        st.Page(
            "app_pages/build.py", title=_("Build"), icon=":material/construction:", url_path="build"
        ),
        st.Page(
            "app_pages/train.py", title=_("Train"), icon=":material/monitoring:", url_path="train"
        ),
        st.Page("app_pages/draw.py", title=_("Draw"), icon=":material/draw:", url_path="draw"),
        st.Page(
            "app_pages/inspect.py",
            title=_("Inspect"),
            icon=":material/visibility:",
            url_path="inspect",
        ),
        st.Page(
            "app_pages/evaluate.py",
            title=_("Evaluate"),
            icon=":material/fact_check:",
            url_path="evaluate",
        ),
        st.Page(
            "app_pages/language.py",
            title=_("Language"),
            icon=":material/text_fields:",
            url_path="language",
        ),
        st.Page(
            "app_pages/scale.py",
            title=_("Scaling lab"),
            icon=":material/stacked_line_chart:",
            url_path="scale",
        ),
        st.Page(
            "app_pages/concepts.py",
            title=_("Concepts"),
            icon=":material/school:",
            url_path="concepts",
        ),
        st.Page(
            "app_pages/playground2d.py",
            title=_("Playground 2-D"),
            icon=":material/scatter_plot:",
            url_path="playground2d",
        ),
    ]
)
with st.sidebar:  # before the page, which may end the run early (st.stop)
    identity.remember()
    visibility.watch()
    lang.switch()
page.run()
sidebar.render(page_is_live=page.url_path in ("train", "language", "scale"))
