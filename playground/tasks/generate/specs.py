"""A generative model's shape, as one table of settings (engine/settings_table.py): its family,
its width, its latent size and whether it is told the class. The Generate page's form, the
CLI's JSON and `GenSpec` are made from it."""

from __future__ import annotations

from dataclasses import dataclass

from playground.engine.i18n import N_, Text
from playground.engine.records import SpecError
from playground.engine.settings_table import Setting, make_config


def _name(text: str) -> None:
    if len(text) > 100:
        raise SpecError(Text("The model's name must be at most 100 characters."), field="name")


@dataclass(frozen=True)
class Family:
    label: str
    description: str


FAMILIES = {
    "vae": Family(
        N_("Variational autoencoder (VAE)"),
        N_(
            "An encoder squeezes each image into a few numbers, a decoder draws it back; "
            "numbers drawn at random make new images."
        ),
    ),
}
IMAGE = (1, 28, 28)  # what every family makes: MNIST-sized grey images
PIXELS = IMAGE[0] * IMAGE[1] * IMAGE[2]
CLASSES = 10

SPEC_SETTINGS: tuple[Setting, ...] = (
    Setting("family", str, "vae", N_("Family"), N_("What kind of generative model it is."),
            choices="families", widget="select"),
    Setting("hidden", int, 400, N_("Hidden units"),
            N_("The width of the encoder's and the decoder's hidden layer."), 8, 2048,
            N_("units in the hidden layer"), noun=N_("hidden units")),
    Setting("latent", int, 2, N_("Latent size"),
            N_("Numbers that describe one image. With 2, the page draws the whole latent "
               "space."), 1, 64, N_("numbers per image"), noun=N_("latent size")),
    Setting("conditional", bool, False, N_("Told the class"),
            N_("The model is given the digit, so it can make the one you ask for."),
            widget="toggle"),
    Setting("name", str, "vae", N_("Name"), N_("What the model is called."), widget="text",
            parse=lambda text: _name(text)),
)  # fmt: skip

GenSpec = make_config(
    "GenSpec",
    SPEC_SETTINGS,
    {"families": FAMILIES},
    N_("model spec"),
    __name__,
    "A generative model's shape: one field per row of SPEC_SETTINGS.",
)
