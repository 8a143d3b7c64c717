"""How to train an image classifier, as one table (engine/settings_table.py): every training
setting is a row, and TrainConfig, its validation, the Train form (ui/train/train_form.py) and
the CLI's flags are made from it. Adding a setting is adding a row.
"""

from __future__ import annotations

from playground.datasets import image_sets
from playground.engine import privacy
from playground.engine.i18n import N_
from playground.engine.settings_table import MAX_SEED, Setting, make_config
from playground.tasks.image import catalog

REGISTRIES = {
    "datasets": image_sets.DATASETS,
    "losses": catalog.LOSSES,
    "optimizers": catalog.OPTIMIZERS,
    "schedules": catalog.SCHEDULES,
}


SETTINGS: tuple[Setting, ...] = (
    # the first column: what to learn from, and how much
    Setting("dataset", str, "mnist", N_("Dataset"), N_("What to train on."), choices="datasets",
            widget="select"),
    Setting("loss", str, "cross_entropy", N_("Loss"), N_("How a wrong answer is scored."),
            choices="losses", widget="select"),
    Setting("epochs", int, 3, N_("Epochs"), N_("Passes over the training images."), 1, 1000,
            N_("at least one pass over the data")),
    Setting("batch_size", int, 128, N_("Batch size"), N_("Images per step."), 1, 8192,
            N_("images per step"), step=32),
    # the second column: the optimizer
    Setting("optimizer", str, "adam", N_("Optimizer"), N_("How the weights move."),
            choices="optimizers", place="optimizer", widget="select"),
    Setting("lr", float, 3e-3, N_("Learning rate"), N_("The size of the steps (the peak for "
            "one-cycle)."), 1e-6, 100.0, N_("a step size above 0"), place="optimizer", step=1e-4,
            noun=N_("the learning rate")),
    Setting("schedule", str, "one_cycle", N_("Schedule"), N_("How the learning rate changes."),
            choices="schedules", place="optimizer", widget="select"),
    Setting("weight_decay", float, 0.0, N_("Weight decay"),
            N_("Pulls every weight towards 0 a little "
            "at each step."), 0.0, 1.0, N_("a small share, like 0.0001"), place="optimizer",
            step=1e-4),
    # the third column: the run
    Setting("val_fraction", float, 0.1, N_("Validation split"),
            N_("Share of the training images held "
            "out to measure validation accuracy."), 0.0, 0.5,
            N_("validation must leave most images for training"), place="run", widget="slider",
            step=0.05, noun=N_("the validation split")),
    Setting("seed", int, 0, N_("Seed"), N_("Weights, shuffling and augmentation all follow it."), 0,
            MAX_SEED, N_("any whole number from 0"), place="run"),
    Setting("device", str, "auto", N_("Device"), N_("auto: cuda > mps > cpu."), choices="devices",
            place="run", widget="select"),
    Setting("augment", bool, False, N_("Augment (random rotation, scale, shift)"), N_("A random "
            "affine change of each training batch, on the device."), place="run",
            widget="toggle"),
    # More settings
    Setting("train_limit", int, 0, N_("Train on at most N images (0: all)"),
            N_("A quick experiment "
            "on part of the data."), 0, 10_000_000, N_("0 means all images"), place="more-1",
            step=1000),
    Setting("examples_per_class", int, 0, N_("Examples per class (0: all)"), N_("Few labels: a "
            "balanced, seeded choice of this many training images of each class (never the "
            "validation or test images), to see what starting from a trained model is worth."),
            0, 1_000_000, N_("0 means all images"), place="more-1", step=10),
    Setting("classes", str, "", N_("Classes (blank: all)"), N_("Train on these classes only, e.g. "
            "5,6,7,8,9: they are numbered 0, 1, ... in that order, so the last layer needs one "
            "output per class kept (a model of all ten starts with a new last layer)."),
            place="more-1", widget="text", parse=image_sets.parse_classes),
    Setting("warmup_epochs", float, 0.0, N_("Warm-up epochs"), N_("The learning rate rises from ~0 "
            "over this many epochs."), 0.0, 1000.0, N_("epochs"), place="more-1", step=0.5),
    Setting("label_smoothing", float, 0.0, N_("Label smoothing"),
            N_("Cross-entropy only: a share of "
            "probability spread over the other classes."), 0.0, 0.99,
            N_("the share of probability spread over other classes"), place="more-1",
            widget="slider", step=0.01, needs=("loss", "cross_entropy")),
    Setting("channels_last", bool, True, N_("Channels-last memory layout"),
            N_("Faster for conv nets "
            "on CPU and GPU."), place="more-1", widget="toggle"),
    Setting("compile", bool, False, N_("torch.compile"), N_("Can be faster on a GPU after a slow "
            "start (30 s or more)."), place="more-1", widget="toggle"),
    Setting("gpu_fast_path", bool, True, N_("GPU fast path"),
            N_("On a CUDA GPU: bf16 autocast (where "
            "the GPU has it) and the loss read back every 8 steps; the same curves. Nothing "
            "changes on a CPU."), place="more-1", widget="toggle"),
    Setting("step_every_epochs", int, 1, N_("Step schedule: every N epochs"),
            N_("How often the step "
            "schedule multiplies the learning rate."), 1, 1000, N_("epochs"), place="more-2",
            needs=("schedule", "step")),
    Setting("step_gamma", float, 0.5, N_("Step schedule: multiply lr by"), "", 0.0, 1.0,
            N_("the factor lr is multiplied by"), place="more-2", widget="slider", step=0.05,
            needs=("schedule", "step")),
    Setting("max_steps", int, 0, N_("Stop after N steps (0: all epochs)"), N_("Ends training at "
            "this optimizer step, inside an epoch if need be (it is then validated as it "
            "stands): a budget of steps kept exactly, as the scaling lab sets it."), 0,
            100_000_000, N_("0 means all epochs"), place="more-2", step=100),
    Setting("snapshot_every", int, 50, N_("Weight snapshot every N steps"),
            N_("How often pages that "
            "draw see newer weights."), 1, 1_000_000, N_("steps"), place="more-2"),
    Setting("augment_rotation", float, 10.0, N_("Rotation (degrees)"), N_("Turned by up to this, "
            "either way."), 0.0, 180.0, N_("degrees"), place="more-3", widget="slider", step=1.0,
            needs=("augment", True)),
    Setting("augment_scale", float, 0.1, N_("Scale"), N_("Resized by up to this share."), 0.0, 0.9,
            N_("a share of the size"), place="more-3", widget="slider", step=0.05,
            needs=("augment", True)),
    Setting("augment_shift", float, 0.1, N_("Shift"), N_("Moved by up to this share of the side."),
            0.0, 0.5, N_("a share of the image side"), place="more-3", widget="slider", step=0.02,
            needs=("augment", True)),
    Setting("augment_thicken", float, 0.0, N_("Thicken strokes (share)"), N_("Share of the images "
            "whose strokes get a pixel thicker."), 0.0, 1.0, N_("a share of the images"),
            place="more-3", widget="slider", step=0.1, needs=("augment", True)),
    # Differential privacy: the rows every task that may train privately shares
    *privacy.SETTINGS,
)  # fmt: skip
BY_NAME = {s.name: s for s in SETTINGS}


TrainConfig = make_config(
    "TrainConfig",
    SETTINGS,
    REGISTRIES,
    N_("training config"),
    __name__,
    "How to train an image classifier: one field per row of SETTINGS, with its default.",
)
