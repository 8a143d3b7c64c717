"""The Train page's settings: one widget per row of recipe.SETTINGS, read back into a
TrainConfig. Each widget takes its range, choices, label, help and place from its row, so the
form accepts exactly what TrainConfig does.

Widgets take their values from the session's TrainConfig, so the settings survive a page switch;
their keys carry a version so that a preset's recipe or a changed optimizer re-creates them.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from playground.datasets import image_sets
from playground.datasets.images import available, default_data_dir
from playground.engine.devices import devices
from playground.engine.i18n import N_, _
from playground.engine.records import SpecError
from playground.tasks.image import catalog
from playground.tasks.image import private as image_private
from playground.tasks.image.recipe import REGISTRIES, SETTINGS, Setting, TrainConfig
from playground.ui import image_session, state
from playground.ui.privacy import form as privacy_form
from playground.ui.text import plain

MORE = N_("More settings")


def _on_optimizer(key: str) -> None:
    """A new optimizer starts from the learning rate it works well with."""
    name = st.session_state[key]
    new = dataclasses.replace(
        image_session.config(), optimizer=name, lr=catalog.OPTIMIZERS[name].lr
    )
    image_session.set_config(new)


def form() -> TrainConfig:
    """Draw the settings; return the TrainConfig they describe (also stored in the session)."""
    c, v = image_session.config(), state.version("train")
    columns = st.columns(3)
    with st.expander(_(MORE)):
        more = st.columns(3)
    private, dp = privacy_form.places(c)
    places = {"data": columns[0], "optimizer": columns[1], "run": columns[2],
              "more-1": more[0], "more-2": more[1], "more-3": more[2], **dp}  # fmt: skip
    values: dict = {}
    for setting in SETTINGS:
        key = f"train-{v}-{setting.name}"
        on = setting.needs is None or values[setting.needs[0]] == setting.needs[1]
        where = places[setting.name] if setting.name in places else places[setting.place]
        values[setting.name] = widget(
            where, setting, getattr(c, setting.name), key, disabled=not on
        )
    try:
        new = TrainConfig.from_dict({**c.to_dict(), **values})
    except SpecError as e:
        st.error(plain(e.message), icon=":material/error:")
        return c
    image_session.set_config(new, refresh=False)
    privacy_form.notes(private, image_private.notes(image_session.spec(), new))
    _data_note(new.dataset)
    return new


def widget(where, s: Setting, value, key: str, disabled: bool = False, registries=None,
           on_optimizer=None, optimizer: str | None = None):  # fmt: skip
    """The widget of one setting, in `where`, showing `value`; returns what it holds.
    `registries` name its choices (default: the image task's); `on_optimizer(key)` runs when
    the optimizer changes, `optimizer` is the one chosen (for the learning rate's help)."""
    registries = REGISTRIES if registries is None else registries
    extra: dict = {"key": key, "disabled": disabled, "help": _(s.help) or None}
    label = _(s.label)
    if s.widget == "toggle":
        return where.toggle(label, value, **extra)
    if s.widget == "text":
        return where.text_input(label, value, **extra).strip()
    if s.widget == "select":
        options, labels = _choices(s, registries)
        if s.name == "optimizer":
            extra.update(on_change=on_optimizer or _on_optimizer, args=(key,))
        if s.choices in registries and value in registries[s.choices]:
            extra["help"] = _(registries[s.choices][value].description)
        if s.choices == "devices":
            extra["help"] = (
                _(s.help)
                + " "
                + _("auto trains on {device} here.").format(device=state.machine_device())
            )
        index = options.index(value) if value in options else 0  # e.g. a GPU run, here on a CPU
        return where.selectbox(label, options, index=index, format_func=labels.get, **extra)
    if s.name == "lr":
        usual = catalog.OPTIMIZERS[optimizer or image_session.config().optimizer]
        extra["help"] = (
            _(s.help)
            + " "
            + _("{optimizer} usually works with {lr}.").format(
                optimizer=_(usual.label), lr=f"{usual.lr:g}"
            )
        )
    low, high = s.kind(s.low), s.kind(s.high)
    if s.widget == "slider":
        return where.slider(label, low, high, value, s.kind(s.step), **extra)
    if s.kind is float:
        extra["format"] = "%.6g"
    return where.number_input(label, low, high, value, s.kind(s.step or 1), **extra)


def _choices(s: Setting, registries) -> tuple[list, dict]:
    """(values, value -> label) of a setting with choices."""
    if s.choices == "devices":
        found = devices()
        return found, {d: d for d in found}
    registry = registries[s.choices]
    return list(registry), {name: _(entry.label) for name, entry in registry.items()}


def _data_note(name: str) -> None:
    if available(name):
        return
    info = image_sets.DATASETS[name]
    folder = default_data_dir()
    if info.fallback:
        fallback = image_sets.DATASETS[info.fallback]
        st.caption(
            _(
                "{dataset} is not in {folder} yet: training downloads it first, or, without a "
                "network, uses the {fallback} instead. To use a copy you have, run "
                "`python -m playground data import FOLDER`."
            ).format(dataset=_(info.label), folder=folder, fallback=_(fallback.label))
        )
    else:
        st.caption(
            _(
                "{dataset} is not in {folder} yet: training downloads it first (this needs a "
                "network)."
            ).format(dataset=_(info.label), folder=folder)
        )
