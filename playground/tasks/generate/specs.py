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
    "gan": Family(
        N_("Generative adversarial network (GAN)"),
        N_(
            "A generator turns noise into images and a discriminator learns to tell them from "
            "real ones; each trains against the other."
        ),
    ),
    "diffusion": Family(
        N_("Diffusion model"),
        N_(
            "It learns to take the noise out of a noised digit, level by level; started from "
            "pure noise, it draws a digit in a few steps."
        ),
    ),
}
ARCHITECTURES = {  # a VAE's layers
    "mlp": Family(N_("Fully connected"), N_("One hidden layer of the width's units each way, "
                                            "as pytorch/examples' VAE.")),
    "conv": Family(N_("Convolutional"), N_("Two strided convolutions each way (the width's "
                                           "channels, then twice as many); sharper strokes.")),
}  # fmt: skip
SCHEDULES = {  # how a digit becomes noise, level by level
    "cosine": Family(N_("Cosine (DDPM)"), N_("The signal fades slowly at first and last "
                                             "(Nichol and Dhariwal, 2021); predicts the noise.")),
    "linear": Family(N_("Linear (DDPM)"), N_("The original DDPM's noise steps, from 0.0001 to "
                                             "0.02 (Ho et al., 2020); predicts the noise.")),
    "flow": Family(N_("Flow matching"), N_("A straight line from the digit to the noise; "
                                           "predicts the velocity along it (Lipman et al., "
                                           "2023).")),
}  # fmt: skip
IMAGE = (1, 28, 28)  # what every family makes: MNIST-sized grey images
PIXELS = IMAGE[0] * IMAGE[1] * IMAGE[2]
CLASSES = 10

SPEC_SETTINGS: tuple[Setting, ...] = (
    Setting("family", str, "vae", N_("Family"), N_("What kind of generative model it is."),
            choices="families", widget="select"),
    Setting("hidden", int, 400, N_("Width"),
            N_("A VAE's hidden units; a GAN's or a diffusion model's channels at full size (a "
               "multiple of 8 for a diffusion model)."), 8, 2048, N_("units or channels"),
            noun=N_("the width")),
    Setting("latent", int, 2, N_("Latent size"),
            N_("A VAE's numbers that describe one image (with 2, the page draws the whole "
               "latent space); a GAN's noise size."), 1, 64, N_("numbers per image"),
            noun=N_("latent size")),
    Setting("timesteps", int, 1000, N_("Noise levels"),
            N_("A diffusion model's steps from a digit to pure noise (it samples in fewer)."),
            10, 4000, N_("noise levels"), noun=N_("noise levels")),
    Setting("architecture", str, "mlp", N_("Layers"),
            N_("A VAE's encoder and decoder: fully connected, or convolutional."),
            choices="architectures", widget="select"),
    Setting("schedule", str, "cosine", N_("Noise schedule"),
            N_("How a diffusion model's digit becomes noise, level by level (flow matching: a "
               "straight line)."), choices="schedules", widget="select"),
    Setting("conditional", bool, False, N_("Told the class"),
            N_("The model is given the digit, so it can make the one you ask for."),
            widget="toggle"),
    Setting("name", str, "vae", N_("Name"), N_("What the model is called."), widget="text",
            parse=lambda text: _name(text)),
)  # fmt: skip

REGISTRIES = {"families": FAMILIES, "schedules": SCHEDULES, "architectures": ARCHITECTURES}
GenSpec = make_config(
    "GenSpec",
    SPEC_SETTINGS,
    REGISTRIES,
    N_("model spec"),
    __name__,
    "A generative model's shape: one field per row of SPEC_SETTINGS.",
)
