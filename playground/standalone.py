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

from playground import catalog, data, layers, models
from playground.recipe import TrainConfig
from playground.specs import ModelSpec, SpecError


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
    info = catalog.DATASETS[config.dataset]
    parts = [
        _header(spec, config, info, origin, summary),
        _IMPORTS,
        _settings(spec, config, info, model),
        _model(spec, model),
        _DATA,
        _AUGMENT if config.augment else "",
        _BATCHES.replace("{augment}\n", _AUGMENT_CALL + "\n" if config.augment else ""),
        _schedule(config),
        _LOSSES[config.loss],
        _evaluate_and_main(config, model),
    ]
    header, imports, *rest = (textwrap.dedent(p).strip("\n") for p in parts if p)
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


_IMPORTS = """
    import argparse
    import gzip
    import json
    import math
    import sys
    import time
    from pathlib import Path

    import torch
    import torch.nn.functional as F
    from torch import nn
    """


def _settings(spec, config, info, model) -> str:
    lines = [
        "# The run's settings: change one and run again to see what it does.",
        f"EPOCHS = {config.epochs}",
        f"BATCH_SIZE = {config.batch_size}  # images per step",
        f"LEARNING_RATE = {config.lr!r}  # {_LR_NOTES[config.schedule]}",
        f"WEIGHT_DECAY = {config.weight_decay!r}",
        f"SEED = {config.seed}  # the weights, the shuffling and the augmentation follow it",
        f"VAL_FRACTION = {config.val_fraction!r}  # of the training images, held out",
        f"TRAIN_LIMIT = {config.train_limit}  # train on at most this many images (0: all)",
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
        values = (config.augment_rotation, config.augment_scale, config.augment_shift,
                  config.augment_thicken)  # fmt: skip
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
        children.append(f"# {i}. {label}: {_shape(shape)} -> {_shape(out)}")
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
    raise SpecError(f"A standalone script cannot write out a {type(m).__name__} layer yet.")


def _shape(shape: tuple) -> str:
    return "x".join(map(str, shape))


def _text(s: str) -> str:
    """A user's text, safe inside a docstring or a comment."""
    return re.sub(r'["\\\n\r]|[^\x20-\x7e]', "?", s)[:80]


_DATA = '''
    # --- The data ---------------------------------------------------------------------
    FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
    FILES += ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


    def read_idx(path):
        """An IDX file (MNIST's format, gzipped or not) as a uint8 tensor."""
        raw = path.read_bytes()
        if raw[:2] == b"\\x1f\\x8b":
            raw = gzip.decompress(raw)
        dims = raw[3]
        shape = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
        values = torch.frombuffer(bytearray(raw[4 + 4 * dims :]), dtype=torch.uint8)
        return values.reshape(shape)


    def find(data_dir, name):
        """name or name.gz in data_dir, or in torchvision's data_dir/DATASET/raw."""
        for folder in (data_dir, data_dir / str(DATASET) / "raw"):
            for file in (folder / name, folder / (name + ".gz")):
                if file.exists():
                    return file
        sys.exit(f"{name} (or {name}.gz) is not in {data_dir}.")


    def load_data(data_dir):
        """Train and test images (N, 1, 28, 28) as uint8, and their labels (N,)."""
        if data_dir:
            x, y, test_x, test_y = (read_idx(find(Path(data_dir), f)) for f in FILES)
        elif DATASET is None:
            sys.exit("This run used the playground's own sample: pass --data-dir.")
        else:
            import torchvision

            kind = getattr(torchvision.datasets, DATASET)
            train = kind("data", train=True, download=True)
            test = kind("data", train=False, download=True)
            x, y, test_x, test_y = train.data, train.targets, test.data, test.targets
        return x.unsqueeze(1), y.long(), test_x.unsqueeze(1), test_y.long()


    def split(x, y):
        """Hold out VAL_FRACTION of the training images: the same ones every run."""
        n_val = round(len(x) * VAL_FRACTION)
        order = torch.randperm(len(x), generator=torch.Generator().manual_seed(VAL_SEED))
        val, train = order[:n_val], order[n_val:]
        return x[train], y[train], x[val], y[val]


    def normalise(x):
        """uint8 pixels -> floats with mean 0 and std 1 over the training set."""
        return x.float().mul_(1 / (255 * STD)).sub_(MEAN / STD)
    '''

_AUGMENT = '''
    def augment(x, generator):
        """A randomly turned, resized and moved (and maybe thickened) copy of batch x."""
        b = x.shape[0]
        background = x.amin()  # the normalised value of a black pixel

        def uniform(limit):  # b random numbers between -limit and limit
            return (torch.rand(b, generator=generator) * 2 - 1) * limit

        angle = uniform(math.radians(AUGMENT["rotation"]))
        scale = 1 + uniform(AUGMENT["scale"])
        tx, ty = uniform(2 * AUGMENT["shift"]), uniform(2 * AUGMENT["shift"])
        cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
        rows = [torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)]
        theta = torch.stack(rows, 1).to(device=x.device, dtype=x.dtype)
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        out = F.grid_sample(x - background, grid, align_corners=False)
        if AUGMENT["thicken"] > 0:  # some strokes a pixel thicker
            pick = (torch.rand(b, generator=generator) < AUGMENT["thicken"]).to(x.device)
            thick = F.max_pool2d(out, 3, stride=1, padding=1)
            out = torch.where(pick[:, None, None, None], thick, out)
        return out + background
    '''

_AUGMENT_CALL = """\
            if generator is not None:  # training batches only
                xb = augment(xb, generator)"""

_BATCHES = '''
    def batches(x, y, generator=None):
        """Normalised batches; shuffled (and augmented) when given a generator."""
        order = None
        if generator is not None:
            order = torch.randperm(len(x), generator=generator).to(x.device)
        for start in range(0, len(x), BATCH_SIZE):
            if order is None:
                xb, yb = x[start : start + BATCH_SIZE], y[start : start + BATCH_SIZE]
            else:
                pick = order[start : start + BATCH_SIZE]
                xb, yb = x[pick], y[pick]
            xb = normalise(xb)
{augment}
            if CHANNELS_LAST:
                xb = xb.contiguous(memory_format=torch.channels_last)
            yield xb, yb
    '''


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


_LOSSES = {
    "cross_entropy": '''
        def loss_fn(out, y, smoothing=LABEL_SMOOTHING):
            """Cross-entropy: softmax, then -log of the true class's probability."""
            return F.cross_entropy(out, y, label_smoothing=smoothing)


        def predictions(out):
            return out.argmax(dim=1)  # the largest output is the most probable class
        ''',
    "nll": '''
        def loss_fn(out, y, smoothing=0.0):
            """Negative log-likelihood of the log-softmax: cross-entropy in two steps."""
            return F.nll_loss(F.log_softmax(out, dim=1), y)


        def predictions(out):
            return out.argmax(dim=1)
        ''',
    "mse": '''
        def loss_fn(out, y, smoothing=0.0):
            """Mean squared error between the outputs and the one-hot labels."""
            return F.mse_loss(out, F.one_hot(y, CLASSES).to(out.dtype))


        def predictions(out):
            return out.argmax(dim=1)
        ''',
    "bce": '''
        def loss_fn(out, y, smoothing=0.0):
            """Binary cross-entropy: each output is a yes/no sigmoid."""
            if out.shape[1] == 1:  # one output: the chance of class 1
                return F.binary_cross_entropy_with_logits(out[:, 0], y.to(out.dtype))
            target = F.one_hot(y, CLASSES).to(out.dtype)
            return F.binary_cross_entropy_with_logits(out, target)


        def predictions(out):
            if out.shape[1] == 1:
                return (out[:, 0] > 0).long()
            return out.argmax(dim=1)
        ''',
}


def _evaluate_and_main(config: TrainConfig, model: nn.Module) -> str:
    optimizer = catalog.OPTIMIZERS[config.optimizer].code(
        "model.parameters()", "LEARNING_RATE", "WEIGHT_DECAY"
    )
    return _MAIN.replace("{optimizer}", textwrap.indent(optimizer, " " * 8).lstrip())


_MAIN = '''
    # --- Training -----------------------------------------------------------------------
    @torch.no_grad()
    def evaluate(model, x, y):
        """Mean loss and accuracy on images x, in eval mode (no dropout, batch norm fixed)."""
        model.eval()
        loss, correct = 0.0, 0
        for start in range(0, len(x), 1000):
            xb = normalise(x[start : start + 1000])
            if CHANNELS_LAST:
                xb = xb.contiguous(memory_format=torch.channels_last)
            yb = y[start : start + 1000]
            out = model(xb)
            loss += loss_fn(out, yb, 0.0).item() * len(yb)
            correct += (predictions(out) == yb).sum().item()
        model.train()
        return loss / max(1, len(y)), correct / max(1, len(y))


    def main():
        parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        parser.add_argument("--data-dir", help="a folder with the four IDX files")
        parser.add_argument("--epochs", type=int, default=EPOCHS)
        parser.add_argument("--max-steps", type=int, default=0, help="stop after N steps")
        parser.add_argument("--json", action="store_true", help="print JSON lines")
        args = parser.parse_args()

        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        x, y, test_x, test_y = load_data(args.data_dir)
        x, y, val_x, val_y = split(x, y)
        if TRAIN_LIMIT:
            x, y = x[:TRAIN_LIMIT], y[:TRAIN_LIMIT]
        x, y, val_x, val_y = x.to(device), y.to(device), val_x.to(device), val_y.to(device)
        test_x, test_y = test_x.to(device), test_y.to(device)

        torch.manual_seed(SEED)  # the weights, then dropout, follow the seed
        model = Net().to(device)
        if CHANNELS_LAST:
            model = model.to(memory_format=torch.channels_last)
        optimizer = {optimizer}
        generator = torch.Generator().manual_seed(SEED)  # shuffling and augmentation
        steps_per_epoch = math.ceil(len(x) / BATCH_SIZE)
        total_steps = steps_per_epoch * args.epochs
        parameters = sum(p.numel() for p in model.parameters())
        if not args.json:
            print(f"{parameters:,} parameters, {len(x):,} training images, on {device}")

        step, first_loss, epochs_done, seconds = 0, None, 0, 0.0
        for epoch in range(1, args.epochs + 1):
            started = time.perf_counter()
            loss_sum, correct, seen = 0.0, 0, 0
            for xb, yb in batches(x, y, generator):
                rate = learning_rate(step, total_steps, steps_per_epoch)
                for group in optimizer.param_groups:
                    group["lr"] = rate
                optimizer.zero_grad()
                out = model(xb)
                loss = loss_fn(out, yb)
                loss.backward()  # the gradient of the loss for every weight
                optimizer.step()  # move the weights a little against it

                value = loss.item()
                if not math.isfinite(value):
                    sys.exit(f"The loss diverged at step {step + 1}: lower LEARNING_RATE.")
                first_loss = value if first_loss is None else first_loss
                step += 1
                loss_sum += value * len(yb)
                correct += (predictions(out) == yb).sum().item()
                seen += len(yb)
                if step == args.max_steps:
                    break
            seconds += time.perf_counter() - started
            record = {
                "epoch": epoch,
                "train_loss": loss_sum / seen,
                "train_accuracy": correct / seen,
                "seconds": round(time.perf_counter() - started, 2),
            }
            if len(val_y):
                record["val_loss"], record["val_accuracy"] = evaluate(model, val_x, val_y)
            if args.json:
                print(json.dumps(record))
            else:
                val = record.get("val_accuracy")
                print(
                    f"epoch {epoch}/{args.epochs}: train loss {record['train_loss']:.4f}, "
                    f"train accuracy {record['train_accuracy']:.2%}"
                    + (f", val accuracy {val:.2%}" if val is not None else "")
                    + f" ({record['seconds']} s)"
                )
            epochs_done = epoch
            if step == args.max_steps:
                break

        test_loss, test_accuracy = evaluate(model, test_x, test_y)
        summary = {
            "test_accuracy": test_accuracy,
            "test_loss": test_loss,
            "epochs": epochs_done,
            "steps": step,
            "parameters": parameters,
            "first_loss": first_loss,
            "train_seconds": round(seconds, 2),
        }
        if args.json:
            print(json.dumps(summary))
        else:
            print(f"test accuracy {test_accuracy:.2%} (loss {test_loss:.4f})")


    if __name__ == "__main__":
        main()
    '''
