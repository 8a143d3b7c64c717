"""The Build page's editor: the layer stack as rows of widgets, edited in place.

The current ModelSpec (ui.state) is the truth; every widget shows a value from it and writes a
change back through a callback, so an edit is in the spec before the page draws the table and
the diagram. Widget keys carry a version that changes when the stack changes shape (add,
remove, move, preset, import), so the widgets are re-created from the new spec then.
"""

from __future__ import annotations

import dataclasses
import math

import streamlit as st

from playground.engine.i18n import N_, _
from playground.engine.memory import PASS_BATCH_MOST, size_text
from playground.engine.records import SpecError
from playground.explain import diagram
from playground.tasks.image import catalog, models
from playground.tasks.image.fit import check_fit, estimate_memory, estimate_pass
from playground.tasks.image.layers import Param, describe
from playground.tasks.image.recipe import TrainConfig
from playground.tasks.image.specs import LayerSpec, ModelSpec
from playground.ui import image_session, state
from playground.ui.text import headed, plain

_HEADERS = (  # the tables' columns, in the catalog (headed shows them)
    N_("layer"),
    N_("output shape"),
    N_("parameters"),
    N_("MACs"),
    N_("memory"),
)

_NEW_KIND = "linear"
NOTES = "build-notes"  # what the last change did, shown above the editor
PAGE_ROWS = 20  # layer rows the editor shows at once: each is a dozen widgets
EMPTY = "empty"  # the "Start from" choice of no layers at all


def _replace_layer(i: int, layer: LayerSpec, *, refresh: bool = False) -> None:
    spec = image_session.spec()
    layers = list(spec.layers)
    layers[i] = layer
    image_session.set_spec(_edited(spec, layers), refresh=refresh)


def _edited(spec: ModelSpec, layers: list[LayerSpec]) -> ModelSpec:
    """The spec with new layers; a preset's name gains '-custom' once it is changed."""
    name = f"{spec.name}-custom" if spec.name in catalog.PRESETS else spec.name
    return dataclasses.replace(spec, layers=tuple(layers), name=name)


def _on_kind(i: int, key: str) -> None:
    kind = catalog.LAYERS[st.session_state[key]]
    _replace_layer(i, LayerSpec(kind.name, {}, kind.activation), refresh=True)


def _on_param(i: int, name: str, key: str) -> None:
    layer = image_session.spec().layers[i]
    params = {**layer.params, name: st.session_state[key]}
    _replace_layer(i, dataclasses.replace(layer, params=params))


def _on_activation(i: int, key: str) -> None:
    layer = image_session.spec().layers[i]
    _replace_layer(i, dataclasses.replace(layer, activation=st.session_state[key]))


def _move(i: int, to: int) -> None:
    spec = image_session.spec()
    layers = list(spec.layers)
    layers.insert(to, layers.pop(i))
    image_session.set_spec(_edited(spec, layers))


def _remove(i: int) -> None:
    spec = image_session.spec()
    layers = list(spec.layers)
    del layers[i]
    image_session.set_spec(_edited(spec, layers))


def _add(kind_key: str, where_key: str) -> None:
    spec = image_session.spec()
    kind = catalog.LAYERS[st.session_state[kind_key]]
    at = st.session_state[where_key]
    layers = list(spec.layers)
    layers.insert(len(layers) if at is None else at, LayerSpec(kind.name, {}, kind.activation))
    image_session.set_spec(_edited(spec, layers))


def _rename(key: str) -> None:
    name = (st.session_state[key] or "").strip()[:100] or "custom"
    image_session.set_spec(dataclasses.replace(image_session.spec(), name=name), refresh=False)


def _fix_flatten() -> None:
    fixed, notes = image_session.spec().with_flatten_inserted()
    image_session.set_spec(fixed)
    st.session_state[NOTES] = notes


def load_preset(key: str) -> None:
    """Replace the model with the preset chosen in widget `key` (EMPTY: no layers), and
    apply the preset's recipe."""
    name = st.session_state[key]
    if name == EMPTY:
        image_session.set_spec(ModelSpec((), name="custom"))
        return
    image_session.set_spec(ModelSpec.from_preset(name))
    recipe = catalog.PRESETS[name].recipe
    defaults = {k: getattr(TrainConfig(), k) for k in ("epochs", "augment")}
    image_session.set_config(dataclasses.replace(image_session.config(), **{**defaults, **recipe}))
    if recipe:
        words = ", ".join(f"{k} = {v}" for k, v in recipe.items())
        st.session_state[NOTES] = [
            _("Training settings follow the preset's recipe: {words}.").format(words=words)
        ]


def problem() -> SpecError | None:
    """Why the current model cannot be trained as it stands, or None."""
    try:
        check_fit(
            image_session.spec(),
            image_session.config(),
            state.manager().settings.memory_budget_bytes,
        )
    except SpecError as e:
        return e
    return None


def editor() -> None:
    """The layer rows, each with its kind, parameters, activation, output shape and buttons."""
    spec, v = image_session.spec(), state.version("build")
    error = problem()
    shapes = _shapes_so_far(spec)
    key = f"name-{v}-{spec.name}"  # a new key when an edit renames a preset
    st.text_input(_("Model name"), spec.name, key=key, on_change=_rename, args=(key,))
    if not spec.layers:
        st.info(_("The model is empty: add a layer below, or start from a preset above."))
    for i in _rows_shown(spec, error):
        layer = spec.layers[i]
        with st.container(border=True):
            _layer_row(i, layer, len(spec.layers), v, shapes[i] if i < len(shapes) else None)
            if error is not None and error.layer == i:
                st.error(plain(error.message), icon=":material/error:")
                if "Flatten" in error.message and spec.with_flatten_inserted()[1]:
                    st.button(
                        _("Fix it: add a Flatten layer"), key=f"fix-{v}-{i}", on_click=_fix_flatten
                    )
    if error is not None and error.layer is None:
        st.error(plain(error.message), icon=":material/error:")
    for note in st.session_state.pop(NOTES, []):
        st.info(plain(note))
    _add_row(spec, v)


def _rows_shown(spec: ModelSpec, error: SpecError | None) -> range:
    """The layers the editor shows: all of them, or for a deep model one page of PAGE_ROWS
    (the page with the layer at fault first), chosen above the rows."""
    count = len(spec.layers)
    if count <= PAGE_ROWS:
        return range(count)
    pages = [range(start, min(start + PAGE_ROWS, count)) for start in range(0, count, PAGE_ROWS)]
    at_fault = error.layer // PAGE_ROWS if error is not None and error.layer is not None else 0
    page = st.selectbox(
        _("Layers shown ({count} in all)").format(count=count),
        range(len(pages)),
        index=at_fault,
        format_func=lambda p: _("Layers {first}-{last}").format(
            first=pages[p].start + 1, last=pages[p].stop
        ),
        key=f"build-page-{state.version('build')}",
    )
    return pages[page]


def _layer_row(i: int, layer: LayerSpec, count: int, v: int, shape: tuple | None) -> None:
    kind = catalog.LAYERS.get(layer.kind)
    cols = st.columns([4, 4, 3], vertical_alignment="bottom", gap="small")
    key = f"kind-{v}-{i}"
    cols[0].selectbox(
        _("Layer {value}").format(value=i + 1),
        list(catalog.LAYERS),
        index=list(catalog.LAYERS).index(layer.kind) if kind else None,
        format_func=lambda k: _(catalog.LAYERS[k].label),
        key=key,
        on_change=_on_kind,
        args=(i, key),
        help=_(kind.description) if kind else None,
    )
    key = f"act-{v}-{i}"
    cols[1].selectbox(
        _("Activation"),
        list(catalog.ACTIVATIONS),
        index=list(catalog.ACTIVATIONS).index(layer.activation)
        if layer.activation in catalog.ACTIVATIONS
        else None,
        format_func=lambda a: _(catalog.ACTIVATIONS[a].label),
        key=key,
        on_change=_on_activation,
        args=(i, key),
    )
    buttons = cols[2].container(horizontal=True, gap="small")
    for icon, what, to, off in (
        ("arrow_upward", _("Move up"), i - 1, i == 0),
        ("arrow_downward", _("Move down"), i + 1, i == count - 1),
    ):
        buttons.button(f":material/{icon}:", key=f"{icon}-{v}-{i}", help=what, disabled=off,
                   on_click=_move, args=(i, to))  # fmt: skip
    buttons.button(":material/delete:", key=f"del-{v}-{i}", help=_("Remove this layer"),
                   on_click=_remove, args=(i,))  # fmt: skip
    if kind is not None and kind.params:
        pcols = st.columns(4, gap="small")
        for col, param in zip(pcols, kind.params, strict=False):
            _param_input(col, i, param, layer.params.get(param.name, param.default), v)
    if shape is not None:
        st.caption(_("Output: {shape}").format(shape=_(describe(shape))))


def _param_input(col, i: int, param: Param, value, v: int) -> None:
    key = f"param-{v}-{i}-{param.name}"
    label = _(param.label)
    args = (i, param.name, key)
    if param.kind is bool:
        col.checkbox(
            label, bool(value), key=key, on_change=_on_param, args=args, help=_(param.help)
        )
        return
    number = (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and (abs(value) <= 2**53 and math.isfinite(value))
    )
    is_int = param.kind is int and (not number or value == int(value))
    col.number_input(
        label,
        # No min or max: the browser would keep an out-of-range number red in the field, say
        # why only on hover and in its own English, and leave the model as it was. The value
        # goes to the model, and the page says in words which layer is wrong and why.
        value=(int(value) if is_int else float(value)) if number else None,
        step=1 if is_int else 0.05,
        format=None if is_int else "%.2f",
        key=key,
        on_change=_on_param,
        args=args,
        help=_(param.help),
        placeholder=_("auto") if param.optional else _("needs a value"),  # help says what
    )


def _add_row(spec: ModelSpec, v: int) -> None:
    cols = st.columns([3, 3, 2], vertical_alignment="bottom")
    kind_key, where_key = f"add-kind-{v}", f"add-where-{v}"
    cols[0].selectbox(
        _("New layer"),
        list(catalog.LAYERS),
        index=list(catalog.LAYERS).index(_NEW_KIND),
        format_func=lambda k: _(catalog.LAYERS[k].label),
        key=kind_key,
    )
    cols[1].selectbox(
        _("Position"),
        [None, *range(len(spec.layers))],
        format_func=lambda at: (
            _("at the end") if at is None else _("before layer {n}").format(n=at + 1)
        ),
        key=where_key,
    )
    cols[2].button(
        _("Add layer"),
        key=f"add-{v}",
        on_click=_add,
        args=(kind_key, where_key),
        icon=":material/add:",
    )


def _shapes_so_far(spec: ModelSpec) -> tuple:
    """Output shapes of the layers before the first one that does not work."""
    try:
        return spec.validate()
    except SpecError as e:
        if not e.layer:
            return ()
        try:
            return dataclasses.replace(spec, layers=spec.layers[: e.layer]).validate()
        except SpecError:
            return ()


def summary_table_and_diagram(frozen: set[int] = frozenset()) -> None:
    """Per-layer table (output shape, parameters, MACs, totals; `frozen` layers marked) and the
    diagram, for the part of the model that validates."""
    spec = image_session.spec()
    shapes = _shapes_so_far(spec)
    if not shapes:
        st.caption(_("The table and diagram appear once the first layer works."))
        return
    good = dataclasses.replace(spec, layers=spec.layers[: len(shapes)])
    summary = models.summarize(good)
    config = image_session.config()
    memory = estimate_memory(good, config.batch_size, config.optimizer)
    rows = [
        {
            "#": str(r.index),
            "layer": r.label,
            "output shape": " x ".join(map(str, r.output_shape)),
            "parameters": r.params,
            "MACs": r.macs,
            "memory": size_text(m.saved_per_image * config.batch_size),
            **({"frozen": _("frozen") if r.index - 1 in frozen else ""} if frozen else {}),
        }
        for r, m in zip(summary.layers, memory.layers, strict=True)
    ]
    rows.append(
        {
            "#": "",
            "layer": _("Total"),
            "output shape": "",
            "parameters": summary.total_params,
            "MACs": summary.total_macs,
            "memory": size_text(memory.total),
        }
    )
    st.dataframe(
        rows,
        hide_index=True,
        column_config=headed(
            rows,
            {
                "#": st.column_config.TextColumn(width=30),
                "parameters": st.column_config.NumberColumn(format="localized"),
                "MACs": st.column_config.NumberColumn(
                    format="compact", help=_("multiply-accumulates per image")
                ),
                "memory": st.column_config.TextColumn(
                    help=_(
                        "What each layer keeps for the backward pass with a batch of "
                        "{batch_size}; the total is one whole training step (see below)."
                    ).format(batch_size=config.batch_size)
                ),
            },
        ),
        key=f"summary-{state.version('build')}-{len(rows)}",
    )
    if len(shapes) < len(spec.layers):
        st.caption(
            _("Layers {value} on are left out until the error above is fixed.").format(
                value=len(shapes) + 1
            )
        )
    optimizer = _(catalog.OPTIMIZERS[memory.optimizer].label)
    budget = state.manager().settings.memory_budget_bytes
    st.caption(
        _(
            "One training step with a batch of {batch_size} and {optimizer} needs "
            "about {total}: {activations} of activations kept for the backward pass, "
            "{backward_extra} for the gradients flowing back, and {fixed} for the "
            "weights, their gradients and {optimizer2}'s state. This server allows "
            "{budget} per job."
        ).format(
            batch_size=memory.batch_size,
            optimizer=optimizer,
            total=size_text(memory.total),
            activations=size_text(memory.activations),
            backward_extra=size_text(memory.backward_extra),
            fixed=size_text(memory.fixed),
            optimizer2=optimizer,
            budget=size_text(budget),
        )
    )
    passes = estimate_pass(good)
    batch = passes.largest_batch(budget)
    if batch:
        st.caption(
            _(
                "Validation, the test set and the pages' passes (no gradients) take "
                "{batch:,} images at a time, the most that fit (at most "
                "{PASS_BATCH_MOST:,}): about {at}, {per_input} per image at the busiest "
                "layer."
            ).format(
                batch=batch,
                PASS_BATCH_MOST=PASS_BATCH_MOST,
                at=size_text(passes.at(batch)),
                per_input=size_text(passes.per_input),
            )
        )
    st.plotly_chart(
        diagram.network_figure(summary), key="network-diagram", config={"displayModeBar": False}
    )
