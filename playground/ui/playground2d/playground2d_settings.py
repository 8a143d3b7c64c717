"""The Playground 2-D page's settings: lessons, data (generated, a CSV, clicked points),
features, the network and training, each read back into the Experiment."""

from __future__ import annotations

import io

import streamlit as st

from playground.engine.activations import ACTIVATIONS
from playground.engine.i18n import N_, _
from playground.engine.optimizers import OPTIMIZERS
from playground.playground2d import data, tf_links
from playground.playground2d.data import CLASSIFICATION, FEATURES, REGRESSION, PointsError
from playground.playground2d.experiment import (
    ACTIVATION_CHOICES,
    CUSTOM,
    INITS,
    LESSONS,
    LOSSES,
    MAX_LAYERS,
    MAX_NEURONS,
    MAX_SEED,
    REGULARIZATIONS,
    Experiment,
    ExperimentError,
)
from playground.ui import uploads
from playground.ui.playground2d.playground2d_view import has_own_points, key, own_kind, replace
from playground.ui.text import plain

LEARNING_RATES = [1e-5, 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
REG_RATES = [0.0, 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
_CSV_SEEN, _CSV_ERROR = "playground2d-csv-seen", "playground2d-csv-error"
_CSV_NOTE = "playground2d-csv-note"  # how the last CSV was made to fit the plane, if it was
_TF_NOTES = "playground2d-tf-notes"  # what did not map, from the last TensorFlow link opened


def lessons(exp: Experiment) -> None:
    if "lessons" in exp.hide:
        return
    with st.expander(_("Lessons: ready-made experiments"), icon=":material/school:"):
        for i, lesson in enumerate(LESSONS):
            cols = st.columns([3, 1])
            cols[0].markdown(f"**{_(lesson.title)}**: {_(lesson.text)}")
            if cols[1].button(_("Load"), key=f"playground2d-lesson-{i}"):
                replace(lesson.experiment)
                st.rerun()


def tf_link(exp: Experiment) -> None:
    """Open a TensorFlow Playground link here (their keys and scales), with a note for what
    does not map."""
    if "tf" in exp.hide:
        return
    with st.expander(_("Open a TensorFlow Playground link"), icon=":material/link:"):
        text = st.text_input(
            _("TensorFlow Playground link"),
            key="playground2d-tf-link",
            placeholder=_("https://playground.tensorflow.org/#activation=tanh&..."),
            help=_("The whole address, or the part after #."),
        )
        if st.button(_("Open it here"), key="playground2d-tf-open", disabled=not text):
            try:
                opened, notes = tf_links.from_tf_link(text)
            except ExperimentError as e:
                st.error(plain(e), icon=":material/error:")
                return
            st.session_state[_TF_NOTES] = notes or [N_("Everything in it maps to this page.")]
            replace(opened)
            st.rerun()
        for note in st.session_state.get(_TF_NOTES, []):
            st.caption(plain(_(note)))


def data_settings(exp: Experiment) -> Experiment:
    if "data" in exp.hide:
        return exp
    st.markdown(_("**Data**"))
    problems = {CLASSIFICATION: N_("Classification"), REGRESSION: N_("Regression")}
    kind = exp.problem(own_kind())
    chosen = st.segmented_control(
        _("Problem type"),
        list(problems),
        default=kind,
        format_func=lambda k: _(problems[k]),
        key=key("problem"),
    )
    if chosen is not None and chosen != kind and exp.dataset != CUSTOM:
        first = next(n for n, d in data.DATASETS.items() if d.kind == chosen)
        points = 1200 if chosen == REGRESSION else 500  # as TensorFlow Playground's
        replace(exp.replace(dataset=first, points=points, loss="mse", data_seed=0))
        st.rerun()
    kind = chosen or kind
    names = [n for n, d in data.DATASETS.items() if d.kind == kind]
    names += [CUSTOM] if has_own_points() else []
    dataset = st.selectbox(
        _("Dataset"),
        names,
        index=names.index(exp.dataset) if exp.dataset in names else 0,
        format_func=lambda n: _("Your own points") if n == CUSTOM else _(data.DATASETS[n].label),
        key=key("dataset"),
    )
    generated = dataset != CUSTOM
    noise = st.slider(
        _("Noise (%)"), 0, 50, round(exp.noise * 100), 5, key=key("noise"), disabled=not generated
    )
    n = st.slider(_("Points"), 10, 2000, exp.points, 10, key=key("points"), disabled=not generated)
    ratio = st.slider(
        _("Training share (%)"), 10, 90, round(exp.train_ratio * 100), 10, key=key("ratio")
    )
    cols = [st, st]  # one under the other: side by side, the button's word did not fit
    seed = cols[0].number_input(
        _("Seed"),
        0,
        MAX_SEED,
        exp.seed,
        key=key("seed"),
        help=_("The points, the split, the starting weights and the batch order all follow it."),
    )
    exp = exp.replace(
        dataset=dataset, noise=noise / 100, points=n, train_ratio=ratio / 100, seed=int(seed)
    )
    if cols[1].button(
        _("Regenerate"),
        key="playground2d-regenerate",
        icon=":material/refresh:",
        width="stretch",
        disabled=not generated,
        help=_("New random points; the network keeps its weights"),
    ):
        replace(exp.replace(data_seed=(exp.data_seed + 1) % (MAX_SEED + 1)))
        st.rerun()
    upload = uploads.uploader(_("Your points (CSV: x1, x2, label)"), ["csv", "txt"], key("csv"))
    if upload is not None and st.session_state.get(_CSV_SEEN) != upload.file_id:
        st.session_state[_CSV_SEEN] = upload.file_id
        try:
            text = io.TextIOWrapper(upload, encoding="utf-8", errors="replace", newline="")
            try:  # read as far as the row limit, not the whole file
                custom = data.read_csv(text, exp.train_ratio, exp.seed)
            finally:
                text.detach()  # the upload stays open for Streamlit
        except PointsError as e:
            st.session_state[_CSV_ERROR] = str(e)
        else:
            st.session_state.pop(_CSV_ERROR, None)
            st.session_state[_CSV_NOTE] = custom.note
            loss = exp.loss if custom.kind == CLASSIFICATION else "mse"
            replace(exp.replace(dataset=CUSTOM, loss=loss), custom)
            st.rerun()
    if _CSV_ERROR in st.session_state:
        st.error(plain(st.session_state[_CSV_ERROR]), icon=":material/error:")
    elif exp.dataset == CUSTOM and st.session_state.get(_CSV_NOTE):
        st.caption(plain(st.session_state[_CSV_NOTE]))
    return exp


def feature_settings(exp: Experiment) -> Experiment:
    if "features" in exp.hide:
        return exp
    st.markdown(_("**Features**"))
    chosen = tuple(
        name
        for name, (label, _make) in FEATURES.items()
        if st.checkbox(label, name in exp.features, key=key(f"feature-{name}"))
    )
    return exp.replace(features=chosen)


def network_settings(exp: Experiment) -> Experiment:
    if "network" in exp.hide:
        return exp
    st.markdown(_("**Hidden layers**"))
    layers = st.number_input(
        _("Hidden layers"),
        0,
        MAX_LAYERS,
        len(exp.hidden),
        key=key("layers"),
        label_visibility="collapsed",
    )
    hidden, activations = [], []
    cols = st.columns(max(1, layers)) if layers else []
    for i in range(layers):
        units = exp.hidden[i] if i < len(exp.hidden) else 4
        act = exp.activations[i] if i < len(exp.activations) else "tanh"
        with cols[i]:
            hidden.append(
                st.number_input(
                    _("Layer {value}").format(value=i + 1),
                    1,
                    MAX_NEURONS,
                    units,
                    key=key(f"units-{i}"),
                )
            )
            activations.append(
                st.selectbox(
                    _("Activation {value}").format(value=i + 1),
                    ACTIVATION_CHOICES,
                    index=ACTIVATION_CHOICES.index(act),
                    key=key(f"act-{i}"),
                    format_func=lambda a: _("Linear") if a == "none" else _(ACTIVATIONS[a].label),
                    label_visibility="collapsed",
                )
            )
    return exp.replace(hidden=tuple(hidden), activations=tuple(activations))


def training_settings(exp: Experiment, kind: str) -> Experiment:
    parts = [p for p in ("lr", "optimizer", "loss", "regularization", "batch") if p not in exp.hide]
    if not parts:
        return exp.replace(loss="mse") if kind != CLASSIFICATION else exp
    pairs = {"regularization": ("regularization", "rate"), "batch": ("batch", "dropout")}
    slots = [q for p in parts for q in pairs.get(p, (p,))]  # one row, as TensorFlow Playground
    widths = {"lr": 5, "loss": 6, "rate": 5}  # the longer words get more room
    cols = dict(zip(slots, st.columns([widths.get(q, 4) for q in slots]), strict=True))
    changes: dict = {}
    if "lr" in cols:
        changes["lr"] = cols["lr"].select_slider(
            _("Learning rate"), LEARNING_RATES, _nearest(exp.lr, LEARNING_RATES), key=key("lr")
        )
    if "optimizer" in cols:
        changes["optimizer"] = cols["optimizer"].selectbox(
            _("Optimizer"),
            list(OPTIMIZERS),
            index=list(OPTIMIZERS).index(exp.optimizer),
            format_func=lambda o: _(OPTIMIZERS[o].label),
            key=key("opt"),
        )
    if "loss" in cols:
        losses = list(LOSSES) if kind == CLASSIFICATION else ["mse"]
        changes["loss"] = cols["loss"].selectbox(
            _("Loss"),
            losses,
            index=losses.index(exp.loss) if exp.loss in losses else 0,
            format_func=lambda k: _(LOSSES[k]),
            key=key("loss"),
        )
    elif kind != CLASSIFICATION:
        changes["loss"] = "mse"
    if "regularization" in cols:
        changes["regularization"] = cols["regularization"].selectbox(
            _("Regularisation"),
            list(REGULARIZATIONS),
            index=list(REGULARIZATIONS).index(exp.regularization),
            format_func=lambda k: _(REGULARIZATIONS[k]),
            key=key("reg"),
        )
        changes["reg_rate"] = cols["rate"].select_slider(
            _("Regularisation rate"), REG_RATES, _nearest(exp.reg_rate, REG_RATES), key=key("rate")
        )
    if "batch" in cols:
        changes["batch_size"] = cols["batch"].slider(
            _("Batch size"), 1, 100, exp.batch_size, key=key("batch")
        )
        changes["dropout"] = cols["dropout"].slider(
            _("Dropout"), 0.0, 0.9, exp.dropout, 0.05, key=key("dropout")
        )
    return exp.replace(**changes)


def view_settings(exp: Experiment) -> Experiment:
    """How the boundary is drawn (kept in the link, as TensorFlow Playground keeps them)."""
    if "view" in exp.hide:
        return exp
    row = st.container(horizontal=True)
    show_test = row.toggle(_("Show test points"), exp.show_test, key=key("show-test"))
    discretize = row.toggle(
        _("Discretize output"),
        exp.discretize,
        key=key("discretize"),
        help=_("The boundary in two colours: which side of the middle the output is on."),
    )
    return exp.replace(show_test=show_test, discretize=discretize)


def more_settings(exp: Experiment) -> Experiment:
    """Initialisation and when to stop, out of the way in an expander."""
    if "more" in exp.hide:
        return exp
    with st.expander(_("Initialisation and when to stop")):
        cols = st.columns(3)
        init = cols[0].selectbox(
            _("Initial weights"), list(INITS), index=list(INITS).index(exp.init),
            format_func=lambda k: _(INITS[k]), key=key("init"),
            help=_("All zeros: every neuron of a layer computes the same and gets the same "
            "gradient, so they stay the same: the network is as good as one neuron a layer."),
        )  # fmt: skip
        stop_loss = cols[1].number_input(
            _("Pause at test loss"), 0.0, 10.0, exp.stop_loss, 0.01, format="%.3f",
            key=key("stop-loss"),
            help=_("Pause when the test loss first falls to this (0: never)."),
        )  # fmt: skip
        stop_epochs = cols[2].number_input(
            _("Pause after epochs"), 0, 100_000, exp.stop_epochs, 10, key=key("stop-epochs"),
            help=_("Pause when this many epochs are done (0: never)."),
        )  # fmt: skip
    return exp.replace(init=init, stop_loss=float(stop_loss), stop_epochs=int(stop_epochs))


def _nearest(value: float, choices: list[float]) -> float:
    return min(choices, key=lambda c: abs(c - value))
