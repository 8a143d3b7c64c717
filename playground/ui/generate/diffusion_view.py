"""Inside a diffusion model, on the Generate page: the forward process on a real digit, the
reverse chain of one sample (what it holds and the clean image it predicts), guidance from 0 up
on the same noise, and few sampling steps against many, each scored by the app's classifier."""

from __future__ import annotations

import pandas as pd
import streamlit as st
import torch

from playground.engine.cost import flops_text
from playground.engine.i18n import _
from playground.tasks.generate import diffusion, inside, sampling
from playground.ui.generate.real_digits import first_of

LEVELS_SHOWN, GUIDANCES, STEP_COUNTS, PER_ROW = (
    inside.LEVELS_SHOWN, inside.GUIDANCES, inside.STEP_COUNTS, inside.PER_ROW)  # fmt: skip


def show(picked) -> None:
    """Every view, for a diffusion model (nothing for another family)."""
    spec, model = picked.spec, picked.model
    if spec.family != "diffusion":
        return
    st.subheader(_("Inside the diffusion model"))
    digit = st.slider(_("Digit"), 0, 9, 7, key="generate-inside-digit")
    _forward(model, spec, picked.dataset, digit)
    _reverse(picked.key, model, digit)
    if spec.conditional:
        _guidance(picked.key, model, digit)
    _steps(picked.key, model, digit)


def _forward(model, spec, dataset: str, digit: int) -> None:
    real = first_of(dataset, digit)
    if real is None:
        return
    levels = torch.linspace(0, spec.timesteps - 1, LEVELS_SHOWN).round().long()
    noise = torch.randn((1, *real.shape), generator=torch.Generator().manual_seed(0))
    noised = diffusion.mixed(real.unsqueeze(0) * 2 - 1, levels,
                             noise.expand(LEVELS_SHOWN, -1, -1, -1), model.signal,
                             model.spread)  # fmt: skip
    st.markdown(_("**Forward**: a test image noised to {n} levels of {total:,} (the signal left: "
                  "{shares}).").format(n=LEVELS_SHOWN, total=spec.timesteps,
                                       shares=", ".join(f"{model.signal[t]:.2f}"
                                                        for t in levels)))  # fmt: skip
    st.image(sampling.grid(((noised + 1) / 2).clamp(0, 1), columns=LEVELS_SHOWN), width=560)


@st.cache_data(max_entries=32, show_spinner=False)
def _chain(key: str, digit: int, _model):
    return inside.chain(_model, digit)


def _reverse(key: str, model, digit: int) -> None:
    rows = _chain(key, digit, model)
    st.markdown(_("**Reverse**: one sample in {n} steps: what it holds (top) and the clean "
                  "image it predicts at that step (bottom).").format(n=len(rows) // 2))  # fmt: skip
    st.image(sampling.grid(rows, columns=len(rows) // 2), width=560)


@st.cache_data(max_entries=32, show_spinner=False)
def _guided(key: str, digit: int, guidance: float, _model):
    return inside.guided(_model, digit, guidance)


def _guidance(key: str, model, digit: int) -> None:
    st.markdown(_("**Guidance** from 0 up on the same noise: read as asked, and how different "
                  "the images are from each other."))  # fmt: skip
    for guidance in GUIDANCES:
        images, right, spread = _guided(key, digit, guidance, model)
        line = _("guidance {g:g}: {right:.0%} read as {digit}, spread {spread:.1f}").format(
            g=guidance, right=right, digit=digit, spread=spread)  # fmt: skip
        st.image(sampling.grid(images, columns=PER_ROW), width=560, caption=line)


@st.cache_data(max_entries=32, show_spinner=False)
def _stepped(key: str, digit: int, _model) -> list[dict]:
    return inside.stepped(_model, digit)


def _steps(key: str, model, digit: int) -> None:
    st.markdown(_("**Few steps against many**: the same noise sampled in {counts} steps; the "
                  "time and the arithmetic of one image, and what the classifier reads.").format(
        counts=", ".join(str(s) for s in STEP_COUNTS)))  # fmt: skip
    rows = _stepped(key, digit, model)
    shown = st.columns(len(rows))
    for col, row in zip(shown, rows, strict=True):
        col.image(sampling.grid(row["images"][:4], columns=2), width=90,
                  caption=_("{n} steps").format(n=row["steps"]))  # fmt: skip
    told = model.conditional
    table = pd.DataFrame({
        _("Steps"): [r["steps"] for r in rows],
        _("ms an image"): [round(r["ms"], 1) for r in rows],
        _("FLOPs an image"): [flops_text(r["flops"]) for r in rows],
        (_("Read as asked") if told else _("Confidence")):
            [f"{(r['right'] if told else r['confidence']):.0%}" for r in rows],
    })  # fmt: skip
    st.dataframe(table, hide_index=True)
