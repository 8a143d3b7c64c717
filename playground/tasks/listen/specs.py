"""A listening model's shape, as one table of settings (engine/settings_table.py): its layers
(a small CNN over the log-mel spectrogram as an image, an MLP over all of it at once, or a GRU
reading it frame by frame), its width, and the spectrogram it hears (mel bands and hop). The
form, the CLI's JSON and `ListenSpec` are made from it."""

from __future__ import annotations

from dataclasses import dataclass

from playground.engine.i18n import N_, Text
from playground.engine.records import SpecError
from playground.engine.settings_table import Setting, make_config

WINDOW = 256  # samples in one STFT window (32 ms at 8 kHz)
CLASSES = 10  # the digits 0..9


@dataclass(frozen=True)
class Architecture:
    label: str
    description: str


ARCHITECTURES = {
    "cnn": Architecture(N_("Convolutional (CNN)"), N_(
        "Three blocks of 3x3 convolutions and pooling read the spectrogram as an image: a "
        "sound is found wherever it is in time.")),
    "mlp": Architecture(N_("Fully connected (MLP)"), N_(
        "Two hidden layers see the whole spectrogram at once: each time and frequency has its "
        "own weights, so a digit said a little later looks new.")),
    "gru": Architecture(N_("Recurrent (GRU)"), N_(
        "A gated recurrent unit reads the spectrogram frame by frame, each way, as one listens "
        "through time.")),
}  # fmt: skip


def _name(text: str) -> None:
    if len(text) > 100:
        raise SpecError(Text("The model's name must be at most 100 characters."), field="name")


SPEC_SETTINGS: tuple[Setting, ...] = (
    Setting("architecture", str, "cnn", N_("Layers"), N_("How the model reads the spectrogram."),
            choices="architectures", widget="select"),
    Setting("width", int, 32, N_("Width"),
            N_("A CNN's channels in its first block (twice as many after it); an MLP's or a "
               "GRU's hidden units."), 4, 1024, N_("channels or units"), noun=N_("the width")),
    Setting("mels", int, 40, N_("Mel bands"),
            N_("Rows of the log-mel spectrogram: how finely it tells pitches apart."), 8, 128,
            N_("bands"), noun=N_("mel bands")),
    Setting("hop", int, 128, N_("Hop (samples)"),
            N_("Samples from one frame to the next (128 at 8 kHz: 16 ms): a smaller hop, more "
               "frames."), 32, 256, N_("samples"), noun=N_("the hop")),
    Setting("dropout", float, 0.3, N_("Dropout"),
            N_("The share of the last layer's inputs dropped at each training step."), 0.0, 0.9,
            N_("a share below 0.9"), step=0.05),
    Setting("name", str, "listen-cnn", N_("Name"), N_("What the model is called."),
            widget="text", parse=lambda text: _name(text)),
)  # fmt: skip

REGISTRIES = {"architectures": ARCHITECTURES}
ListenSpec = make_config(
    "ListenSpec",
    SPEC_SETTINGS,
    REGISTRIES,
    N_("model spec"),
    __name__,
    "A listening model's shape: one field per row of SPEC_SETTINGS.",
)


def frames(spec) -> int:
    """Columns of the spectrogram a model of `spec` reads (one second, centred windows)."""
    from playground.datasets.spoken import LENGTH

    return 1 + LENGTH // spec.hop
