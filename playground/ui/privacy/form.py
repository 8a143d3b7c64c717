"""The "Differential privacy" expander of a task's settings form (Train, Language): a column
for each of engine/privacy.SETTINGS, and beneath them what privacy changes, in words."""

from __future__ import annotations

import streamlit as st

from playground.engine import privacy
from playground.engine.i18n import N_, _
from playground.ui.text import plain

TITLE = N_("Differential privacy")
HELP = N_(
    "Train with DP-SGD (Opacus): each example's gradient is clipped, noise is added, and the "
    "privacy spent is counted as ε. Set a target ε (or a noise multiplier) to turn it on; the "
    "Privacy page shows what it costs and what it buys."
)


def places(config):
    """(the expander, {setting name: its column}) for a form's privacy rows."""
    box = st.expander(_(TITLE), expanded=privacy.is_private(config), icon=":material/shield:")
    with box:
        st.caption(_(HELP))
        columns = st.columns(len(privacy.SETTINGS))
    return box, {s.name: col for s, col in zip(privacy.SETTINGS, columns, strict=True)}


def notes(box, sentences) -> None:
    """What privacy changes, under its settings."""
    with box:
        for sentence in sentences:
            st.caption(plain(_(sentence)))
