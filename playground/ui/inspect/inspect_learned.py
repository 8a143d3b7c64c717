"""Inspect's views of what a model learned: what a channel (or a class) looks for, by activation
maximisation beside the test images that excite it most; and its training replayed from the
job's weight history, so a learner sees the kernels form."""

from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st
import torch

from playground.datasets.images import Dataset, normalise
from playground.engine import history
from playground.engine.i18n import N_, _
from playground.explain import feature_vis, figures, inside
from playground.tasks.image import evaluation, models
from playground.tasks.image.fit import pass_batch_size
from playground.ui import state
from playground.ui.images import enlarged
from playground.ui.model_picker import LIVE, PRETRAINED, SESSION, Choice

TOP_FROM = 2000  # test images searched for the ones that excite a target most
MAX_KEPT = 64  # visualisations kept per process


@st.cache_resource
def _made() -> tuple[dict, threading.Lock]:
    """(model version, layer, index) -> (Visualisation, top indices, top values), and its lock:
    shared by every session, as the same model gives the same picture."""
    return {}, threading.Lock()


@st.cache_data(max_entries=32, show_spinner=False)
def _strongest_of(version: str, layer: int, _model, _x) -> int:
    return feature_vis.strongest_channel(_model, layer, _x)


def _strongest(choice: Choice, layer: int, data: Dataset) -> int:
    x = normalise(data.test_x[:256], choice.dataset.mean, choice.dataset.std)
    return _strongest_of(choice.version, layer, choice.model, x)


def looks_for(choice: Choice, data: Dataset) -> None:
    model, spec = choice.model, choice.spec
    convs = inside.conv_layers(model)
    kinds = ([N_("A conv channel")] if convs else []) + [N_("An output class")]
    cols = st.columns(3)
    kind = cols[0].radio(_("What"), kinds, format_func=_, key="inspect-looks-kind")
    if kind == "An output class":
        classes = choice.dataset.names()
        index = cols[1].selectbox(
            _("Class"),
            range(len(classes)),
            format_func=lambda i: classes[i],
            key="inspect-looks-class",
        )
        target, name = (
            feature_vis.Target(None, index),
            _("class {classes}").format(classes=classes[index]),
        )
    else:
        layer = cols[1].selectbox(
            _("Conv layer"),
            convs,
            key="inspect-looks-layer",
            index=convs.index(feature_vis.first_layer_shown(convs)),
            format_func=lambda i: _("Layer {value}: {label}").format(
                value=i + 1, label=spec.layers[i].label
            ),
        )
        channels = inside.filters(model, layer).shape[0]
        strongest = _strongest(choice, layer, data)
        index = int(cols[2].number_input(
            _("Channel"), 1, channels, strongest + 1, key=f"inspect-looks-ch-{layer}",
            help=_("It starts at channel {n}: the one the test images excite most.").format(
                n=strongest + 1))) - 1  # fmt: skip
        target, name = (
            feature_vis.Target(layer, index),
            _("layer {value}, channel {value2}").format(value=layer + 1, value2=index + 1),
        )
    key = (choice.version, target.layer, target.index)
    store, lock = _made()
    with lock:
        found = store.get(key)
    if found is None:
        st.caption(
            _(
                "An input made to excite {name} as much as possible: {STEPS} steps of "
                "gradient ascent on the image, jittered and kept smooth (a second or "
                "two)."
            ).format(name=name, STEPS=feature_vis.STEPS)
        )
        if not st.button(
            _("Find what it looks for"), key="inspect-looks-go", icon=":material/search:"
        ):
            return
        bar = st.progress(0.0, text=_("Optimising the input..."))
        info = choice.dataset
        low, high = (0 - info.mean) / info.std, (1 - info.mean) / info.std
        made = feature_vis.maximise(model, target, tuple(spec.input_shape), low, high,
                                    progress=lambda done: bar.progress(done))  # fmt: skip
        x = normalise(data.test_x[:TOP_FROM], info.mean, info.std)
        batch = pass_batch_size(spec, state.memory_budget())
        found = (made, *feature_vis.top_images(model, target, x, batch=batch))
        with lock:
            store[key] = found
            while len(store) > MAX_KEPT:
                store.pop(next(iter(store)))
        bar.empty()
    made, top, values = found
    _show(choice, data, name, made, top, values)


def _show(choice, data, name, made, top, values) -> None:
    info = choice.dataset
    pixels = (made.image[0] * info.std + info.mean).clamp(0, 1).numpy()
    cols = st.columns([1, 3])
    cols[0].image(enlarged(pixels), caption=_("Made to excite {name}").format(name=name), width=140)
    cols[0].caption(_("Its activation: {activation:.3g}").format(activation=made.activation))
    images = data.test_x[top][:, 0].float() / 255
    title = _("The {count} test images (of the first {TOP_FROM:,}) that excite it most").format(
        count=len(top), TOP_FROM=TOP_FROM
    )
    cols[1].plotly_chart(figures.maps_figure(images, title), key="inspect-looks-top")
    cols[1].caption(
        _("Their activations: {values}").format(
            values=", ".join(f"{v:.3g}" for v in values.tolist())
        )
    )


# --- training replayed ------------------------------------------------------------------------


@st.cache_resource(max_entries=4)
def _run_history(path: str, _mtime: float) -> list[history.Snapshot]:
    return history.load(Path(path))


def snapshots(choice: Choice) -> list[history.Snapshot]:
    """The weight history behind the chosen model: its job's, or its run's (the picker has
    already turned "this session's model" into the run it came from, where it did)."""
    if choice.value == PRETRAINED:
        return []
    if choice.value in (LIVE, SESSION):  # the session's own job
        job = state.job()
        return job.history.snapshots() if job is not None else []
    file = Path(choice.value) / history.FILE
    return _run_history(choice.value, file.stat().st_mtime) if file.exists() else []


@st.cache_resource(max_entries=16)
def _model_at(key: str, _spec, _state) -> torch.nn.Module:
    model = models.build(_spec)
    model.load_state_dict(_state)
    return model.eval()


def replay(choice: Choice, source, x: torch.Tensor) -> None:
    found = snapshots(choice)
    if len(found) < 2:
        st.caption(
            _(
                "Replay needs the weights a job kept while it trained: pick your job, or a run "
                "trained here (the pretrained model ships without its history)."
            )
        )
        return
    labels = [s.label for s in found]
    at = st.select_slider(_("Moment of training"), range(len(found)), value=len(found) - 1,
                          format_func=lambda i: _(labels[i]), key="inspect-replay")  # fmt: skip
    moment = found[at]
    model = _model_at(
        f"{choice.value}:{choice.version}:{moment.step}:{moment.label}", choice.spec, moment.state
    )
    maps = inside.feature_maps(model, x)
    p = evaluation.probabilities(maps[-1], choice.loss)[0]
    classes = choice.dataset.names()
    top = int(p.argmax())
    cols = st.columns([1, 3])
    cols[0].metric(_("At {label}, it says").format(label=_(moment.label)), classes[top])
    cols[0].caption(_("{p:.1%} sure (step {step:,})").format(p=float(p[top]), step=moment.step))
    cols[1].plotly_chart(
        figures.probabilities_figure(p.tolist(), classes),
        key="inspect-replay-p",
        config={"displayModeBar": False},
    )
    convs = inside.conv_layers(model)
    if convs:
        kernels = inside.filters(model, convs[0])[:, 0]
        title = _("First conv layer's kernels at {label}").format(label=_(moment.label))
        st.plotly_chart(figures.maps_figure(kernels[:32], title), key="inspect-replay-kernels")
        title = _("Its feature maps for {title}").format(title=source.title)
        st.plotly_chart(
            figures.maps_figure(maps[convs[0]][0][:32], title), key="inspect-replay-maps"
        )
    else:
        first = next(m for m in model.modules() if isinstance(m, torch.nn.Linear))
        side = int(first.in_features**0.5)
        if side * side == first.in_features:
            weights = first.weight.detach()[:32].reshape(-1, side, side)
            title = _("What the first layer's units look at, at {label}").format(
                label=_(moment.label)
            )
            st.plotly_chart(figures.maps_figure(weights, title), key="inspect-replay-kernels")
