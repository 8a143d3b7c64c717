"""A listening model's card (README.md of its bundle): what it is, what it heard, and how well
it hears voices it never heard, in each language."""

from __future__ import annotations

from playground.engine.cost import cost_text
from playground.engine.i18n import _
from playground.tasks.listen.recipe import LANGUAGES
from playground.tasks.listen.specs import ARCHITECTURES, WINDOW


def model_card(run, files: dict[str, str]) -> str:
    spec, config, s = run.spec, run.config, run.summary
    language = LANGUAGES.get(config.language)
    lines = [
        f"# {(s.get('name') or spec.name)[:80]}", "",
        _("A model that hears spoken digits, made in Deep Learning Playground: run `{run}`, "
          "{status}.").format(run=run.name, status=_(s.get("status", "unfinished"))), "",
        _("## The model"), "",
        _("{layers}: width {width}, {parameters} parameters. {about}").format(
            layers=_(ARCHITECTURES[spec.architecture].label), width=spec.width,
            parameters=f"{s.get('parameters', 0):,}",
            about=_(ARCHITECTURES[spec.architecture].description)), "",
        _("It hears a one-second clip at 8 kHz as a log-mel spectrogram: {mels} mel bands, a "
          "window of {window} samples every {hop} samples, normalised per clip.").format(
            mels=spec.mels, window=WINDOW, hop=spec.hop), "",
        _("## Data"), "",
        _("The app's spoken digits in {language} (synthetic voices of espeak-ng), {epochs} "
          "epochs of batches of {batch}{changed}.").format(
            language=_(language.label) if language else config.language,
            epochs=config.epochs, batch=config.batch_size,
            changed=_(", each clip changed a little each time") if config.augment else ""), "",
        _("## How well it hears"), "",
        _("On the test voices, which it never heard:"), "",
    ]  # fmt: skip
    for key, label in (("test_accuracy", _("all")), ("en_accuracy", _("English")),
                       ("zh_accuracy", _("Chinese"))):  # fmt: skip
        if isinstance(s.get(key), float):
            lines.append(f"- {label}: **{s[key]:.2%}**")
    lines.append("")
    if cost_text(s):
        lines += [_("It cost {cost} (FLOPs counted; energy and CO2 estimated).").format(
            cost=cost_text(s)), ""]  # fmt: skip
    lines += ["![" + _("Loss curves") + "](curves.png)", "", _("## The files"), ""]
    lines += [f"- `{name}`: {what}" for name, what in files.items()]
    return "\n".join(lines) + "\n"
