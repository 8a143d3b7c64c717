"""The Train page's settings: every TrainConfig field as a widget, read back into a TrainConfig.

Widgets take their values from the session's TrainConfig, so the settings survive a page switch;
their keys carry a version so that a preset's recipe or a changed optimizer re-creates them.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from playground import catalog
from playground.data import available, default_data_dir
from playground.specs import SpecError, TrainConfig
from playground.training import devices
from playground.ui import state

BATCH_SIZES = [16, 32, 64, 128, 256, 512, 1024, 2048]


def _on_optimizer(key: str) -> None:
    """A new optimizer starts from the learning rate it works well with."""
    name = st.session_state[key]
    new = dataclasses.replace(state.config(), optimizer=name, lr=catalog.OPTIMIZERS[name].lr)
    state.set_config(new)


def _pick(label: str, registry: dict, current: str, key: str, **kwargs) -> str:
    """A selectbox over a catalog registry, showing labels, with the chosen entry's description
    as its help."""
    return st.selectbox(
        label,
        list(registry),
        index=list(registry).index(current),
        format_func=lambda name: registry[name].label,
        key=key,
        help=registry[current].description,
        **kwargs,
    )


def form() -> TrainConfig:
    """Draw the settings; return the TrainConfig they describe (also stored in the session)."""
    c, v = state.config(), state.version("train")

    def k(name: str) -> str:
        return f"train-{v}-{name}"

    values: dict = {}
    cols = st.columns(3)
    with cols[0]:
        values["dataset"] = _pick("Dataset", catalog.DATASETS, c.dataset, k("dataset"))
        values["loss"] = _pick("Loss", catalog.LOSSES, c.loss, k("loss"))
        values["epochs"] = st.number_input("Epochs", 1, 1000, c.epochs, key=k("epochs"))
        values["batch_size"] = st.select_slider(
            "Batch size",
            sorted({*BATCH_SIZES, c.batch_size}),
            c.batch_size,
            key=k("batch_size"),
        )
    with cols[1]:
        opt_key = k("optimizer")
        values["optimizer"] = _pick(
            "Optimizer",
            catalog.OPTIMIZERS,
            c.optimizer,
            opt_key,
            on_change=_on_optimizer,
            args=(opt_key,),
        )
        values["lr"] = st.number_input(
            "Learning rate",
            min_value=1e-6,
            max_value=100.0,
            value=c.lr,
            step=1e-4,
            format="%.6g",
            key=k("lr"),
            help=f"{catalog.OPTIMIZERS[c.optimizer].label} usually works with "
            f"{catalog.OPTIMIZERS[c.optimizer].lr:g}. The peak for one-cycle.",
        )
        values["schedule"] = _pick("Schedule", catalog.SCHEDULES, c.schedule, k("schedule"))
        values["weight_decay"] = st.number_input(
            "Weight decay",
            0.0,
            1.0,
            c.weight_decay,
            step=1e-4,
            format="%.6g",
            key=k("weight_decay"),
        )
    with cols[2]:
        values["val_fraction"] = st.slider(
            "Validation split",
            0.0,
            0.5,
            c.val_fraction,
            0.05,
            key=k("val_fraction"),
            help="Share of the training images held out to measure validation accuracy.",
        )
        values["seed"] = st.number_input("Seed", 0, 2**31 - 1, c.seed, key=k("seed"))
        choices = devices()
        device = c.device if c.device in choices else "auto"
        values["device"] = st.selectbox(
            "Device",
            choices,
            index=choices.index(device),
            key=k("device"),
            help=f"auto trains on {state.machine_device()} here.",
        )
        values["augment"] = st.toggle(
            "Augment (random rotation, scale, shift)", c.augment, key=k("augment")
        )
    with st.expander("More settings"):
        more = st.columns(3)
        values["train_limit"] = more[0].number_input(
            "Train on at most N images (0: all)",
            0,
            10_000_000,
            c.train_limit,
            step=1000,
            key=k("train_limit"),
            help="A quick experiment on part of the data.",
        )
        values["warmup_epochs"] = more[0].number_input(
            "Warm-up epochs", 0.0, 1000.0, c.warmup_epochs, 0.5, key=k("warmup_epochs")
        )
        values["label_smoothing"] = more[0].slider(
            "Label smoothing",
            0.0,
            0.5,
            c.label_smoothing,
            0.05,
            key=k("label_smoothing"),
            disabled=values["loss"] != "cross_entropy",
            help="Cross-entropy only.",
        )
        values["step_every_epochs"] = more[1].number_input(
            "Step schedule: every N epochs",
            1,
            1000,
            c.step_every_epochs,
            key=k("step_every_epochs"),
            disabled=values["schedule"] != "step",
        )
        values["step_gamma"] = more[1].slider(
            "Step schedule: multiply lr by",
            0.0,
            1.0,
            c.step_gamma,
            0.05,
            key=k("step_gamma"),
            disabled=values["schedule"] != "step",
        )
        values["snapshot_every"] = more[1].number_input(
            "Weight snapshot every N steps",
            1,
            1_000_000,
            c.snapshot_every,
            key=k("snapshot_every"),
            help="How often pages that draw see newer weights.",
        )
        aug = not values["augment"]
        values["augment_rotation"] = more[2].slider(
            "Rotation (degrees)",
            0.0,
            45.0,
            c.augment_rotation,
            1.0,
            key=k("augment_rotation"),
            disabled=aug,
        )
        values["augment_scale"] = more[2].slider(
            "Scale", 0.0, 0.5, c.augment_scale, 0.05, key=k("augment_scale"), disabled=aug
        )
        values["augment_shift"] = more[2].slider(
            "Shift", 0.0, 0.3, c.augment_shift, 0.02, key=k("augment_shift"), disabled=aug
        )
        values["augment_thicken"] = more[2].slider(
            "Thicken strokes (share)",
            0.0,
            1.0,
            c.augment_thicken,
            0.1,
            key=k("augment_thicken"),
            disabled=aug,
        )
        values["channels_last"] = more[0].toggle(
            "Channels-last memory layout",
            c.channels_last,
            key=k("channels_last"),
            help="Faster for conv nets on CPU and GPU.",
        )
        values["compile"] = more[0].toggle(
            "torch.compile",
            c.compile,
            key=k("compile"),
            help="Can be faster on a GPU after a slow start (30 s or more).",
        )
    try:
        new = TrainConfig.from_dict({**c.to_dict(), **values})
    except SpecError as e:
        st.error(e.message, icon=":material/error:")
        return c
    state.set_config(new, refresh=False)
    _data_note(new.dataset)
    return new


def _data_note(name: str) -> None:
    if available(name):
        return
    info = catalog.DATASETS[name]
    folder = default_data_dir()
    if info.fallback:
        fallback = catalog.DATASETS[info.fallback]
        st.caption(
            f"{info.label} is not in {folder} yet: training downloads it first, or, without a "
            f"network, uses the {fallback.label} instead. To use a copy you have, run "
            "`python -m playground data import FOLDER`."
        )
    else:
        st.caption(
            f"{info.label} is not in {folder} yet: training downloads it first (this needs a "
            "network)."
        )
