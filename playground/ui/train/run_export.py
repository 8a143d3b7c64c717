"""Take a run with you, from the runs table: its training script, its ONNX file (checked
against onnxruntime first) and its bundle; and bring a bundle back in as one of your runs."""

from __future__ import annotations

import logging

import streamlit as st

from playground.engine.i18n import _
from playground.engine.memory import size_text
from playground.engine.records import SpecError
from playground.exchange import bundle_import, bundles
from playground.exchange.run_files import WEIGHTS
from playground.exchange.runs import Run, default_runs_dir, load_run
from playground.tasks.image.export import pretrained
from playground.ui import state, uploads
from playground.ui.text import plain

_MADE = "runs-export"  # (run path, "onnx" | "bundle") the user asked for
logger = logging.getLogger(__name__)
_IMPORTED = "runs-imported"  # upload ids already imported, so a rerun does not import again


@st.cache_data(max_entries=8, show_spinner=False)
def _onnx(path: str, _version: float) -> tuple[bytes | None, str]:
    """(ONNX bytes, the check in words) or (None, why not); once per run and weights file."""
    try:
        run = load_run(path)
        exported = run.task.onnx(run)
    except SpecError as e:
        return None, e.message
    return exported.data, exported.check_text


@st.cache_data(max_entries=4, show_spinner=False)
def _bundle(path: str, _version: float) -> tuple[bytes | None, str]:
    try:
        return bundles.make_bundle(load_run(path), memory_budget=state.memory_budget()), ""
    except SpecError as e:
        return None, e.message


def _version(run: Run) -> float:
    file = run.path / WEIGHTS
    return file.stat().st_mtime if file.exists() else 0.0


def take_away(run: Run, key: str = "run") -> None:
    """The export buttons of one run (`key` tells two sets on one page apart)."""
    st.caption(_("Take it with you"))
    row = st.container(horizontal=True, vertical_alignment="bottom")
    script = run.task.script(run)  # a few kB of text (None: its task writes none)
    if script is not None:
        row.download_button(
            _("Download training script"),
            script,
            file_name=run.task.script_name(run),
            mime="text/x-python",
            key=f"{key}-script",
            icon=":material/code:",
            on_click="ignore",
            help=_("One Python file that trains this model the way this run did."),
        )
    if not run.has_weights:
        st.caption(_("ONNX and bundles need saved weights: this run has none yet."))
        return
    for kind, label in (("onnx", _("Export to ONNX")), ("bundle", _("Make a bundle"))):
        if kind == "onnx" and not run.task.exports_onnx:  # what its task cannot do is not offered
            continue
        row.button(label, key=f"{key}-make-{kind}", on_click=_ask, args=(run, kind),
                   icon=":material/package_2:")  # fmt: skip
    asked = st.session_state.get(_MADE, ())
    if asked and asked[0] == str(run.path):
        _offer(run, asked[1], key)


def pretrained_box() -> None:
    """The pretrained model, to take away like a run."""
    run = pretrained.run()
    title = _("Take the pretrained model with you ({name}, {accuracy} on MNIST)").format(
        name=run.spec.name, accuracy=f"{pretrained.test_accuracy():.2%}"
    )
    with st.expander(title):
        take_away(run, key="pretrained")


def _ask(run: Run, kind: str) -> None:
    st.session_state[_MADE] = (str(run.path), kind)


def _offer(run: Run, kind: str, key: str) -> None:
    with st.spinner(_("Exporting and checking (a few seconds)...")):
        made = (_onnx if kind == "onnx" else _bundle)(str(run.path), _version(run))
    content, words = made
    if content is None:
        st.error(plain(_(words)), icon=":material/error:")
        return
    if kind == "onnx":
        st.download_button(
            _("Download ONNX"), content, file_name=f"{run.name}.onnx", key=f"{key}-onnx",
            mime="application/octet-stream", icon=":material/download:", on_click="ignore",
        )  # fmt: skip
        st.caption(
            _(words)
            + " "
            + _("It opens in Netron ({netron}) and in onnxruntime.").format(netron=bundles.NETRON)
        )
    else:
        st.download_button(
            _("Download bundle"), content, file_name=bundles.file_name(run), key=f"{key}-bundle",
            mime="application/zip", icon=":material/download:", on_click="ignore",
        )  # fmt: skip
        st.caption(
            _(
                "One zip ({size}): the run, its weights, an ONNX file, a training script and a "
                "model card. Another playground imports it as a run."
            ).format(size=size_text(len(content)))
        )


def import_box() -> str | None:
    """The upload box for a run bundle; what happened, in words, or None."""
    upload = uploads.uploader(
        _("Import a run bundle (.zip)"),
        ["zip"],
        "runs-import",
        help=_('A zip from "Download bundle": it becomes one of your runs.'),
    )
    if upload is None:
        return None
    done = st.session_state.setdefault(_IMPORTED, {})
    if upload.file_id in done:
        return None
    done[upload.file_id] = True  # before reading: an upload that failed is not read again
    try:
        run = bundle_import.import_bundle(
            upload.getvalue(),
            default_runs_dir(),
            state.owner(),
            upload.name,
            limits=state.manager().settings,
        )
    except SpecError as e:
        return e.message
    except Exception:
        logger.exception("importing bundle %r failed", upload.name)
        return _("{name} could not be read as a run bundle. Nothing was imported.").format(
            name=upload.name
        )
    state.bump("runs")
    return _("Imported {name} as your run {name2}.").format(name=upload.name, name2=run.name)
