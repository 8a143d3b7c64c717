"""The Concepts page's optimizer lab: PyTorch's own optimizers racing on 2-D surfaces from a
start the user picks (sliders or a click on the plot), with Adam's inner state at any step."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from playground.concepts import optimizers, plots
from playground.engine.i18n import N_, _
from playground.engine.optimizers import OPTIMIZERS
from playground.ui.chart_clicks import new_click


def race() -> None:
    st.markdown(
        _(
            "Each optimizer below is PyTorch's own (`torch.optim`), stepping on a point (x, y) "
            "instead of a network's weights. Pick a surface, a start and learning rates, and race "
            "them."
        )
    )
    cols = st.columns([2, 1])
    name = cols[0].selectbox(
        _("Surface"),
        list(optimizers.SURFACES),
        format_func=lambda n: _(optimizers.SURFACES[n].label),
        key="concepts-surface",
    )
    surface = optimizers.SURFACES[name]
    steps = cols[1].number_input(
        _("Steps"), 10, 2000, surface.steps, 10, key=f"concepts-steps-{name}"
    )
    st.caption(_(surface.note))
    racing = st.multiselect(
        _("Optimizers"),
        optimizers.RACERS,
        default=optimizers.DEFAULT_RACE,
        format_func=lambda n: _(OPTIMIZERS[n].label),
        key="concepts-racers",
        placeholder=_("Choose optimizers to race"),
    )
    lrs = {}
    if racing:
        cols = st.columns(len(racing))
        for col, opt in zip(cols, racing, strict=True):
            lrs[opt] = col.number_input(
                _("lr: {label}").format(label=_(OPTIMIZERS[opt].label)),
                1e-6,
                100.0,
                surface.lrs[opt],
                format="%g",
                key=f"concepts-lr-{name}-{opt}",
            )
    start = _start(surface)
    paths = [optimizers.race(surface, opt, lrs[opt], start, int(steps)) for opt in racing]
    labels = {o: OPTIMIZERS[o].label for o in optimizers.RACERS}
    st.plotly_chart(
        plots.surface_figure(surface, _grid(name), paths, labels, start),
        key=_chart_key(surface),
        on_select="rerun",
        selection_mode="points",
    )
    for path in paths:
        message = optimizers.verdict(path, surface)
        if "diverged" in message:
            st.warning(message, icon=":material/trending_up:")
        else:
            st.caption(message)
    if paths:
        st.plotly_chart(plots.race_loss_figure(paths, labels), key="concepts-race-loss")
    adam = [p for p in paths if p.adam]
    if adam:
        _adam_state(adam[0])


@st.cache_data(max_entries=8, show_spinner=False)
def _grid(name: str):
    return optimizers.grid(optimizers.SURFACES[name])


def _start(surface: optimizers.Surface) -> tuple[float, float]:
    """The start point's sliders; a click on the plane (read before the sliders are drawn, as
    widgets cannot change once drawn) moves them there."""
    keys = f"concepts-x0-{surface.name}", f"concepts-y0-{surface.name}"
    for key, value in zip(keys, surface.start, strict=True):
        st.session_state.setdefault(key, float(value))
    clicked = new_click(_chart_key(surface))
    if clicked:
        for key, axis in zip(keys, ("x", "y"), strict=True):
            st.session_state[key] = round(float(clicked[axis]) / 0.05) * 0.05
    cols = st.columns(2)
    x0 = cols[0].slider(_("Start x"), *map(float, surface.x_range), step=0.05, key=keys[0])
    y0 = cols[1].slider(_("Start y"), *map(float, surface.y_range), step=0.05, key=keys[1])
    return x0, y0


def _chart_key(surface: optimizers.Surface) -> str:
    return f"concepts-surface-chart-{surface.name}"


def _adam_state(path: optimizers.Path) -> None:
    st.markdown(
        _("#### Inside {label}, step by step").format(label=_(OPTIMIZERS[path.optimizer].label))
    )
    t = st.slider(_("Step t"), 1, len(path.adam), 1, key="concepts-adam-step")
    s = path.adam[t - 1]
    st.latex(
        r"m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t,\quad v_t = \beta_2 v_{t-1} + (1 - \beta_2) "
        r"g_t^2,\quad \hat m_t = \frac{m_t}{1 - \beta_1^t},\quad \hat v_t = \frac{v_t}"
        r"{1 - \beta_2^t},\quad \Delta = \alpha \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}"
    )
    rows = [
        (N_("gradient g_t"), s.grad),
        (N_("m_t (mean of gradients)"), s.m),
        (N_("v_t (mean of squared gradients)"), s.v),
        (N_("m̂_t (bias-corrected)"), s.m_hat),
        (N_("v̂_t (bias-corrected)"), s.v_hat),
        (N_("step Δ (subtracted)"), s.step),
    ]
    st.dataframe(
        pd.DataFrame([{_("quantity"): _(n), "x": v[0], "y": v[1]} for n, v in rows]),
        hide_index=True,
        key="concepts-adam-table",
    )
    st.caption(
        _(
            "Early on m and v start at 0, so they are too small; dividing by 1 - β^t corrects "
            "that. "
            "The step divides by √v̂: each coordinate moves about α per step whatever the size of "
            "its "
            "gradient, which is why Adam crosses flat plateaus and steep walls alike. (These "
            "numbers "
            "are read from torch.optim's own state.)"
        )
    )
