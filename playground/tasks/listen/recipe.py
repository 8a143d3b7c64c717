"""How a listening model is trained, as one table (engine/settings_table.py): which language's
digits, how long, whether each clip is changed a little every time it is heard, the optimizer.
The Listen page's form, the CLI's flags and `ListenConfig` are made from it."""

from __future__ import annotations

from dataclasses import dataclass

from playground.engine.i18n import N_
from playground.engine.optimizers import OPTIMIZERS
from playground.engine.schedules import SCHEDULES
from playground.engine.settings_table import Setting, make_config, run_rows


@dataclass(frozen=True)
class Language:
    label: str
    description: str


LANGUAGES = {
    "both": Language(N_("English and Chinese"), N_("Twenty words, ten digits: zero and 零 are "
                                                   "both 0.")),
    "en": Language(N_("English"), N_("zero to nine, in American and British voices.")),
    "zh": Language(N_("Chinese"), N_("零 to 九, in Mandarin: 一 and 七 differ by one sound.")),
}  # fmt: skip
REGISTRIES = {"languages": LANGUAGES, "optimizers": OPTIMIZERS, "schedules": SCHEDULES}

SETTINGS: tuple[Setting, ...] = (
    Setting("language", str, "both", N_("Language"), N_("Whose digits it learns to hear."),
            choices="languages", widget="select"),
    Setting("epochs", int, 12, N_("Epochs"), N_("Passes over the training clips."), 1, 1000,
            N_("at least one pass")),
    Setting("batch_size", int, 64, N_("Batch size"), N_("Clips per step."), 1, 1024,
            N_("clips per step")),
    Setting("train_limit", int, 0, N_("Train on at most N clips of the app's voices (0: all)"),
            N_("Fewer clips: faster epochs (a fine-tune on your voice mixes in a sample)."), 0,
            1_000_000, N_("0 or more clips")),
    Setting("augment", bool, True, N_("Change each clip a little"),
            N_("Every time a clip is heard: a little faster or slower, earlier or later, "
               "louder or quieter, with new noise, and a band of frequencies and a moment "
               "masked (SpecAugment). The model hears voices it never heard better."),
            widget="toggle"),
    Setting("val_voices", float, 0.1, N_("Validation share of voices"),
            N_("Training voices held back to measure it at each epoch's end (0: none)."), 0.0,
            0.5, N_("a share below 0.5"), step=0.05),
    Setting("optimizer", str, "adamw", N_("Optimizer"), N_("How the weights move."),
            choices="optimizers", place="optimizer", widget="select"),
    Setting("lr", float, 3e-3, N_("Learning rate"), N_("The size of the steps."), 1e-6, 10.0,
            N_("a step size above 0"), place="optimizer", step=1e-4,
            noun=N_("the learning rate")),
    Setting("schedule", str, "one_cycle", N_("Schedule"),
            N_("How the learning rate changes over the steps (or, with a time limit, over the "
               "time)."), choices="schedules", place="optimizer", widget="select"),
    Setting("weight_decay", float, 0.01, N_("Weight decay"),
            N_("Pulls every weight towards 0 a little at each step."), 0.0, 1.0,
            N_("a small share, like 0.1"), place="optimizer", step=0.01),
    *run_rows(N_("Weights, batches and changes all follow it."),
              N_("Weights kept to replay its learning.")),
)  # fmt: skip

ListenConfig = make_config(
    "ListenConfig",
    SETTINGS,
    REGISTRIES,
    N_("training settings"),
    __name__,
    "How a listening model is trained: one field per row of SETTINGS.",
)

# Teaching it one's voice: a few epochs at a low rate on a sample of the app's voices with one's
# recordings mixed in, each heard REPEAT times an epoch (changed anew each time), so that it
# learns the voice without forgetting the others
FINE_TUNE = {"language": "both", "epochs": 3, "lr": 5e-4, "schedule": "constant",
             "augment": True, "val_voices": 0.1, "train_limit": 1500}  # fmt: skip
REPEAT = 10
