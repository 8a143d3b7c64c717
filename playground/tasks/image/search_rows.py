"""What a hyperparameter search may vary in an image classifier besides its training settings:
the dropout of its model (every dropout layer's share, or one added before the last layer of a
model that has none)."""

from __future__ import annotations

import dataclasses

from playground.engine.i18n import N_
from playground.engine.settings_table import Setting
from playground.tasks.image.specs import LayerSpec, ModelSpec

DROPOUT = Setting(
    "dropout", float, 0.0, N_("Dropout"),
    N_("The share of a layer's outputs switched off at random at each step: every dropout "
       "layer's, or one added before the last layer."), 0.0, 0.9, N_("a share from 0 to 0.9"),
    noun=N_("dropout"),
)  # fmt: skip
ROWS = (DROPOUT,)


def with_dropout(spec: ModelSpec, p: float) -> ModelSpec:
    """`spec` with every dropout layer at `p`; one at `p` before its last layer if it has none
    (and none added for p = 0)."""
    layers = list(spec.layers)
    if any(layer.kind == "dropout" for layer in layers):
        layers = [dataclasses.replace(x, params={**x.params, "p": p}) if x.kind == "dropout"
                  else x for x in layers]  # fmt: skip
    elif p > 0:
        layers.insert(len(layers) - 1, LayerSpec("dropout", {"p": p}, "none"))
    return dataclasses.replace(spec, layers=tuple(layers))
