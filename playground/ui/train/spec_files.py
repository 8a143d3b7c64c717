"""Build's "Import / export": the current model as a spec JSON file to download, and a spec
file to upload (checked: a bad one gets a message in words, and the model is kept)."""

from __future__ import annotations

import streamlit as st

from playground.engine.i18n import Text, _
from playground.engine.records import SpecError
from playground.tasks.image import catalog
from playground.tasks.image.specs import ModelSpec
from playground.ui import image_session, uploads
from playground.ui.text import plain
from playground.ui.train.layer_editor import NOTES

_IMPORTED = "build-imported"  # (file id, error) of the last spec file read


def import_export() -> None:
    """Upload a spec JSON file (checked; a bad one gets a message) or download the current one."""
    spec = image_session.spec()
    st.download_button(
        _("Export spec (JSON)"),
        spec.to_json(),
        file_name=f"{spec.name}.json",
        mime="application/json",
        icon=":material/download:",
    )
    upload = uploads.uploader(_("Import a spec (JSON)"), ["json"], "spec-upload")
    if upload is None:
        return
    done = st.session_state.get(_IMPORTED)  # (file id, error) of the last upload read
    if done is None or done[0] != upload.file_id:
        try:
            imported = read_spec(upload.getvalue())
        except SpecError as e:
            done = (
                upload.file_id,
                _("{name} was not imported: {why}").format(name=upload.name, why=_(str(e))),
            )
        else:
            image_session.set_spec(imported)
            st.session_state[NOTES] = [
                _("Imported {model} from {file}.").format(model=imported.name, file=upload.name)
            ]
            st.session_state[_IMPORTED] = (upload.file_id, None)
            st.rerun()  # draw the editor again, from the imported model
        st.session_state[_IMPORTED] = done
    if done[1]:
        st.error(plain(done[1]), icon=":material/error:")


def read_spec(data: bytes) -> ModelSpec:
    """A spec from an uploaded file; it may have wrong values (shown in the editor), but every
    layer kind and activation must be one the editor knows."""
    if len(data) > 1_000_000:
        raise SpecError(Text("The file is larger than 1 MB; a model spec is a few KB of JSON."))
    spec = ModelSpec.from_json(data)
    for i, layer in enumerate(spec.layers):
        if layer.kind not in catalog.LAYERS:
            raise SpecError(
                Text(
                    "Layer {value} has the kind {kind!r}, which the playground does not "
                    "have; use one of {join}.",
                    value=i + 1,
                    kind=layer.kind,
                    join=", ".join(catalog.LAYERS),
                )
            )
        if layer.activation not in catalog.ACTIVATIONS:
            raise SpecError(
                Text(
                    "Layer {value} has the activation {activation!r}, which the playground "
                    "does not have; use one of {join}.",
                    value=i + 1,
                    activation=layer.activation,
                    join=", ".join(catalog.ACTIVATIONS),
                )
            )
    if tuple(spec.input_shape) != (1, 28, 28):
        raise SpecError(
            Text(
                "The spec is for inputs of shape {input_shape}; the Build page makes "
                "models for 28x28 grey images ([1, 28, 28]).",
                input_shape=list(spec.input_shape),
            )
        )
    return spec
