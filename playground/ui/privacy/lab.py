"""The Privacy page's parts: train privately (the ready private recipe, one click), what a
model gives away (the membership attack on the ready pair or on one's own runs) and the price
of privacy (accuracy and time against epsilon). Computations are in tasks/image/membership.py
and tasks/image/privacy_figures.py; this module only shows them."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st
import torch

from playground import ASSETS
from playground.datasets.images import default_data_dir
from playground.engine.i18n import N_, _
from playground.engine.records import DataError, SpecError
from playground.exchange.runs import Run, load_run, visible_runs
from playground.tasks.image import membership, privacy_figures
from playground.tasks.image.task import IMAGE
from playground.ui import image_session, state
from playground.ui.images import enlarged
from playground.ui.text import plain

PAIR = {"open": N_("without privacy"), "private": N_("with privacy (ε 1)")}
READY = "ready"


def ready_pair() -> dict[str, Run]:
    """The ready leak experiment (scripts/make_private_pair.py), by its label."""
    return {name: load_run(ASSETS / "privacy" / name) for name in PAIR}


def train_privately() -> None:
    """One click to the Train page with the ready private recipe (and its model)."""
    st.markdown(_(
        "Turn on **Differential privacy** on Train (under the settings) with a target ε: each "
        "image's gradient is clipped to a length, noise is added to their sum, and the privacy "
        "spent so far is a live number beside the loss. Or start from the ready private recipe: "
        "the small model of the experiment below, on 300 images, at ε 1."
    ))  # fmt: skip
    if st.button(_("Train the ready private model"), icon=":material/shield:",
                 key="privacy-try"):  # fmt: skip
        run = ready_pair()["private"]
        image_session.set_spec(dataclasses.replace(run.spec, name="private-mlp"))
        image_session.set_config(run.config)
        st.switch_page("app_pages/train.py")


@st.cache_resource(max_entries=16, show_spinner=False)
def _attacked(path: str, changed: float) -> tuple[membership.Attack, dict]:
    run = load_run(path)
    data = IMAGE.load_data(run.config, default_data_dir(), None, torch.device("cpu"))
    return membership.attack(run, data)


def _attack(run: Run) -> tuple[membership.Attack, dict]:
    weights = Path(run.path) / "weights.safetensors"
    return _attacked(str(run.path), weights.stat().st_mtime if weights.exists() else 0.0)


def _own_runs() -> list[Run]:
    return [r for r in visible_runs(state.owner())
            if r.task_name == "image" and r.has_weights and r.summary.get("status")]  # fmt: skip


def attack_lab() -> None:
    """Pick the ready pair or a run; the attack's ROC curves, numbers and surest images."""
    runs = _own_runs()
    options = [READY, *(str(r.path) for r in runs)]
    names = {READY: _("The ready pair: the same model without and with privacy"),
             **{str(r.path): r.name for r in runs}}  # fmt: skip
    pick = st.selectbox(_("Attack"), options, format_func=names.get, key="privacy-pick")
    chosen = (
        {_(label): run for label, run in zip(PAIR.values(), ready_pair().values(), strict=True)}
        if pick == READY
        else {names[pick]: next(r for r in runs if str(r.path) == pick)}
    )
    if not st.toggle(_("Run the attack"), key="privacy-run", value=pick == READY):
        return
    found = {}
    for label, run in chosen.items():
        try:
            with st.spinner(_("Asking {run} about its images…").format(run=plain(label))):
                found[label] = _attack(run)
        except (DataError, SpecError) as e:
            st.error(plain(_(e.message if isinstance(e, SpecError) else str(e))),
                     icon=":material/error:")  # fmt: skip
            return
    st.plotly_chart(privacy_figures.roc_figure({k: v[0] for k, v in found.items()}),
                    key="privacy-roc")  # fmt: skip
    st.dataframe(pd.DataFrame([_row(label, run, found[label][0]) for label, run in chosen.items()]),
                 hide_index=True, key="privacy-table")  # fmt: skip
    st.caption(_(
        "AUC 0.5 and advantage 0 are a coin. Yeom's rule calls an image a member when its loss "
        "is below the model's mean training loss; the reference rule, when its loss is below "
        "the median loss of other unseen images (the attacker's own)."
    ))  # fmt: skip
    for label, (attack, images) in found.items():
        _surest(label, attack, images)


def _row(label: str, run: Run, attack: membership.Attack) -> dict:
    s = run.summary
    return {
        _("model"): label,
        _("test accuracy"): s.get("test_accuracy"),
        _("ε (privacy)"): s.get("epsilon"),
        "AUC": round(attack.auc, 3),
        _("advantage"): round(attack.advantage, 3),
        _("Yeom's rule"): round(attack.yeom.advantage, 3),
        _("reference rule"): round(attack.reference.advantage, 3),
        _("images"): len(attack.member_losses) + len(attack.unseen_losses),
    }


def _surest(label: str, attack: membership.Attack, images: dict) -> None:
    st.markdown(_("**{model}**: the images the attack is surest were trained on").format(
        model=plain(label)))  # fmt: skip
    cols = st.columns(len(attack.surest))
    for col, (i, member) in zip(cols, attack.surest, strict=True):
        picture = images["x"][i, 0].float().numpy() / 255.0
        said = _("trained on") if member else _("never seen")
        col.image(enlarged(np.asarray(picture)), caption=f"{int(images['y'][i])}: {said}")


def price_of_privacy() -> None:
    """Test accuracy against epsilon for the learner's runs, Opacus' points beside them; the
    time per epoch with and without privacy."""
    runs = [r for r in _own_runs() if r.summary.get("test_accuracy") is not None]
    points = [(r.name, r.summary.get("epsilon"), r.summary["test_accuracy"]) for r in runs]
    st.plotly_chart(privacy_figures.price_figure(points), key="privacy-price")
    if not runs:
        st.caption(_("Your finished image runs appear here, private or not, once you train some."))
        return
    rows = [{_("run"): r.name, _("ε (privacy)"): r.summary.get("epsilon"),
             _("test accuracy"): r.summary["test_accuracy"],
             _("seconds per epoch"): _per_epoch(r)} for r in runs]  # fmt: skip
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="privacy-times")


def _per_epoch(run: Run) -> float | None:
    s = run.summary
    seconds, epochs = s.get("train_seconds"), s.get("epochs")
    return round(seconds / epochs, 2) if seconds and epochs else None
