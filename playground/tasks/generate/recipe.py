"""How to train a generative model, as one table (engine/settings_table.py): the images it
learns from, how long, the optimizer, the weight of its KL term. The Generate page's form, the
CLI's flags and `GenerateConfig` are made from it."""

from __future__ import annotations

from playground.datasets.image_sets import DATASETS
from playground.engine.i18n import N_
from playground.engine.optimizers import OPTIMIZERS
from playground.engine.schedules import SCHEDULES
from playground.engine.settings_table import Setting, make_config, run_rows

# the sets of 28x28 grey images with ten classes: the same loaders as the classifiers'
IMAGE_SETS = {n: d for n, d in DATASETS.items() if d.input_shape == (1, 28, 28)
              and len(d.classes) == 10}  # fmt: skip
REGISTRIES = {"datasets": IMAGE_SETS, "optimizers": OPTIMIZERS, "schedules": SCHEDULES}

SETTINGS: tuple[Setting, ...] = (
    Setting("dataset", str, "mnist", N_("Dataset"), N_("The images it learns to make."),
            choices="datasets", widget="select"),
    Setting("epochs", int, 5, N_("Epochs"), N_("Passes over the training images."), 1, 1000,
            N_("at least one pass")),
    Setting("batch_size", int, 128, N_("Batch size"), N_("Images per step."), 1, 4096,
            N_("images per step")),
    Setting("train_limit", int, 0, N_("Train on at most N images (0: all)"),
            N_("Fewer images: faster epochs."), 0, 10_000_000, N_("0 or more images")),
    Setting("optimizer", str, "adam", N_("Optimizer"), N_("How the weights move."),
            choices="optimizers", place="optimizer", widget="select"),
    Setting("lr", float, 1e-3, N_("Learning rate"), N_("The size of the steps."), 1e-6, 10.0,
            N_("a step size above 0"), place="optimizer", step=1e-4,
            noun=N_("the learning rate")),
    Setting("schedule", str, "constant", N_("Schedule"),
            N_("How the learning rate changes over the steps (or, with a time limit, over the "
               "time); a step schedule halves it every epoch."), choices="schedules",
            place="optimizer", widget="select"),
    Setting("weight_decay", float, 0.0, N_("Weight decay"),
            N_("Pulls every weight towards 0 a little at each step."), 0.0, 1.0,
            N_("a small share, like 0.1"), place="optimizer", step=0.01),
    Setting("beta", float, 1.0, N_("KL weight (beta)"),
            N_("How much the KL term counts against the reconstruction: above 1, a tidier "
               "latent space and blurrier digits."), 0.0, 100.0, N_("0 or more"),
            place="optimizer", step=0.1),
    Setting("d_steps", int, 1, N_("Discriminator steps per generator step"),
            N_("A GAN's turns: how many times the discriminator learns before the generator "
               "does once."), 1, 10, N_("steps"), place="optimizer"),
    *run_rows(N_("Weights, batches and samples all follow it."),
              N_("Weights kept for the timeline of what it makes as it learns.")),
)  # fmt: skip

GenerateConfig = make_config(
    "GenerateConfig",
    SETTINGS,
    REGISTRIES,
    N_("training settings"),
    __name__,
    "How a generative model is trained: one field per row of SETTINGS.",
)
