"""How to train a language model, as one table (engine/settings_table.py): what it reads and in
what tokens, how long, the optimizer, how often it is measured and writes a sample. The
Language page's form, the CLI's flags and `LanguageConfig` are made from it."""

from __future__ import annotations

from playground.engine import privacy
from playground.engine.i18n import N_
from playground.engine.optimizers import OPTIMIZERS
from playground.engine.schedules import SCHEDULES
from playground.engine.settings_table import MAX_SEED, Setting, make_config
from playground.tasks.language.corpora import CORPORA, OWN, OWN_TEXT
from playground.tasks.language.tokens import KINDS

REGISTRIES = {
    "corpora": {**CORPORA, OWN: OWN_TEXT},
    "tokenizers": KINDS,
    "optimizers": OPTIMIZERS,
    "schedules": SCHEDULES,
}

SETTINGS: tuple[Setting, ...] = (
    # what to read, and in what tokens
    Setting(
        "corpus",
        str,
        "shakespeare",
        N_("Corpus"),
        N_("The text the model learns from."),
        choices="corpora",
        widget="select",
    ),
    Setting(
        "tokenizer",
        str,
        "char",
        N_("Tokens"),
        N_("How text is cut into tokens."),
        choices="tokenizers",
        widget="select",
    ),
    Setting(
        "vocab_size",
        int,
        512,
        N_("Vocabulary (byte-pair)"),
        N_(
            "Tokens byte-pair encoding "
            "learns from the corpus: more, and each token is a longer piece of a word."
        ),
        260,
        16_384,
        N_("at least the 256 bytes and a few merges"),
        step=64,
        needs=("tokenizer", "bpe"),
    ),
    Setting(
        "steps",
        int,
        2000,
        N_("Steps"),
        N_("Optimizer steps to train."),
        1,
        1_000_000,
        N_("at least one step"),
    ),
    Setting(
        "batch_size",
        int,
        12,
        N_("Batch size"),
        N_("Sequences of `context` tokens per step."),
        1,
        4096,
        N_("sequences per step"),
    ),
    # the optimizer
    Setting(
        "optimizer",
        str,
        "adamw",
        N_("Optimizer"),
        N_("How the weights move."),
        choices="optimizers",
        place="optimizer",
        widget="select",
    ),
    Setting(
        "lr",
        float,
        1e-3,
        N_("Learning rate"),
        N_("The size of the steps (the peak, after warm-up)."),
        1e-6,
        10.0,
        N_("a step size above 0"),
        place="optimizer",
        step=1e-4,
        noun=N_("the learning rate"),
    ),
    Setting(
        "schedule",
        str,
        "constant",
        N_("Schedule"),
        N_("How the learning rate changes over the steps (or, with a time limit, over the time)."),
        choices="schedules",
        place="optimizer",
        widget="select",
    ),
    Setting(
        "warmup_steps",
        int,
        0,
        N_("Warm-up steps"),
        N_("The learning rate rises from ~0 over this many steps."),
        0,
        100_000,
        N_("steps"),
        place="optimizer",
    ),
    Setting(
        "weight_decay",
        float,
        0.0,
        N_("Weight decay"),
        N_("Pulls every weight towards 0 a little at each step."),
        0.0,
        1.0,
        N_("a small share, like 0.1"),
        place="optimizer",
        step=0.01,
    ),
    # the run
    Setting(
        "eval_every",
        int,
        250,
        N_("Measure every N steps"),
        N_("Validation loss (and a sample) every this many steps."),
        1,
        1_000_000,
        N_("steps"),
        place="run",
    ),
    Setting(
        "seed",
        int,
        0,
        N_("Seed"),
        N_("Weights, batches and samples all follow it."),
        0,
        MAX_SEED,
        N_("any whole number from 0"),
        place="run",
    ),
    Setting(
        "device",
        str,
        "auto",
        N_("Device"),
        N_("auto: cuda > mps > cpu."),
        choices="devices",
        place="run",
        widget="select",
    ),
    # More settings
    Setting(
        "time_limit",
        float,
        0.0,
        N_("Stop after N seconds (0: the steps)"),
        N_(
            "Training stops "
            "after this many seconds of training (however many steps that is: the time replaces "
            "Steps), then validation is measured; the schedule then follows the time, as if the "
            "steps were spread over it."
        ),
        0.0,
        86_400.0,
        N_("seconds"),
        place="more-1",
    ),
    Setting(
        "eval_batches",
        int,
        20,
        N_("Validation batches"),
        N_("Batches the validation loss is the mean of."),
        1,
        10_000,
        N_("batches"),
        place="more-1",
    ),
    Setting(
        "sample_length",
        int,
        200,
        N_("Sample length"),
        N_("Tokens of each sample of the timeline."),
        0,
        2000,
        N_("tokens (0: no samples)"),
        place="more-1",
    ),
    Setting(
        "mask_share",
        float,
        0.15,
        N_("Masked share (BERT)"),
        N_("Share of the tokens hidden for a masked model to guess."),
        0.01,
        0.9,
        N_("a share of the tokens"),
        place="more-2",
        widget="slider",
        step=0.01,
    ),
    Setting(
        "grad_clip",
        float,
        1.0,
        N_("Gradient clipping"),
        N_("The gradient's norm is cut to this (0: not clipped)."),
        0.0,
        1000.0,
        N_("a norm, 0 for none"),
        place="more-2",
    ),
    Setting(
        "gpu_fast_path",
        bool,
        True,
        N_("GPU fast path (bf16, fewer host syncs)"),
        N_("On a CUDA GPU: bf16 autocast and the loss read back every few steps."),
        place="more-2",
        widget="toggle",
    ),
    Setting(
        "compile",
        bool,
        False,
        N_("torch.compile"),
        N_("Compile the model first (slower start, maybe faster steps)."),
        place="more-2",
        widget="toggle",
    ),
    *privacy.SETTINGS,  # differential privacy, as image models have it
)
BY_NAME = {s.name: s for s in SETTINGS}

LanguageConfig = make_config(
    "LanguageConfig",
    SETTINGS,
    REGISTRIES,
    N_("language training config"),
    __name__,
    "How to train a language model: one field per row of SETTINGS, with its default.",
)
