"""The Inspect page's pieces: which input to look at, and what the model does with it (feature
maps, a worked convolution, attributions, filters, what a channel looks for, training replayed,
layer statistics)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import streamlit as st
import torch

from playground.datasets.images import Dataset, normalise
from playground.engine.i18n import N_, _
from playground.explain import attributions, figures, inside
from playground.explain.drawing import ImageError, prepare, read_image
from playground.tasks.image import evaluation
from playground.tasks.image.fit import gradient_batch_size, pass_batch_size
from playground.ui import last_drawing, state, uploads
from playground.ui.images import enlarged
from playground.ui.inspect import (
    inspect_learned,
    inspect_overview,
    inspect_worked,
    whole_test_set,
)
from playground.ui.model_picker import Choice
from playground.ui.text import plain

SOURCES = [
    N_("A test image by number"),
    N_("A random test image"),
    N_("A mistake"),
    N_("My drawing on Draw"),
    N_("An image file"),
]
STATS_IMAGES = 256  # test images the layer statistics are computed over
LIVE_SECONDS = 2.0
# what belongs to one model: its layers, channels, classes, a pixel of its maps
MODEL_STATE = ("inspect-worked-", "inspect-looks-", "inspect-conv", "inspect-channel",
               "inspect-class", "inspect-attr-", "inspect-replay", "inspect-map-",
               "inspect-filters", "inspect-of", "inspect-open", "inspect-overview")  # fmt: skip


@dataclass(frozen=True)
class Input:
    image: np.ndarray  # (H, W) 0-1, for display (the first channel)
    pixels: torch.Tensor  # (1, C, H, W) 0-1, before normalisation
    truth: int | None  # the true class, when known
    title: str

    def tensor(self, choice: Choice) -> torch.Tensor:
        """The model's input: normalised as the model was trained."""
        return normalise(self.pixels, choice.dataset.mean, choice.dataset.std)


def choose(choice: Choice, data: Dataset) -> Input | None:
    """The input picker; None (with a message shown) when the chosen source has no input yet."""
    how = st.radio(_("Input"), SOURCES, horizontal=True, format_func=_, key="inspect-how")
    if how == "A test image by number":
        index = st.number_input(_("Test image"), 0, len(data.test_y) - 1, 0, key="inspect-index")
        return _test_image(data, int(index))
    if how in ("A random test image", "A mistake"):
        return _random(choice, data, how == "A mistake")
    if tuple(choice.spec.input_shape) != (1, 28, 28):
        st.info(
            _(
                "Drawings and image files are 28x28 grey digits: this model takes "
                "{input_shape}. Pick a test image instead."
            ).format(input_shape=list(choice.spec.input_shape))
        )
        return None
    if how == "My drawing on Draw":
        image = last_drawing.get()
        if image is None:
            st.info(_("Nothing drawn yet: draw a digit on Draw, then come back."))
            st.page_link("app_pages/draw.py", label=_("Draw a digit"), icon=":material/draw:")
            return None
        return _drawn(image, _("Your drawing"))
    upload = uploads.uploader(
        _("Image file (PNG or JPEG)"), ["png", "jpg", "jpeg"], "inspect-upload"
    )
    if upload is None:
        st.caption(
            _("A digit, dark on light paper or light on dark: it is prepared like a drawing.")
        )
        return None
    try:
        prepared = prepare(read_image(upload.getvalue()))
    except ImageError as e:
        st.error(plain(e), icon=":material/error:")
        return None
    if prepared.empty:
        st.warning(
            _("No digit found in this image: it needs a clear stroke on a plain background.")
        )
        return None
    return _drawn(prepared.image, upload.name)


def _test_image(data: Dataset, index: int) -> Input:
    pixels = data.test_x[index : index + 1].float() / 255
    return Input(
        pixels[0, 0].numpy(),
        pixels,
        int(data.test_y[index]),
        _("Test image #{index}").format(index=index),
    )


def _drawn(image: np.ndarray, title: str) -> Input:
    pixels = torch.from_numpy(np.asarray(image, np.float32))[None, None]
    return Input(np.asarray(image), pixels, None, title)


def _random(choice: Choice, data: Dataset, mistake: bool) -> Input:
    classes = choice.dataset.names()
    cols = st.columns([2, 1])
    of = cols[0].selectbox(
        _("Of class"),
        [None, *range(len(classes))],
        format_func=lambda c: _("any") if c is None else classes[c],
        key="inspect-of",
    )
    another = cols[1].button(_("Another one"), key="inspect-next", icon=":material/casino:")
    pool = torch.ones(len(data.test_y), dtype=torch.bool)
    if of is not None:
        pool &= data.test_y == of
    if mistake:
        found = whole_test_set.results(choice)  # the test-set pass Evaluate shows
        if found is not None:
            pool &= found[1].predicted != data.test_y
    indices = pool.nonzero().flatten()
    picked = st.session_state.get("inspect-pick")
    wanted = (mistake, of)
    # a new pick on "Another one", or when the filter changed, or when the old one is no longer
    # in the pool (a live model that has learned it since)
    if (
        another
        or st.session_state.get("inspect-wanted") != wanted
        or picked is None
        or picked >= len(pool)
        or not pool[picked]
    ):
        picked = int(indices[torch.randint(len(indices), ())]) if len(indices) else None
        st.session_state["inspect-pick"], st.session_state["inspect-wanted"] = picked, wanted
    if picked is None:
        if of is None:
            st.info(
                _("No mistakes in the test set.")
                if mistake
                else _("No test images in the test set.")
            )
        else:
            found = (
                _("No mistakes of class {name} in the test set.")
                if mistake
                else _("No test images of class {name} in the test set.")
            )
            st.info(found.format(name=classes[of]))
        picked = 0
    return _test_image(data, picked)


def panels(choice: Choice, source: Input, data: Dataset) -> None:
    """The answer, then each view in its own tab."""
    classes = choice.dataset.names()
    x = source.tensor(choice)
    maps = inside.feature_maps(choice.model, x)
    p = evaluation.probabilities(maps[-1], choice.loss)[0]
    top = int(p.argmax())
    cols = st.columns([1, 1, 2])
    cols[0].image(enlarged(source.image), caption=source.title, width=112)
    cols[1].metric(
        _("The model says"),
        classes[top],
        _("true: {name}").format(name=classes[source.truth]) if source.truth is not None else None,
        delta_color="off",
        delta_arrow="off",
    )
    cols[1].caption(_("{p:.1%} sure").format(p=float(p[top])))
    with cols[2]:
        st.plotly_chart(
            figures.probabilities_figure(p.tolist(), classes, height=190),
            key="inspect-probabilities",
            config={"displayModeBar": False},
        )
    views = {"overview": _("Overview"), "worked": _("Worked convolution"),
             "attributions": _("Attributions"), "filters": _("Filters"),
             "looks": _("What a channel looks for"), "replay": _("Replay training"),
             "statistics": _("Layer statistics")}  # fmt: skip
    # only the open view is computed: the page settles at once instead of drawing all seven
    tabs = dict(
        zip(
            views, st.tabs(list(views.values()), key="inspect-view", on_change="rerun"), strict=True
        )
    )
    draw = {
        "overview": lambda: inspect_overview.overview(choice, source.image, maps),
        "worked": lambda: inspect_worked.worked(choice, x, maps),
        "attributions": lambda: saliency(choice, source, x, top),
        "filters": lambda: filters(choice),
        "looks": lambda: inspect_learned.looks_for(choice, data),
        "replay": lambda: inspect_learned.replay(choice, source, x),
        "statistics": lambda: statistics(choice, data),
    }
    for name, tab in tabs.items():
        if tab.open:
            with tab:
                draw[name]()


def saliency(choice: Choice, source: Input, x: torch.Tensor, top: int) -> None:
    """The four attributions of captum side by side, each with its time and its question."""
    classes = choice.dataset.names()
    target = st.selectbox(
        _("For class"),
        range(len(classes)),
        index=top,
        format_func=lambda i: classes[i] + (_(" (its answer)") if i == top else ""),
        key="inspect-class",
    )
    st.caption(_("Which pixels the score of this class rests on, four ways (by captum)."))
    batch = gradient_batch_size(choice.spec, state.memory_budget())
    cols = st.columns(len(attributions.METHODS))
    for col, method in zip(cols, attributions.METHODS.values(), strict=True):
        with col:
            try:
                found = _attribution(
                    choice.version, _input_key(source), target, method.name, choice.model, x, batch
                )
            except ValueError as e:
                st.markdown(f"**{_(method.label)}**")
                st.caption(plain(e))
                continue
            st.plotly_chart(
                figures.overlay_figure(source.image, found.heat().numpy(), _(method.label)),
                key=f"inspect-attr-{method.name}",
                config={"displayModeBar": False},
            )
            extra = ""
            if found.delta is not None:
                extra = _("; its parts add up to the change of the score within {delta}").format(
                    delta=f"{found.delta:.2g}"
                )
            st.caption(
                _("{answers} ({value:.0f} ms{extra})").format(
                    answers=_(method.answers), value=found.seconds * 1000, extra=extra
                )
            )


def _input_key(source: Input) -> str:
    return source.title + hashlib.sha1(source.pixels.numpy().tobytes()).hexdigest()[:16]


@st.cache_resource(max_entries=64, show_spinner=False)
def _attribution(version: str, input_key: str, target: int, method: str, _model, _x, _batch):
    """One attribution, once per model version, input, class and method."""
    return attributions.attribute(_model, _x, target, method, _batch)


def filters(choice: Choice) -> None:
    convs = inside.conv_layers(choice.model)
    if not convs:
        st.caption(_("This model has no conv layers, so no filters to show."))
        return
    cols = st.columns(2)
    layer = cols[0].selectbox(
        _("Conv layer"),
        convs,
        format_func=lambda i: _("Layer {n}: {layer}").format(
            n=i + 1, layer=choice.spec.layers[i].label
        ),
        key="inspect-conv",
    )
    kernels = inside.filters(choice.model, layer)  # (out, in, k, k)
    if kernels.shape[1] == 1:
        st.caption(
            _(
                "The {shape} kernels of this layer, one per output channel: each slides "
                "over the input and lights up where the input looks like it."
            ).format(shape=kernels.shape[0])
        )
        shown, title = kernels[:, 0], _("Kernels (one per output channel)")
    else:
        channel = cols[1].number_input(
            _("Output channel"), 1, kernels.shape[0], 1, key="inspect-channel"
        )
        st.caption(
            _(
                "Output channel {channel} sums {shape} kernels, one per input channel "
                "(the previous layer's maps)."
            ).format(channel=channel, shape=kernels.shape[1])
        )
        shown, title = (
            kernels[channel - 1],
            _("Kernels of output channel {channel}").format(channel=channel),
        )
    st.plotly_chart(
        figures.maps_figure(shown[:64], title, shared_scale=True), key="inspect-filters"
    )


@st.cache_resource(max_entries=8)
def _statistics(version: str, _choice: Choice, _x: torch.Tensor) -> list[inside.LayerStats]:
    batch = pass_batch_size(_choice.spec, state.memory_budget())
    return inside.layer_statistics(_choice.model, _x, batch)


def statistics(choice: Choice, data: Dataset) -> None:
    x = normalise(data.test_x[:STATS_IMAGES], choice.dataset.mean, choice.dataset.std)
    stats = _statistics(choice.version, choice, x)
    names = [f"{i + 1} {layer.label}" for i, layer in enumerate(choice.spec.layers)]
    st.caption(
        _(
            "Over the first {STATS_IMAGES} test images. A dead ReLU outputs 0 for "
            "every one of them: it passes no gradient and stops learning. Means and "
            "spreads far from 0 and 1 make training harder (what batch norm fixes)."
        ).format(STATS_IMAGES=STATS_IMAGES)
    )
    st.plotly_chart(
        figures.statistics_figure(
            names, [s.mean for s in stats], [s.std for s in stats], [s.dead for s in stats]
        ),
        key="inspect-stats",
    )
    if choice.live:
        _history(choice, names, stats)


def _history(choice: Choice, names: list[str], stats: list[inside.LayerStats]) -> None:
    """How the statistics change while the job trains (recorded while this page is open)."""
    job = state.job()
    if job is None:
        return
    key = f"inspect-history-{job.id}"
    history: list[tuple[int, str, list[inside.LayerStats]]] = st.session_state.setdefault(key, [])
    if not history or history[-1][1] != choice.version:
        last = job.log.last_step()
        history.append((last.step if last else 0, choice.version, stats))
    if len(history) < 2:
        st.caption(_("Over training: recorded while this page is open; more appears as it trains."))
        return
    steps = [h[0] for h in history]
    relu = [i for i, s in enumerate(stats) if s.dead is not None]
    if relu:
        st.plotly_chart(
            figures.statistics_history_figure(
                steps,
                {names[i]: [h[2][i].dead for h in history] for i in relu},
                N_("Dead ReLUs over training (share of units)"),
            ),
            key="inspect-dead-history",
        )
    st.plotly_chart(
        figures.statistics_history_figure(
            steps,
            {names[i]: [h[2][i].std for h in history] for i in range(len(names))},
            N_("Spread (std) of each layer's outputs over training"),
        ),
        key="inspect-std-history",
    )
