"""File uploaders in the reader's language. Streamlit 1.67 writes its drop zone's own words
("Upload", "10MB per file") in English and lets an app set neither (streamlit#10042 was closed
unmerged), so in another language the uploader's words are replaced by the catalog's, by a style
rule that reaches only that uploader (its key's class)."""

from __future__ import annotations

import json

import streamlit as st

from playground.engine import i18n
from playground.engine.i18n import _


def uploader(label: str, types: list[str], key: str, help: str | None = None):
    """st.file_uploader of `types` (extensions), its drop zone in the reader's language."""
    upload = st.file_uploader(label, type=types, key=key, help=help)
    if i18n.current() != i18n.DEFAULT:
        st.html(_style(key, types))
    return upload


def _style(key: str, types: list[str]) -> str:
    size = _("{size} MB per file").format(size=st.get_option("server.maxUploadSize"))
    limits = " • ".join([size, ", ".join(t.upper() for t in types)])
    button, limits = (json.dumps(t, ensure_ascii=False) for t in (_("Upload"), limits))
    zone = f".st-key-{key} [data-testid=stFileUploaderDropzone]"
    return (
        "<style>"
        f"{zone} button p, {zone} [data-testid=stFileUploaderDropzoneInstructions] span"
        "{font-size: 0;}"
        f"{zone} button p::after{{content: {button}; font-size: 1rem;}}"
        f"{zone} [data-testid=stFileUploaderDropzoneInstructions] span::after"
        f"{{content: {limits}; font-size: 0.875rem;}}"
        "</style>"
    )
