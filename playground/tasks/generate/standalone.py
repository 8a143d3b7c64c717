"""A standalone training script of a model that makes digits: torch only, the model's own code
(its module's source), the same split, batches, loss, optimizer and learning-rate schedule as
the playground's; it writes the weights and a grid of what the model makes."""

from __future__ import annotations

import inspect
import json
import re

from playground.engine import schedules
from playground.engine.optimizers import OPTIMIZERS
from playground.tasks.generate import diffusion, gan, sampling, vae
from playground.tasks.generate.specs import CLASSES, IMAGE

_FAMILY_CODE = {"vae": vae, "gan": gan, "diffusion": diffusion}


def _code_of(module) -> str:
    """A module's code without its docstring and imports (the script has its own)."""
    text = inspect.getsource(module)
    text = re.sub(r'\A""".*?"""\n', "", text, flags=re.S)
    keep = [line for line in text.splitlines()
            if not re.match(r"(from \S+ import|import )", line)]  # fmt: skip
    return "\n".join(keep).strip("\n")


def _literal(settings: dict) -> str:
    """A dict of plain values as Python source, one key a line."""
    lines = [f"    {json.dumps(k)}: {json.dumps(v) if isinstance(v, str) else repr(v)},"
             for k, v in settings.items()]  # fmt: skip
    return "{\n" + "\n".join(lines) + "\n}"


def script(run) -> str:
    """A standalone training script of a run: torch only, the model's own code."""
    spec, config = run.spec, run.config
    optimizer = OPTIMIZERS[config.optimizer]
    if spec.family == "gan" and config.optimizer == "adam":
        made = (f"torch.optim.Adam(model.parameters(), lr=LR, betas=(0.5, 0.999), "
                f"weight_decay={config.weight_decay!r})")  # fmt: skip
    else:
        made = optimizer.code("model.parameters()", "LR", repr(config.weight_decay))
    settings = {"family": spec.family, "hidden": spec.hidden, "latent": spec.latent,
                "timesteps": spec.timesteps, "conditional": spec.conditional,
                "architecture": spec.architecture,
                "epochs": config.epochs, "batch_size": config.batch_size,
                "train_limit": config.train_limit, "lr": config.lr, "beta": config.beta,
                "d_steps": config.d_steps, "schedule": config.schedule, "seed": config.seed,
                "sample_steps": sampling.STEPS, "guidance": sampling.GUIDANCE}  # fmt: skip
    head = _HEAD.format(family=_KINDS[spec.family])
    if spec.family == "diffusion":  # the only family without a dataclass
        head = head.replace("from dataclasses import dataclass\n", "")
    parts = [
        head + f"\nRUN = {json.dumps(run.name)}  # the playground run it was written from\n"
        f"SETTINGS = {_literal(settings)}\n"
        f"CLASSES, IMAGE, PIXELS = {CLASSES}, {IMAGE}, {IMAGE[0] * IMAGE[1] * IMAGE[2]}",
        _code_of(_FAMILY_CODE[spec.family]),
        inspect.getsource(schedules.lr_at),
        inspect.getsource(schedules._one_cycle),
        _FAMILY_LOOP[spec.family],
        _LOOP.replace("OPTIMIZER", made),
    ]
    return "\n\n\n".join(p.strip("\n") for p in parts) + "\n"


_KINDS = {"vae": "variational autoencoder", "gan": "GAN", "diffusion": "diffusion model"}
_HEAD = '''"""Train a {family} of 28x28 digits as Deep Learning Playground did, with torch alone.

    python train.py --data-dir FOLDER   # a folder with MNIST's four IDX files (gzipped or not)

The model, the split (the same 10% held out), the batches, the loss, the optimizer and the
learning-rate schedule are the playground's. Writes model.pt (weights that the playground's
model of the same settings loads) and samples.pgm (what it makes: a row of each digit).
"""

import argparse
import gzip
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
'''

_FAMILY_LOOP = {
    "vae": '''
def build():
    s = SETTINGS
    return VAE(s["hidden"], s["latent"], s["conditional"], s["architecture"] == "conv")


def step_loss(model, x, y, turn):
    """A batch's loss: images x in 0..1, reconstruction plus beta times KL."""
    return terms(model, x, y if SETTINGS["conditional"] else None).total(SETTINGS["beta"])


@torch.no_grad()
def samples(model):
    """A 10 x 10 grid of what it makes (row r: the digit r, told the class) in 0..1."""
    y = torch.arange(100) // 10 if SETTINGS["conditional"] else None
    z = torch.randn(100, model.latent, generator=torch.Generator().manual_seed(0))
    return model.make(z, y)
''',
    "gan": '''
def build():
    return GAN(SETTINGS["hidden"], SETTINGS["latent"], SETTINGS["conditional"])


def step_loss(model, x, y, turn):
    """A batch's loss (images x in 0..1): d_steps turns of the discriminator, then one of the
    generator."""
    y = y if SETTINGS["conditional"] else None
    z = torch.randn(len(x), model.latent)
    if turn % (SETTINGS["d_steps"] + 1) < SETTINGS["d_steps"]:
        return discriminator_loss(model, x, y, z)
    return generator_loss(model, y, z)


@torch.no_grad()
def samples(model):
    """A 10 x 10 grid of what it makes (row r: the digit r, told the class) in 0..1."""
    y = torch.arange(100) // 10 if SETTINGS["conditional"] else None
    z = torch.randn(100, model.latent, generator=torch.Generator().manual_seed(0))
    return model.make(z, y)
''',
    "diffusion": '''
def build():
    return Denoiser(SETTINGS["hidden"], SETTINGS["timesteps"], SETTINGS["conditional"])


def step_loss(model, x, y, turn):
    """A batch's loss (images x in 0..1): the noise predicted at a random level."""
    return loss(model, x, y if SETTINGS["conditional"] else None)


@torch.no_grad()
def samples(model):
    """A 10 x 10 grid of what it makes (row r: the digit r, told the class) in 0..1."""
    y = torch.arange(100) // 10 if SETTINGS["conditional"] else None
    return sample(model, 100, y, SETTINGS["sample_steps"], SETTINGS["guidance"], seed=0)
''',
}

_LOOP = '''
FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
FILES += ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
VAL_FRACTION, VAL_SEED = 0.1, 0


def read_idx(path):
    """An IDX file (MNIST's format, gzipped or not) as a uint8 tensor."""
    raw = path.read_bytes()
    if raw[:2] == b"\\x1f\\x8b":
        raw = gzip.decompress(raw)
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return torch.frombuffer(bytearray(raw[4 + 4 * dims :]), dtype=torch.uint8).reshape(shape)


def load_data(folder):
    """The training images (N, 1, 28, 28) in 0..255 and their labels (the validation
    images held out, as the playground holds them out)."""
    found = []
    for name in FILES[:2]:
        path = next((p for p in (folder / name, folder / (name + ".gz")) if p.exists()), None)
        if path is None:
            sys.exit(f"{name} (or {name}.gz) is not in {folder}.")
        found.append(read_idx(path))
    x, y = found[0].unsqueeze(1), found[1].long()
    n_val = round(len(x) * VAL_FRACTION)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(VAL_SEED))
    train = order[n_val:]
    limit = SETTINGS["train_limit"] or len(train)
    return x[train][:limit], y[train][:limit]


def write_pgm(images, path):
    """Images (100, 1, 28, 28) in 0..1 as one grey PGM picture, 10 a row."""
    rows = images[:, 0].clamp(0, 1).mul(255).round().byte().view(10, 10, 28, 28)
    picture = rows.permute(0, 2, 1, 3).reshape(280, 280)
    path.write_bytes(b"P5 280 280 255\\n" + bytes(picture.flatten().tolist()))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", required=True, help="a folder with MNIST's IDX files")
    parser.add_argument("--epochs", type=int, default=SETTINGS["epochs"])
    args = parser.parse_args()
    x, y = load_data(Path(args.data_dir))
    torch.manual_seed(SETTINGS["seed"])
    model = build()
    LR = SETTINGS["lr"]
    optimizer = OPTIMIZER
    generator = torch.Generator().manual_seed(SETTINGS["seed"])
    size = SETTINGS["batch_size"]
    per_epoch = math.ceil(len(x) / size)
    total, step = per_epoch * args.epochs, 0
    for epoch in range(1, args.epochs + 1):
        order = torch.randperm(len(x), generator=generator)
        for start in range(0, len(x), size):
            pick = order[start : start + size]
            lr = lr_at(SETTINGS["schedule"], step, total, LR, step_every=per_epoch)
            for group in optimizer.param_groups:
                group["lr"] = lr
            found = step_loss(model, x[pick].float() / 255, y[pick], step)
            optimizer.zero_grad(set_to_none=True)
            found.backward()
            optimizer.step()
            step += 1
        print(f"epoch {epoch}: last batch's loss {found.item():.4f}", flush=True)
    torch.save(model.state_dict(), "model.pt")
    model.eval()
    write_pgm(samples(model), Path("samples.pgm"))
    print("wrote model.pt and samples.pgm")


if __name__ == "__main__":
    main()
'''
