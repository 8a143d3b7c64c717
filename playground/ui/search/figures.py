"""A search's figures: every trial as it trains (the training loss each quarter epoch, what the
pruner judges, and its validation loss at each epoch's end; pruned ones greyed and cut where
they were stopped), the settings against the result in parallel coordinates, one slice per
setting, and each setting's importance. Plain trial records in, go.Figure out."""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.colors
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground.engine.i18n import N_, _
from playground.serving.curves import layout

PRUNED, FAILED = "#b0b0b0", "#e0a0a0"
COLOURS = plotly.colors.qualitative.Plotly


def curves_figure(trials: Sequence[dict], best: int | None) -> go.Figure:
    """A line per trial through the training loss of each quarter epoch, its validation loss
    at each epoch's end as dots of the same colour (the last is its result)."""
    fig = go.Figure()
    for i, t in enumerate(trials):
        rungs, curve = t.get("rungs") or [], t["curve"]
        if not rungs and not curve:
            continue
        offset = t.get("offset") or 0  # PBT: after its parent's epochs
        pruned = t["state"] == "pruned"
        colour = PRUNED if pruned else COLOURS[i % len(COLOURS)]
        name = _("trial {n}").format(n=t["number"]) + (" ✂" if pruned else "")
        style = dict(color=colour, dash="dot" if pruned else None,
                     width=4 if t["number"] == best else 2)  # fmt: skip
        group = str(t["number"])
        if rungs:
            x, y = zip(*rungs, strict=True)
            fig.add_scatter(
                x=[e + offset for e in x], y=list(y), mode="lines", line=style, name=name,
                legendgroup=group,
                hovertemplate=name + ", %{x:.2f}: %{y:.4g} " + _("training loss")
                + "<extra></extra>")  # fmt: skip
        if curve:
            x, y = zip(*curve, strict=True)
            fig.add_scatter(
                x=[e + offset for e in x], y=list(y), mode="markers", legendgroup=group,
                marker=dict(color=colour, size=9, line=dict(color="white", width=1)),
                name=name, showlegend=not rungs,
                hovertemplate=name + ", %{x}: %{y:.4g} " + _("validation loss")
                + "<extra></extra>")  # fmt: skip
        if pruned:
            end = (rungs or curve)[-1]
            fig.add_scatter(x=[end[0] + offset], y=[end[1]], mode="markers", showlegend=False,
                            marker=dict(symbol="x", size=12, color="#888"), legendgroup=group,
                            hoverinfo="skip")  # fmt: skip
    fig.update_xaxes(title=N_("epoch"), dtick=1)
    fig.update_yaxes(title=N_("loss"), type="log")
    return layout(
        fig,
        N_(
            "Every trial as it trains (line: its training loss each quarter "
            "epoch; dots: its validation loss; ✂: pruned there)"
        ),
        height=380,
    )


def _axis(name: str, values: list, log: bool) -> dict:
    """One parallel-coordinates axis: numbers (log10 on a log scale) or choices by index."""
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        if log:
            shown = [math.log10(v) for v in values]
            ticks = sorted({round(x) for x in shown})
            return dict(label=name, values=shown, tickvals=ticks,
                        ticktext=[f"{10**t:g}" for t in ticks])  # fmt: skip
        return dict(label=name, values=values)
    names = list(dict.fromkeys(str(v) for v in values))
    return dict(label=name, values=[names.index(str(v)) for v in values],
                tickvals=list(range(len(names))), ticktext=names)  # fmt: skip


def parallel_figure(trials: Sequence[dict], labels: dict[str, str], logs: dict[str, bool]):
    """The settings of every trial that reached a result, against it (lower is better)."""
    done = [t for t in trials if t["value"] is not None and math.isfinite(t["value"])]
    if len(done) < 2:
        return None
    dims = [_axis(labels.get(k, k), [t["params"][k] for t in done], logs.get(k, False))
            for k in labels]  # fmt: skip
    values = [t["value"] for t in done]
    dims.append(dict(label=_("validation loss"), values=values))
    fig = go.Figure(go.Parcoords(
        line=dict(color=values, colorscale="Viridis_r", showscale=True,
                  colorbar=dict(title=dict(text=_("loss")))),
        dimensions=dims))  # fmt: skip
    return layout(fig, N_("The settings against the result (each line a trial)"), height=340)


def slices_figure(trials: Sequence[dict], labels: dict[str, str], logs: dict[str, bool]):
    """One panel per setting: each trial's value of it against its result."""
    done = [t for t in trials if t["value"] is not None and math.isfinite(t["value"])]
    if not done:
        return None
    names = list(labels)
    fig = make_subplots(rows=1, cols=len(names), shared_yaxes=True,
                        subplot_titles=[labels[n] for n in names])  # fmt: skip
    for i, name in enumerate(names, start=1):
        xs = [t["params"][name] for t in done]
        xs = [str(x) if isinstance(x, (str, bool)) else x for x in xs]
        colors = [PRUNED if t["state"] == "pruned" else "#1f77b4" for t in done]
        fig.add_scatter(x=xs, y=[t["value"] for t in done], mode="markers", row=1, col=i,
                        marker=dict(color=colors, size=9), showlegend=False,
                        text=[_("trial {n}").format(n=t["number"]) for t in done],
                        hovertemplate="%{text}: %{x} → %{y:.4g}<extra></extra>")  # fmt: skip
        if logs.get(name):
            fig.update_xaxes(type="log", row=1, col=i)
    fig.update_yaxes(title=N_("validation loss"), type="log", row=1, col=1)
    return layout(fig, N_("Each setting against the result (grey: pruned)"), height=300)


def importance_figure(importances: dict[str, float], labels: dict[str, str]) -> go.Figure:
    names = list(importances)[::-1]
    fig = go.Figure(go.Bar(x=[importances[n] for n in names],
                           y=[labels.get(n, n) for n in names], orientation="h",
                           hovertemplate="%{y}: %{x:.0%}<extra></extra>"))  # fmt: skip
    fig.update_xaxes(title=N_("share of the result's variation"), tickformat=".0%",
                     range=[0, 1])  # fmt: skip
    return layout(fig, N_("What mattered (Optuna's fANOVA importance)"),
                  height=120 + 40 * len(names))  # fmt: skip


def tree_figure(trials: Sequence[dict], population: int, labels: dict[str, str]) -> go.Figure:
    """Population based training's family tree: a column per generation, a row per member; a
    line from each trial to the one it started from (dashed red: copied from one of the best,
    its settings nudged), each trial coloured by its validation loss."""
    fig = go.Figure()
    where = {t["number"]: (t["generation"], (t["number"] - 1) % population) for t in trials}
    for t in trials:
        parent = t.get("parent")
        if parent in where:
            (x0, y0), (x1, y1) = where[parent], where[t["number"]]
            copied = t.get("event") == "copied"
            fig.add_scatter(x=[x0, x1], y=[y0, y1], mode="lines", showlegend=False,
                            hoverinfo="skip",
                            line=dict(color="#d62728" if copied else "#999",
                                      dash="dash" if copied else "solid",
                                      width=2.5 if copied else 1.5))  # fmt: skip
    done = [t for t in trials if t["value"] is not None and math.isfinite(t["value"])]
    texts = [", ".join(f"{labels.get(k, k)} {v:.3g}" if isinstance(v, float)
                       else f"{labels.get(k, k)} {v}" for k, v in t["params"].items())
             for t in done]  # fmt: skip
    fig.add_scatter(
        x=[where[t["number"]][0] for t in done], y=[where[t["number"]][1] for t in done],
        mode="markers+text", text=[str(t["number"]) for t in done], textposition="top center",
        marker=dict(size=16, color=[t["value"] for t in done], colorscale="Viridis_r",
                    showscale=True, colorbar=dict(title=dict(text=_("loss")))),
        customdata=texts, showlegend=False,
        hovertemplate=_("trial %{text}") + ": %{customdata}<br>%{marker.color:.4g}"
        + "<extra></extra>")  # fmt: skip
    fig.update_xaxes(title=N_("generation"), dtick=1)
    fig.update_yaxes(title=N_("member"), dtick=1, autorange="reversed")
    return layout(fig, N_("Who copied whom (dashed: copied one of the best, settings nudged)"),
                  height=160 + 50 * population)  # fmt: skip


def best_figure(trials: Sequence[dict]) -> go.Figure | None:
    """Each ended trial's result in the order they were asked, and the best so far."""
    done = [t for t in trials if t["value"] is not None and math.isfinite(t["value"])]
    if not done:
        return None
    done.sort(key=lambda t: t["number"])
    best, line = math.inf, []
    for t in done:
        if t["state"] == "finished":
            best = min(best, t["value"])
        line.append(best if math.isfinite(best) else None)
    fig = go.Figure()
    colors = [PRUNED if t["state"] == "pruned" else "#1f77b4" for t in done]
    fig.add_scatter(x=[t["number"] for t in done], y=[t["value"] for t in done], mode="markers",
                    name=N_("trial"), marker=dict(color=colors))  # fmt: skip
    fig.add_scatter(x=[t["number"] for t in done], y=line, mode="lines", name=N_("best so far"),
                    line=dict(shape="hv", width=3))  # fmt: skip
    fig.update_xaxes(title=N_("trial"), dtick=1)
    fig.update_yaxes(title=N_("validation loss"), type="log")
    return layout(fig, N_("The best so far"), height=280)
