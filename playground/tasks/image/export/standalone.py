"""A standalone training script: one readable Python file, needing only torch and torchvision,
that trains a model as a run did (the same layers written out as a class, optimizer, schedule,
loss, augmentation, batch size, epochs, validation split and seed).

The script is written from the same sources the app trains with: the layers from the modules
`models.build` makes, the optimizer call from its catalog entry, the residual block's class from
its source. What the script does by hand (the split, batches, augmentation, the schedule, the
loss) mirrors data.py, schedules.py and catalog.py line for line; tests/test_standalone.py runs
the script and checks its model, first loss, schedule and augmentation against the app's.
"""

from __future__ import annotations

import datetime
import inspect
import re
import textwrap

from torch import nn

from playground.datasets import image_sets
from playground.datasets import images as data
from playground.engine import privacy
from playground.engine.i18n import Text
from playground.engine.records import SpecError
from playground.tasks.image import catalog, layers, models
from playground.tasks.image.export import standalone_parts as parts
from playground.tasks.image.layers import shape_text
from playground.tasks.image.recipe import TrainConfig
from playground.tasks.image.specs import ModelSpec


def file_name(spec: ModelSpec) -> str:
    """'train_seed_cnn.py': a name for the script of a model."""
    stem = re.sub(r"[^a-z0-9]+", "_", spec.name.lower()).strip("_") or "model"
    return f"train_{stem}.py"


def script(
    spec: ModelSpec, config: TrainConfig, *, origin: str = "", summary: dict | None = None
) -> str:
    """The script's source. `origin` names what it reproduces (e.g. 'run 20261128-...'), and a
    finished run's `summary` puts the accuracy the app reached in its docstring."""
    config.validate()
    model = models.build(spec)
    info = image_sets.info_of(config)
    pieces = [
        _header(spec, config, info, origin, summary),
        parts.IMPORTS,
        _settings(spec, config, info, model),
        _model(spec, model),
        parts.DATA,
        parts.AUGMENT if config.augment else "",
        parts.BATCHES.replace("{augment}\n", parts.AUGMENT_CALL + "\n" if config.augment else ""),
        _schedule(config),
        parts.LOSSES[config.loss],
        _evaluate_and_main(config, model),
    ]
    header, imports, *rest = (textwrap.dedent(p).strip("\n") for p in pieces if p)
    return header + "\n\n" + imports + "\n\n" + "\n\n\n".join(rest) + "\n"


# --- the parts, in the order the script has them ---------------------------------------------


def _header(spec, config, info, origin, summary) -> str:
    name = file_name(spec)
    result = "It has not been trained in the playground yet."
    if summary and summary.get("test_accuracy") is not None:
        result = (
            f"In the playground it reached a test accuracy of "
            f"{summary['test_accuracy']:.2%} after {summary.get('epochs', config.epochs)} "
            "epoch(s); with the same seed this script lands close to it."
        )
    if privacy.is_private(config):  # the script is plain PyTorch: no Opacus, no privacy
        result += (
            " Its settings ask for differential privacy (target epsilon "
            f"{config.dp_epsilon:g}, noise multiplier {config.dp_noise:g}, clipping norm "
            f"{config.dp_clip:g}); this script trains without it: no per-example clipping, "
            "no noise, shuffled batches."
        )
    where = (
        f"downloads {info.label} into ./data"
        if info.torchvision
        else "--data-dir is needed (see DATASET)"
    )
    today = datetime.date.today().isoformat()
    return f'''
        """Train "{_text(spec.name)}" on {info.label}, as {_text(origin) or "the playground"} did.

        Written by Deep Learning Playground on {today}. It needs only PyTorch and torchvision:

            pip install torch torchvision
            python {name}                  # {where}
            python {name} --data-dir DIR   # reads the four IDX files from DIR
            python {name} --json           # a JSON object per epoch, then a summary

        {result}
        """'''


def _settings(spec, config, info, model) -> str:
    lines = [
        "# The run's settings: change one and run again to see what it does.",
        f"EPOCHS = {config.epochs}",
        f"BATCH_SIZE = {config.batch_size}  # images per step",
        f"LEARNING_RATE = {config.lr!r}  # {_LR_NOTES[config.schedule]}",
        f"WEIGHT_DECAY = {config.weight_decay!r}",
        f"SEED = {config.seed}  # the weights, the shuffling and the augmentation follow it",
        f"VAL_FRACTION = {config.val_fraction!r}  # of the training images, held out",
        f"EXAMPLES_PER_CLASS = {config.examples_per_class}  # few labels: images a class (0: all)",
        f"TRAIN_LIMIT = {config.train_limit}  # train on at most this many images (0: all)",
        f"MAX_STEPS = {config.max_steps}  # stop after this many optimizer steps (0: all epochs)",
        f"KEEP_CLASSES = {info.subset!r}  # train on these classes only, as 0, 1, ... (): all",
        "VAL_SEED = 20240917  # the same validation images for every seed",
        f"MEAN, STD = {info.mean!r}, {info.std!r}  # of the training pixels (0-1)",
        f"CLASSES = {len(info.classes)}",
    ]
    assert data.VAL_SEED == 20240917  # the split above must stay the app's
    if config.warmup_epochs:
        lines.append(f"WARMUP_EPOCHS = {config.warmup_epochs!r}  # the rate rises from ~0")
    if config.schedule == "step":
        lines.append(f"STEP_EVERY_EPOCHS = {config.step_every_epochs}")
        lines.append(f"STEP_GAMMA = {config.step_gamma!r}  # the rate is multiplied by this")
    if config.loss == "cross_entropy":
        lines.append(f"LABEL_SMOOTHING = {config.label_smoothing!r}")
    if config.augment:
        values = (
            config.augment_rotation,
            config.augment_scale,
            config.augment_shift,
            config.augment_thicken,
        )
        pairs = ", ".join(f'"{k}": {v!r}' for k, v in zip(_AUGMENT_KEYS, values, strict=True))
        lines.append(f"AUGMENT = {{{pairs}}}")
    has_conv = any(p.dim() == 4 for p in model.parameters())
    lines.append(
        f"CHANNELS_LAST = {config.channels_last and has_conv}  # a faster memory layout for convs"
    )
    if info.torchvision:
        lines.append(f'DATASET = "{info.torchvision}"  # torchvision.datasets.{info.torchvision}')
    else:
        lines.append(
            f"DATASET = None  # {info.label}: only the playground has it; pass --data-dir "
            '(the app\'s playground/assets/mnist-sample), or set DATASET = "MNIST"'
        )
    return "\n".join(lines)


_AUGMENT_KEYS = ("rotation", "scale", "shift", "thicken")
_LR_NOTES = {
    "constant": "the same for every step",
    "step": "multiplied by STEP_GAMMA every STEP_EVERY_EPOCHS",
    "cosine": "falls to 0 along half a cosine",
    "one_cycle": "the peak of the one-cycle schedule",
}


def _model(spec: ModelSpec, model: nn.Sequential) -> str:
    shapes = spec.validate()
    shape = spec.input_shape
    children = []
    for i, (layer, block, out) in enumerate(zip(spec.layers, model, shapes, strict=True), 1):
        label = models.layer_label(layer.kind, layer.resolved_params(), layer.activation)
        children.append(f"# {i}. {label}: {shape_text(shape)} -> {shape_text(out)}")
        children.append(module_code(block) + ",")
        shape = out
    body = "\n".join(children)
    params = sum(p.numel() for p in model.parameters())
    residual = ""
    if any(isinstance(m, layers.ResidualBlock) for m in model.modules()):
        residual = inspect.getsource(layers.ResidualBlock) + "\n\n"
    return residual + (
        "class Net(nn.Sequential):\n"
        f'    """{_text(spec.name)}: {len(spec.layers)} layers, {params:,} parameters.\n\n'
        "    Child i is layer i + 1 on the playground's Build page, so the run's\n"
        "    weights.safetensors loads into it as it is (safetensors.torch.load_file).\n"
        '    """\n\n'
        "    def __init__(self):\n"
        "        super().__init__(\n" + textwrap.indent(body, " " * 12) + "\n        )"
    )


def module_code(m: nn.Module) -> str:
    """The Python that builds module `m` (as models.build made it), e.g. 'nn.Conv2d(1, 32,
    kernel_size=3)'. SpecError for a module it does not know."""
    if type(m) is nn.Sequential:
        return f"nn.Sequential({', '.join(module_code(c) for c in m)})"
    if isinstance(m, nn.Conv2d):
        args = [str(m.in_channels), str(m.out_channels), f"kernel_size={m.kernel_size[0]}"]
        if m.stride[0] != 1:
            args.append(f"stride={m.stride[0]}")
        if m.padding[0] != 0:
            args.append(f"padding={m.padding[0]}")
        return f"nn.Conv2d({', '.join(args)})"
    if isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)):
        stride = "" if m.stride == m.kernel_size else f", stride={m.stride}"
        return f"nn.{type(m).__name__}({m.kernel_size}{stride})"
    if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
        return f"nn.{type(m).__name__}({m.num_features})"
    if isinstance(m, nn.GroupNorm):
        return f"nn.GroupNorm({m.num_groups}, {m.num_channels})"
    if isinstance(m, nn.Dropout):
        return f"nn.Dropout({m.p!r})"
    if isinstance(m, nn.Linear):
        return f"nn.Linear({m.in_features}, {m.out_features})"
    if isinstance(m, layers.ResidualBlock):
        return f"ResidualBlock({m.conv1.in_channels}, {m.conv1.out_channels})"
    if isinstance(m, nn.Softmax):
        return f"nn.Softmax(dim={m.dim})"
    if isinstance(m, nn.LeakyReLU):
        return "nn.LeakyReLU()" if m.negative_slope == 0.01 else f"nn.LeakyReLU({m.negative_slope})"
    simple = (nn.Flatten, nn.ReLU, nn.ELU, nn.GELU, nn.SiLU, nn.Sigmoid, nn.Tanh, nn.Identity)
    if type(m) in simple:
        return f"nn.{type(m).__name__}()"
    raise SpecError(
        Text("A standalone script cannot write out a {name__} layer yet.", name__=type(m).__name__)
    )


def _text(s: str) -> str:
    """A user's text, safe inside a docstring or a comment."""
    return re.sub(r'["\\\n\r]|[^\x20-\x7e]', "?", s)[:80]


def _schedule(config: TrainConfig) -> str:
    body = {
        "constant": "rate = LEARNING_RATE",
        "step": """
            every = max(1, STEP_EVERY_EPOCHS * steps_per_epoch)
            rate = LEARNING_RATE * STEP_GAMMA ** (step // every)""",
        "cosine": """
            done = min(step, total_steps) / max(1, total_steps)
            rate = LEARNING_RATE * 0.5 * (1 + math.cos(math.pi * done))""",
        "one_cycle": """
            # up from LEARNING_RATE / 25 over 30% of the steps, then down to almost 0
            start, peak = LEARNING_RATE / 25, LEARNING_RATE
            end = start / 1e4
            rise_end = 0.3 * total_steps - 1
            if step <= rise_end:
                pct, a, b = step / rise_end, start, peak
            else:
                pct, a, b = (step - rise_end) / (total_steps - 1 - rise_end), peak, end
            rate = b + (a - b) / 2 * (math.cos(math.pi * min(pct, 1.0)) + 1)""",
    }[config.schedule]
    warmup = ""
    if config.warmup_epochs:
        warmup = """
            warmup = round(WARMUP_EPOCHS * steps_per_epoch)
            if step < warmup:  # the warm-up: the rate rises from ~0
                rate *= (step + 1) / warmup"""
    label = catalog.SCHEDULES[config.schedule].label
    return (
        "def learning_rate(step, total_steps, steps_per_epoch):\n"
        f'    """The learning rate of step `step` (from 0): {label.lower()} schedule."""\n'
        + textwrap.indent(textwrap.dedent(body).strip("\n"), "    ")
        + textwrap.indent(textwrap.dedent(warmup).rstrip(), "    ")
        + "\n    return rate"
    )


def _evaluate_and_main(config: TrainConfig, model: nn.Module) -> str:
    optimizer = catalog.OPTIMIZERS[config.optimizer].code(
        "model.parameters()", "LEARNING_RATE", "WEIGHT_DECAY"
    )
    return parts.MAIN.replace("{optimizer}", textwrap.indent(optimizer, " " * 8).lstrip())
