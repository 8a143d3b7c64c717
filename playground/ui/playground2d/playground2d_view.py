"""The Playground 2-D page's pieces: the experiment (kept in the session and in the URL), the
points, the trainer thread, and the live view of the boundary, the losses and the network. The
settings' widgets are playground2d_settings.py's."""

from __future__ import annotations

import time

import streamlit as st

from playground.engine import i18n
from playground.engine.i18n import N_, _
from playground.playground2d import data, net
from playground.playground2d import plots as playground2d_plots
from playground.playground2d.data import CLASSIFICATION, FEATURES, Points
from playground.playground2d.experiment import (
    CUSTOM,
    Experiment,
    ExperimentError,
)
from playground.playground2d.trainer import Trainer, TrainersBusy
from playground.ui.chart_clicks import new_click
from playground.ui.playground2d import playground2d_edit
from playground.ui.sent_figures import SentAsIs
from playground.ui.text import plain

BOUNDARY = "playground2d-boundary"  # the boundary chart's key: its selection holds a click
REFRESH_SECONDS = 0.1  # the boundary is redrawn this often while training
_EXP, _CUSTOM, _TRAINER, _VERSION = (
    "playground2d-exp",
    "playground2d-custom",
    "playground2d-trainer",
    "playground2d-version",
)
_BUSY = "playground2d-busy"  # the message of a Play refused because the server was full
_LINK_ERROR = "playground2d-link-error"  # why the page's link could not be used
POINTS = "pts"  # the query parameter of a user's own points


# --- the experiment, in the session and in the URL --------------------------------------------


def experiment() -> Experiment:
    """The session's experiment; on the first run, the one the URL describes (if any)."""
    if _EXP not in st.session_state:
        exp = Experiment()
        if st.query_params:
            query = st.query_params.to_dict()
            try:
                exp = Experiment.from_query(query)
                if exp.dataset == CUSTOM:
                    st.session_state[_CUSTOM] = data.points_from_link(query.get(POINTS, ""))
            except (ExperimentError, data.PointsError) as e:
                st.session_state[_LINK_ERROR] = str(e)
                exp = Experiment()
        st.session_state[_EXP] = exp
    return st.session_state[_EXP]


def link_warning() -> None:
    """Says why the link's settings could not be used, once."""
    if _LINK_ERROR in st.session_state:
        why = _(st.session_state.pop(_LINK_ERROR))
        st.warning(plain(_("{why} The default experiment is shown instead.").format(why=why)),
                   icon=":material/link_off:")  # fmt: skip


def cannot_run(error: ExperimentError) -> None:
    """Settings that cannot work: say why, and pause the network that was training."""
    st.error(plain(error), icon=":material/error:")
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


def key(name: str) -> str:
    """A widget's key: new whenever the experiment is replaced, so the widgets show it."""
    return f"playground2d-{name}-{st.session_state.get(_VERSION, 0)}"


def has_own_points() -> bool:
    """Whether this session has points of its own (from a CSV or clicks)."""
    return _CUSTOM in st.session_state


def own_kind() -> str | None:
    """The problem of the user's own points (a CSV or clicks), if there are any."""
    return st.session_state[_CUSTOM].kind if _CUSTOM in st.session_state else None


def points(exp: Experiment) -> Points:
    if exp.dataset == CUSTOM and _CUSTOM in st.session_state:
        return st.session_state[_CUSTOM]
    return _generated(exp.dataset, exp.points, exp.noise, exp.train_ratio, exp.points_seed)


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


def sync_url(exp: Experiment, pts: Points) -> None:
    """The experiment in the page's address, with the user's own points when there are few
    enough to carry (data.MAX_LINK_POINTS)."""
    query = exp.to_query()
    if exp.dataset == CUSTOM and (packed := data.points_to_link(pts)) is not None:
        query[POINTS] = packed
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)


# --- controls and the live view -------------------------------------------------------------


def controls(run: Trainer) -> bool:
    """Play or Pause, One step and Reset, for the trainer's state now; whether it plays (the live
    view is drawn for that state, so a stop in between reruns the page and buttons agree)."""
    if note := st.session_state.pop(_BUSY, None):
        st.warning(plain(note), icon=":material/hourglass_top:")
    snap = run.snapshot()
    row = st.container(horizontal=True)
    cols = [row, row, row]
    if snap.playing:
        if cols[0].button(
            _("Pause"), key="playground2d-pause", icon=":material/pause:", type="primary"
        ):
            run.pause()
            st.rerun()
    elif cols[0].button(
        _("Play"),
        key="playground2d-play",
        icon=":material/play_arrow:",
        type="primary",
        disabled=bool(snap.message),
    ):
        _start(run.play)
    if cols[1].button(
        _("One step"),
        key="playground2d-step",
        icon=":material/skip_next:",
        disabled=snap.playing or bool(snap.message),
        help=_("Train one epoch"),
    ):
        _start(run.step)
    if cols[2].button(
        _("Reset"),
        key="playground2d-reset",
        icon=":material/restart_alt:",
        help=_("Back to epoch 0: the starting weights the seed gives"),
    ):
        run.reset(run.exp, run.points)
        st.rerun()
    return snap.playing


NETWORK_TEXT = N_(
    "Each square is what that neuron outputs over the whole plane (blue positive, orange "
    "negative); lines are weights, blue positive, orange negative, thicker for larger; the small "
    "square at a neuron's lower left is its bias, the number added before its activation, which "
    "lets it fire without any input. One scale, -1 to 1, for all of them. Hover for values."
)


NETWORK = "playground2d-network"
_FOCUS = "playground2d-focus"  # (column, neuron) shown in the big view, if any


def _read_network_click() -> None:
    """A click on the network: a neuron goes to the big view; a link or a bias to the editor."""
    clicked = new_click(NETWORK)
    data = clicked.get("customdata") if clicked else None
    if not data:
        return
    if data[0] == "neuron":
        st.session_state[_FOCUS] = (int(data[1]), int(data[2]), str(data[3]))
    elif data[0] in ("link", "bias"):
        st.session_state[playground2d_edit.EDIT] = list(data)


def _focus(snap, exp: Experiment, kind: str):
    """(values over the plane, title, value range) of the neuron clicked, or None."""
    _read_network_click()
    found = st.session_state.get(_FOCUS)
    if found is None:
        return None
    column, j, label = found
    columns = net.neurons_over_plane(snap.model, exp, kind, resolution=50)
    if column >= len(columns) or j >= len(columns[column]):
        _unfocus()
        return None
    last = column == len(columns) - 1
    return (
        columns[column][j],
        _("What {label} outputs").format(label=label),
        None if last else (-1.0, 1.0),
    )


def _unfocus() -> None:
    st.session_state.pop(_FOCUS, None)


def _score(value: float, kind: str) -> str:
    if value != value:  # nan: no points
        return "-"
    return f"{value:.1%}" if kind == CLASSIFICATION else f"{value:.3f}"


def _start(action) -> None:
    """Play or step, then draw again; a message if the server trains all it takes at once."""
    try:
        action()
    except TrainersBusy as e:
        st.session_state[_BUSY] = str(e)
    st.rerun()


_COLOUR_NAMES = (N_("orange"), N_("blue"), N_("green"), N_("purple"), N_("red"), N_("brown"))


def click_to_add(pts: Points) -> float | None:
    """What a click on the plot adds: nothing, or a point with this label."""
    kind = pts.kind
    if kind == CLASSIFICATION:
        names = [_("nothing")] + [
            _("class {k} ({COLOUR_NAMES})").format(k=k, COLOUR_NAMES=_(_COLOUR_NAMES[k]))
            for k in range(pts.classes)
        ]
        choice = st.radio(_("A click on the plot adds"), range(len(names)), horizontal=True,
                          format_func=names.__getitem__, key="playground2d-click")  # fmt: skip
        return None if choice == 0 else float(choice - 1)
    if not st.toggle(_("A click on the plot adds a point"), key="playground2d-click-regression"):
        return None
    return st.slider(_("with the value"), -1.0, 1.0, 1.0, 0.1, key="playground2d-click-value")


def _added_point(label: float | None) -> tuple[float, float] | None:
    """Where a new click on the boundary chart adds a point, if points are being added."""
    clicked = new_click(BOUNDARY) if label is not None else None
    return (round(float(clicked["x"]), 3), round(float(clicked["y"]), 3)) if clicked else None


def live(run: Trainer, label: float | None, playing: bool) -> None:
    """Epoch, losses, the boundary and the network, from the trainer's newest snapshot. A click
    on the boundary (a rerun of this fragment only) adds a point with `label`, if given."""
    clicked = _added_point(label)
    if clicked is not None:
        replace(run.exp.replace(dataset=CUSTOM), run.points.with_point(*clicked, label))
        st.rerun(scope="app")
    with run.held() as snap:
        _draw(run, snap, playing, label is not None)


SLOW_SECONDS = 1.0  # while it plays, the network and the loss curves are rebuilt this often
_KEPT = "playground2d-figures"  # name -> (what it was built for, the figure)


def _kept(name: str, made_for, build):
    """The figure `name` built for `made_for`, kept in the session and built again when that
    changes. The boundary keeps its plane and points (only its values change, a frame at a
    time); the network and the loss curves, whose building costs most, are rebuilt every
    SLOW_SECONDS while training, so the boundary redraws at least five times a second."""
    kept = st.session_state.setdefault(_KEPT, {})
    found, made_for = kept.get(name), (i18n.current(), made_for)  # its words are in a language
    if found is None or found[0] != made_for:
        kept[name] = found = (made_for, SentAsIs.of(build()))
    return found[1]


def _stale(playing: bool):
    """What the slow figures are built for: the moment's slot while it plays (one rebuild each
    SLOW_SECONDS), a fresh object when it does not (every redraw then is a change)."""
    return int(time.monotonic() / SLOW_SECONDS) if playing else object()


def _draw(run: Trainer, snap, playing: bool, clickable: bool) -> None:
    if snap.playing != playing:  # it stopped by itself (diverged, or nobody watched)
        st.rerun(scope="app")
    exp, pts = run.exp, run.points
    cols = st.columns(5)
    cols[0].metric(_("Epoch"), f"{snap.epoch:,}")
    cols[1].metric(_("Train loss"), f"{snap.train_loss[-1]:.4f}")
    cols[2].metric(_("Test loss"), f"{snap.test_loss[-1]:.4f}")
    what = _("accuracy") if pts.kind == CLASSIFICATION else "R²"
    cols[3].metric(
        _("Test {what}").format(what=what), _score(snap.test_score[-1], pts.kind),
        _("train {score}").format(score=_score(snap.train_score[-1], pts.kind)),
        delta_color="off", delta_arrow="off",
        help=_("Share of points on the right side of 0.5") if pts.kind == CLASSIFICATION else
        _("1 - (squared error) / (spread of the targets): 1 is perfect, 0 no better than the "
          "mean"),
    )  # fmt: skip
    cols[4].metric(
        _("Training speed"),
        _("{epochs_per_second:.0f} per second").format(epochs_per_second=snap.epochs_per_second)
        if snap.playing
        else "-",
        help=_("Epochs trained per second"),
    )
    if snap.message:
        st.error(plain(snap.message), icon=":material/trending_up:")
    if snap.note:
        st.info(plain(snap.note), icon=":material/flag:")
    if snap.pruned:
        st.caption(_(
"L1 has dropped {pruned} weight(s) that crossed zero: dashed in the "
"network, they stay 0."
).format(pruned=snap.pruned))  # fmt: skip
    left, right = st.columns([1, 1])
    side = net.plane_grid(50)[0]
    focus = _focus(snap, exp, pts.kind)
    with left:
        if focus is not None:
            values, title, limits = focus
            st.button(_("Back to the output"), key="playground2d-unfocus", on_click=_unfocus,
                      icon=":material/undo:")  # fmt: skip
        else:
            values, title, limits = net.over_plane(snap.model, exp, pts.kind), _("Output"), None
        shape = (title, clickable and focus is None, exp.discretize and focus is None, limits)
        base = _kept(
            "boundary",
            (id(pts), exp.show_test, *shape),
            lambda: playground2d_plots.boundary_base(side.tolist(), pts, exp.show_test, *shape),
        )
        image = playground2d_plots.boundary_image(side, values, pts, shape[2], limits)
        st.plotly_chart(
            base.with_layout(images=[image]),
            key=BOUNDARY,
            on_select="rerun",
            selection_mode="points",
            config={"displayModeBar": False},
        )
        st.plotly_chart(
            _kept(
                "loss",
                _stale(playing),
                lambda: playground2d_plots.loss_figure(snap.train_loss, snap.test_loss),
            ),
            key="playground2d-loss",
            config={"displayModeBar": False},
        )
    with right:
        names = [FEATURES[n][0] for n in exp.features]

        def network():
            return playground2d_plots.network_figure(
                net.neurons_over_plane(snap.model, exp, pts.kind), net.weights(snap.model),
                names, pts.kind, net.biases(snap.model))  # fmt: skip

        st.plotly_chart(
            _kept("network", _stale(playing), network),
            key=NETWORK,
            on_select="rerun",
            selection_mode="points",
            config={"displayModeBar": False},
        )
        playground2d_edit.edit(run)
        if "text" not in exp.hide:
            st.caption(_(NETWORK_TEXT))
