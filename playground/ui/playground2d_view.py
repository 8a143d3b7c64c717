"""The Playground 2-D page's pieces: the experiment's settings (kept in the session and in the
URL), the points, the trainer thread, and the live view of the boundary, the losses and the
network."""

from __future__ import annotations

import io

import streamlit as st

from playground.catalog import OPTIMIZERS
from playground.layers import ACTIVATIONS
from playground.playground2d import data, net
from playground.playground2d import plots as playground2d_plots
from playground.playground2d.data import CLASSIFICATION, FEATURES, Points, PointsError
from playground.playground2d.experiment import (
    ACTIVATION_CHOICES,
    CUSTOM,
    LESSONS,
    LOSSES,
    MAX_LAYERS,
    MAX_NEURONS,
    MAX_SEED,
    REGULARIZATIONS,
    Experiment,
    ExperimentError,
)
from playground.playground2d.trainer import Trainer, TrainersBusy
from playground.ui.chart_clicks import new_click

BOUNDARY = "playground2d-boundary"  # the boundary chart's key: its selection holds a click
REFRESH_SECONDS = 0.3  # the boundary is redrawn this often while training
LEARNING_RATES = [1e-5, 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
REG_RATES = [0.0, 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
_EXP, _CUSTOM, _TRAINER, _VERSION = (
    "playground2d-exp",
    "playground2d-custom",
    "playground2d-trainer",
    "playground2d-version",
)
_BUSY = "playground2d-busy"  # the message of a Play refused because the server was full


# --- the experiment, in the session and in the URL --------------------------------------------


def experiment() -> Experiment:
    """The session's experiment; on the first run, the one the URL describes (if any)."""
    if _EXP not in st.session_state:
        exp = Experiment()
        if st.query_params:
            try:
                exp = Experiment.from_query(st.query_params.to_dict())
            except ExperimentError as e:
                st.session_state["playground2d-link-error"] = str(e)
        st.session_state[_EXP] = exp
    return st.session_state[_EXP]


def link_warning() -> None:
    """Says why the link's settings could not be used, once."""
    if "playground2d-link-error" in st.session_state:
        st.warning(
            st.session_state.pop("playground2d-link-error")
            + " The default experiment is shown instead.",
            icon=":material/link_off:",
        )


def cannot_run(error: ExperimentError) -> None:
    """Settings that cannot work: say why, and pause the network that was training."""
    st.error(str(error), icon=":material/error:")
    current = st.session_state.get(_TRAINER)
    if current is not None:
        current.pause()


def keep(exp: Experiment) -> None:
    """The experiment as the widgets now have it."""
    st.session_state[_EXP] = exp


def replace(exp: Experiment, custom: Points | None = None) -> None:
    """A new experiment from outside the widgets (a lesson, a file, a click): the widgets are
    redrawn from it."""
    st.session_state[_EXP] = exp
    if custom is not None:
        st.session_state[_CUSTOM] = custom
    st.session_state[_VERSION] = st.session_state.get(_VERSION, 0) + 1


def _key(name: str) -> str:
    return f"playground2d-{name}-{st.session_state.get(_VERSION, 0)}"


def points(exp: Experiment) -> Points:
    if exp.dataset == CUSTOM and _CUSTOM in st.session_state:
        return st.session_state[_CUSTOM]
    return _generated(exp.dataset, exp.points, exp.noise, exp.train_ratio, exp.seed)


@st.cache_resource(max_entries=16, show_spinner=False)
def _generated(name: str, n: int, noise: float, ratio: float, seed: int) -> Points:
    # cached as a resource: the same Points object for the same settings, so the trainer can
    # tell "same points" by identity
    return data.generate(name, n, noise, ratio, seed)


def trainer(exp: Experiment, pts: Points) -> Trainer:
    """The session's trainer, brought up to date with the experiment."""
    current = st.session_state.get(_TRAINER)
    if current is None:
        current = st.session_state[_TRAINER] = Trainer(exp, pts)
    elif current.exp != exp or current.points is not pts:
        current.update(exp, pts)
    return current


def sync_url(exp: Experiment) -> None:
    query = exp.to_query()
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)


# --- settings -------------------------------------------------------------------------------


def lessons() -> None:
    with st.expander("Lessons: ready-made experiments", icon=":material/school:"):
        for i, lesson in enumerate(LESSONS):
            cols = st.columns([3, 1])
            cols[0].markdown(f"**{lesson.title}**: {lesson.text}")
            if cols[1].button("Load", key=f"playground2d-lesson-{i}"):
                replace(lesson.experiment)
                st.rerun()


def data_settings(exp: Experiment) -> Experiment:
    st.markdown("**Data**")
    names = list(data.DATASETS) + ([CUSTOM] if _CUSTOM in st.session_state else [])
    dataset = st.selectbox(
        "Dataset",
        names,
        index=names.index(exp.dataset) if exp.dataset in names else 0,
        format_func=lambda n: "Your own points" if n == CUSTOM else data.DATASETS[n].label,
        key=_key("dataset"),
    )
    generated = dataset != CUSTOM
    noise = st.slider(
        "Noise (%)", 0, 50, round(exp.noise * 100), 5, key=_key("noise"), disabled=not generated
    )
    n = st.slider("Points", 10, 2000, exp.points, 10, key=_key("points"), disabled=not generated)
    ratio = st.slider(
        "Training share (%)", 10, 90, round(exp.train_ratio * 100), 10, key=_key("ratio")
    )
    cols = st.columns([3, 2], vertical_alignment="bottom")
    seed = cols[0].number_input(
        "Seed",
        0,
        MAX_SEED,
        exp.seed,
        key=_key("seed"),
        help="The points, the split, the starting weights and the batch order all follow it.",
    )
    exp = exp.replace(
        dataset=dataset, noise=noise / 100, points=n, train_ratio=ratio / 100, seed=int(seed)
    )
    if cols[1].button(
        "Regenerate",
        key="playground2d-regenerate",
        icon=":material/refresh:",
        disabled=not generated,
        help="New random points: the next seed",
    ):
        replace(exp.replace(seed=(exp.seed + 1) % (MAX_SEED + 1)))
        st.rerun()
    upload = st.file_uploader(
        "Your points (CSV: x1, x2, label)", type=["csv", "txt"], key=_key("csv")
    )
    if upload is not None and st.session_state.get("playground2d-csv-seen") != upload.file_id:
        st.session_state["playground2d-csv-seen"] = upload.file_id
        try:
            text = io.TextIOWrapper(upload, encoding="utf-8", errors="replace", newline="")
            try:  # read as far as the row limit, not the whole file
                custom = data.read_csv(text, exp.train_ratio, exp.seed)
            finally:
                text.detach()  # the upload stays open for Streamlit
        except PointsError as e:
            st.session_state["playground2d-csv-error"] = str(e)
        else:
            st.session_state.pop("playground2d-csv-error", None)
            loss = exp.loss if custom.kind == CLASSIFICATION else "mse"
            replace(exp.replace(dataset=CUSTOM, loss=loss), custom)
            st.rerun()
    if "playground2d-csv-error" in st.session_state:
        st.error(st.session_state["playground2d-csv-error"], icon=":material/error:")
    return exp


def feature_settings(exp: Experiment) -> Experiment:
    st.markdown("**Features**")
    chosen = tuple(
        name
        for name, (label, _) in FEATURES.items()
        if st.checkbox(label, name in exp.features, key=_key(f"feature-{name}"))
    )
    return exp.replace(features=chosen)


def network_settings(exp: Experiment) -> Experiment:
    st.markdown("**Hidden layers**")
    layers = st.number_input(
        "Hidden layers",
        0,
        MAX_LAYERS,
        len(exp.hidden),
        key=_key("layers"),
        label_visibility="collapsed",
    )
    hidden, activations = [], []
    cols = st.columns(max(1, layers)) if layers else []
    for i in range(layers):
        units = exp.hidden[i] if i < len(exp.hidden) else 4
        act = exp.activations[i] if i < len(exp.activations) else "tanh"
        with cols[i]:
            hidden.append(
                st.number_input(f"Layer {i + 1}", 1, MAX_NEURONS, units, key=_key(f"units-{i}"))
            )
            activations.append(
                st.selectbox(
                    f"Activation {i + 1}",
                    ACTIVATION_CHOICES,
                    index=ACTIVATION_CHOICES.index(act),
                    key=_key(f"act-{i}"),
                    format_func=lambda a: "Linear" if a == "none" else ACTIVATIONS[a].label,
                    label_visibility="collapsed",
                )
            )
    return exp.replace(hidden=tuple(hidden), activations=tuple(activations))


def training_settings(exp: Experiment, kind: str) -> Experiment:
    cols = st.columns(6)
    lr = cols[0].select_slider(
        "Learning rate", LEARNING_RATES, _nearest(exp.lr, LEARNING_RATES), key=_key("lr")
    )
    optimizer = cols[1].selectbox(
        "Optimizer",
        list(OPTIMIZERS),
        index=list(OPTIMIZERS).index(exp.optimizer),
        format_func=lambda o: OPTIMIZERS[o].label,
        key=_key("opt"),
    )
    losses = list(LOSSES) if kind == CLASSIFICATION else ["mse"]
    loss = cols[2].selectbox(
        "Loss",
        losses,
        index=losses.index(exp.loss) if exp.loss in losses else 0,
        format_func=LOSSES.get,
        key=_key("loss"),
    )
    reg = cols[3].selectbox(
        "Regularisation",
        list(REGULARIZATIONS),
        index=list(REGULARIZATIONS).index(exp.regularization),
        format_func=REGULARIZATIONS.get,
        key=_key("reg"),
    )
    rate = cols[4].select_slider(
        "Regularisation rate", REG_RATES, _nearest(exp.reg_rate, REG_RATES), key=_key("rate")
    )
    batch = cols[5].slider("Batch size", 1, 100, exp.batch_size, key=_key("batch"))
    dropout = cols[5].slider("Dropout", 0.0, 0.9, exp.dropout, 0.05, key=_key("dropout"))
    return exp.replace(
        lr=lr,
        optimizer=optimizer,
        loss=loss,
        regularization=reg,
        reg_rate=rate,
        batch_size=batch,
        dropout=dropout,
    )


def _nearest(value: float, choices: list[float]) -> float:
    return min(choices, key=lambda c: abs(c - value))


# --- controls and the live view -------------------------------------------------------------


def controls(run: Trainer) -> None:
    if note := st.session_state.pop(_BUSY, None):
        st.warning(note, icon=":material/hourglass_top:")
    snap = run.snapshot()
    row = st.container(horizontal=True)
    cols = [row, row, row]
    if snap.playing:
        if cols[0].button(
            "Pause", key="playground2d-pause", icon=":material/pause:", type="primary"
        ):
            run.pause()
            st.rerun()
    elif cols[0].button(
        "Play",
        key="playground2d-play",
        icon=":material/play_arrow:",
        type="primary",
        disabled=bool(snap.message),
    ):
        _start(run.play)
    if cols[1].button(
        "One step",
        key="playground2d-step",
        icon=":material/skip_next:",
        disabled=snap.playing or bool(snap.message),
        help="Train one epoch",
    ):
        _start(run.step)
    if cols[2].button(
        "Reset",
        key="playground2d-reset",
        icon=":material/restart_alt:",
        help="Back to epoch 0: the starting weights the seed gives",
    ):
        run.reset(run.exp, run.points)
        st.rerun()


def _start(action) -> None:
    """Play or step, then draw again; a message if the server trains all it takes at once."""
    try:
        action()
    except TrainersBusy as e:
        st.session_state[_BUSY] = str(e)
    st.rerun()


def click_to_add(kind: str) -> float | None:
    """What a click on the plot adds: nothing, or a point with this label."""
    if kind == CLASSIFICATION:
        choice = st.radio(
            "A click on the plot adds",
            ["nothing", "class 0 (orange)", "class 1 (blue)"],
            horizontal=True,
            key="playground2d-click",
        )
        return None if choice == "nothing" else float(choice.startswith("class 1"))
    if not st.toggle("A click on the plot adds a point", key="playground2d-click-regression"):
        return None
    return st.slider("with the value", -1.0, 1.0, 1.0, 0.1, key="playground2d-click-value")


def _added_point(label: float | None) -> tuple[float, float] | None:
    """Where a new click on the boundary chart adds a point, if points are being added."""
    clicked = new_click(BOUNDARY) if label is not None else None
    return (round(float(clicked["x"]), 3), round(float(clicked["y"]), 3)) if clicked else None


def live(run: Trainer, show_test: bool, label: float | None, playing: bool) -> None:
    """Epoch, losses, the boundary and the network, from the trainer's newest snapshot. A click
    on the boundary (a rerun of this fragment only) adds a point with `label`, if given."""
    clicked = _added_point(label)
    if clicked is not None:
        replace(run.exp.replace(dataset=CUSTOM), run.points.with_point(*clicked, label))
        st.rerun(scope="app")
    with run.held() as snap:
        _draw(run, snap, show_test, playing, label is not None)


def _draw(run: Trainer, snap, show_test: bool, playing: bool, clickable: bool) -> None:
    if snap.playing != playing:  # it stopped by itself (diverged, or nobody watched)
        st.rerun(scope="app")
    exp, pts = run.exp, run.points
    cols = st.columns(4)
    cols[0].metric("Epoch", f"{snap.epoch:,}")
    cols[1].metric("Train loss", f"{snap.train_loss[-1]:.4f}")
    cols[2].metric("Test loss", f"{snap.test_loss[-1]:.4f}")
    cols[3].metric(
        "Training speed",
        f"{snap.epochs_per_second:.0f} per second" if snap.playing else "-",
        help="Epochs trained per second",
    )
    if snap.message:
        st.error(snap.message, icon=":material/trending_up:")
    left, right = st.columns([1, 1])
    side, _ = net.plane_grid(50)
    with left:
        st.plotly_chart(
            playground2d_plots.boundary_figure(
                side.tolist(),
                net.over_plane(snap.model, exp, pts.kind),
                pts,
                show_test,
                "Output",
                clickable,
            ),
            key=BOUNDARY,
            on_select="rerun",
            selection_mode="points",
            config={"displayModeBar": False},
        )
        st.plotly_chart(
            playground2d_plots.loss_figure(snap.train_loss, snap.test_loss),
            key="playground2d-loss",
            config={"displayModeBar": False},
        )
    with right:
        names = [FEATURES[n][0] for n in exp.features]
        st.plotly_chart(
            playground2d_plots.network_figure(
                net.neurons_over_plane(snap.model, exp, pts.kind),
                net.weights(snap.model),
                names,
                pts.kind,
            ),
            key="playground2d-network",
            config={"displayModeBar": False},
        )
        st.caption(
            "Each square is what that neuron outputs over the whole plane (blue positive, orange "
            "negative); lines are weights, blue positive, orange negative, thicker for larger. "
            "Hover for values."
        )
