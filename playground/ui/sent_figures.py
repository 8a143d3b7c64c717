"""Figures redrawn several times a second (Playground 2-D's boundary while it trains) cost the
server most in building and copying plotly objects: each st.plotly_chart deep-copies the whole
figure (to_dict) before sending it, and a figure built anew validates every property. A figure
checked once is kept as its dict here and sent as it is; a frame changes only its picture."""

from __future__ import annotations

import plotly.graph_objects as go


class SentAsIs(go.Figure):
    """A figure whose dict was made (and checked by plotly) once: st.plotly_chart sends that
    dict without copying it again. Never changed after it is made."""

    def __init__(self, spec: dict) -> None:
        super().__init__()
        self._spec = spec

    @classmethod
    def of(cls, figure: go.Figure) -> SentAsIs:
        return cls(figure.to_dict())

    def to_dict(self) -> dict:
        return self._spec

    def with_layout(self, **values) -> SentAsIs:
        """The same figure with some of its layout replaced (a background picture): the rest is
        shared, not copied."""
        return SentAsIs({**self._spec, "layout": {**self._spec["layout"], **values}})
