"""The last digit drawn on Draw, kept in the session so that Inspect can look inside it and
Generate can blend it into another."""

from __future__ import annotations

import numpy as np
import streamlit as st

KEY = "drawing-last"  # (28, 28) floats 0-1: what the model saw


def keep(image: np.ndarray) -> None:
    st.session_state[KEY] = image


def get() -> np.ndarray | None:
    return st.session_state.get(KEY)
