"""The scaling lab's views of one sweep: its points and fitted law, the curves against compute
with the frontier, the learner's exponent beside the papers', what each run cost, and a
prediction for a size not trained yet."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import streamlit as st

from playground import ASSETS
from playground.engine.i18n import N_, _
from playground.engine.task import named
from playground.exchange.runs import visible_runs
from playground.explain import scaling
from playground.ui import state
from playground.ui.scale import figures
from playground.ui.text import headed, plain

_HEADERS = (  # the tables' columns, in the catalog (headed shows them)
    N_("parameters"),
    N_("final loss"),
    N_("FLOPs"),
    N_("energy (Wh)"),
    N_("CO2 (g)"),
    N_("time (s)"),
    N_("who"),
    N_("against"),
    N_("alpha"),
    N_("measured on"),
)

SHIPPED = ASSETS / "sweeps"


@st.cache_data(show_spinner=False, max_entries=4)
def _shipped() -> list[scaling.Sweep]:
    return scaling.shipped(SHIPPED)


_NO_TOOLBAR = {"displayModeBar": False}  # plotly's toolbar covered the charts' titles


def pick(prefer: str | None = None) -> scaling.Sweep | None:
    """A sweep of this person's (or an example one, or a shipped one) to look at; `prefer`
    (the id of the sweep that trains) is chosen once, when its first point is in."""
    found = scaling.sweeps(visible_runs(state.owner())) + _shipped()
    if not found:
        st.info(_("No sweep yet: start one above."))
        return None
    shipped = {s.id for s in _shipped()}
    by_label: dict[str, scaling.Sweep] = {}
    for s in found:  # a label that stays the same as points come in, so the choice holds
        label = _("{name} ({task}, {count} sizes, {when})").format(
            name=s.name, task=_(named(s.task).label), count=s.count, when=_when(s, s.id in shipped)
        )
        by_label[label if label not in by_label else f"{label} {s.id}"] = s
    wanted = next((label for label, s in by_label.items() if s.id == prefer), None)
    if wanted and st.session_state.get("scale-preferred") != prefer:
        st.session_state["scale-preferred"] = prefer
        st.session_state["scale-pick"] = wanted
    sweep = by_label[st.selectbox(_("Sweep"), list(by_label), key="scale-pick")]
    st.caption(
        _("{count} of {count2} sizes finished.").format(
            count=len(sweep.points()), count2=sweep.count
        )
    )
    return sweep


def _when(sweep: scaling.Sweep, shipped: bool) -> str:
    """ "ready-made", or when it started (from its first run folder's name)."""
    if shipped:
        return _("ready-made")
    stamp = min(r.path.name for r in sweep.runs)[:13]  # 20261202-0327
    return f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]} {stamp[9:11]}:{stamp[11:13]}"


def show(sweep: scaling.Sweep) -> None:
    points, fit = sweep.points(), sweep.fit()
    if fit.problem:
        st.warning(plain(fit.problem), icon=":material/warning:")
    else:
        st.success(
            _(
                "Your exponent: **alpha = {alpha:.3f}** (90% of bootstrap fits between "
                "{alpha_low:.3f} and {alpha_high:.3f}); the loss would never go below c "
                "= {c:.3f} at any size trained this way."
            ).format(alpha=fit.alpha, alpha_low=fit.alpha_low, alpha_high=fit.alpha_high, c=fit.c),
            icon=":material/insights:",
        )
    cols = st.columns(2)
    by_size = figures.loss_against(points, "parameters", N_("parameters"), shown(sweep.name), fit)
    cols[0].plotly_chart(by_size, key="scale-by-parameters", config=_NO_TOOLBAR)
    counted = [p for p in points if p["flops"]]
    by_compute = figures.loss_against(counted, "flops", N_("compute (FLOPs)"), shown(sweep.name))
    cols[1].plotly_chart(by_compute, key="scale-by-compute", config=_NO_TOOLBAR)
    curves, labels = [], []
    for run in sweep.runs:
        per = (run.summary.get("flops") or 0) / max(run.summary.get("samples") or 1, 1)
        curves.append(scaling.curves(run, per))
        labels.append(_("{n} parameters").format(n=f"{run.summary.get('parameters') or 0:,}"))
    st.plotly_chart(
        figures.curves_against_compute(curves, labels, scaling.frontier(curves)),
        key="scale-curves",
        config=_NO_TOOLBAR,
    )
    st.caption(
        _(
            "Where the frontier is one size's curve, that size is the compute-optimal one for that "
            "budget: small models win at small compute, larger ones take over as compute grows."
        )
    )
    _costs(points)
    _papers(sweep, points, fit)
    _predict(fit, points)


def _costs(points: list[dict]) -> None:
    st.subheader(_("What each run cost"))
    rows = [{"parameters": p["parameters"], "final loss": p["val_loss"], "FLOPs": p["flops"],
             "energy (Wh)": p["energy_wh"], "CO2 (g)": p["co2_g"],
             "time (s)": p["train_seconds"]} for p in points]  # fmt: skip
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="scale-costs",
                 column_config=headed(rows, {
        "FLOPs": st.column_config.NumberColumn(format="%.3g"),
        "energy (Wh)": st.column_config.NumberColumn(format="%.3g"),
        "CO2 (g)": st.column_config.NumberColumn(format="%.3g"),
    }))  # fmt: skip
    st.caption(plain(_("FLOPs are counted; energy and CO2 are {assumptions}.").format(
        assumptions=state.assumptions().text())))  # fmt: skip


def _papers(sweep: scaling.Sweep, points: list[dict], fit: scaling.Fit) -> None:
    st.subheader(_("Yours beside the papers'"))
    rows = [{"who": _("you"), "against": _("parameters N"), "alpha": fit.alpha,
             "measured on": _yours(sweep, points)}]  # fmt: skip
    rows += [
        {"who": who, "against": _(what), "alpha": alpha, "measured on": _(on)}
        for who, what, alpha, on in scaling.PUBLISHED
    ]
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        key="scale-papers",
        column_config=headed(rows, {"alpha": st.column_config.NumberColumn(format="%.3f")}),
    )
    st.caption(
        _(
            "What differs: the papers trained models of millions to billions of parameters on "
            "billions of tokens, each close to its best; a sweep here spans a few thousand to a "
            "million parameters on a few hundred steps, so the larger sizes are far from done and "
            "the exponent is steeper or flatter than theirs. More steps per size (a bigger budget) "
            "move it towards a data-rich law; the same FLOPs for every size gives Chinchilla's "
            "question: which size is best for this compute."
        )
    )


def _yours(sweep: scaling.Sweep, points: list[dict]) -> str:
    if not points:
        return "-"
    smallest, largest = points[0]["parameters"] or 0, points[-1]["parameters"] or 0
    samples = np.mean([p["samples"] or 0 for p in points])
    per = samples / max(1, np.sqrt(smallest * largest))
    return _(
        "{smallest:,} to {largest:,} parameters, {amount:g} {budget} each, about "
        "{per:.3g} samples a parameter"
    ).format(
        smallest=smallest, largest=largest, amount=sweep.amount, budget=_(sweep.budget), per=per
    )


def _predict(fit: scaling.Fit, points: list[dict]) -> None:
    st.subheader(_("A prediction to test"))
    if fit.problem or not points:
        st.caption(_("A prediction needs a fitted law."))
        return
    largest = points[-1]["parameters"] or 1
    n = st.number_input(
        _("Parameters"), min_value=1.0, value=float(largest * 4), format="%g", key="scale-predict"
    )
    predicted = fit.predict(n)
    if not math.isfinite(predicted):
        st.warning(_("That size is outside what the law can say."))
        return
    st.metric(_("Predicted final loss"), f"{predicted:.3f}")
    st.caption(
        _(
            "Test it: start a sweep whose largest size is that many parameters "
            "(Largest, above) with the same budget, and see whether its point lands "
            "on the line. It is {value:.3g}x the largest size trained; a law fitted "
            "on a small range predicts far sizes less surely."
        ).format(value=n / largest)
    )


def shown(name: str) -> str:
    """A sweep's name as the page says it ("seed-cnn sweep" in the reader's language)."""
    if name.endswith(" sweep"):
        return _("{family} sweep").format(family=name.removesuffix(" sweep"))
    return name
