"""Clicks on plotly charts: the point a new click selected. A chart's selection stays in the
session after the click, so each caller would otherwise act on the same click at every rerun."""

from __future__ import annotations

import streamlit as st


def new_click(chart_key: str) -> dict | None:
    """The first point selected on the chart with this key (its "x", "y", ...), or None when
    nothing is selected or it is the click already seen. Read before or after the chart is
    drawn: the selection is in the session either way."""
    event = st.session_state.get(chart_key)
    points = event.get("selection", {}).get("points", []) if event else []
    if not points:
        return None
    where = (points[0].get("x"), points[0].get("y"))
    seen = f"{chart_key}-seen"
    if st.session_state.get(seen) == where:
        return None
    st.session_state[seen] = where
    return points[0]
