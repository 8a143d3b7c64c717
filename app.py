"""Deep Learning Playground: `streamlit run app.py`."""

import streamlit as st

from playground.engine.i18n import _
from playground.ui import identity, lang, pages, sidebar, visibility

lang.apply()  # this session's language, before any text
st.set_page_config(
    page_title=_("Deep Learning Playground"), page_icon=":material/neurology:", layout="wide"
)
listed = pages.all_pages()  # once a run: Home, each task's pages, the labs
page = st.navigation(
    {
        _(section): [
            st.Page(
                p.file,
                title=_(p.title),
                icon=p.icon,
                url_path=p.url or None,
                default=not p.url,
            )
            for p in listed
            if p.section == section
        ]
        for section in pages.sections(listed)
    }
)
with st.sidebar:  # before the page, which may end the run early (st.stop)
    identity.remember()
    visibility.watch()
    lang.switch()
    lang.typeset()
page.run()
sidebar.render(pages.by_url(page.url_path))
