"""The generate task's own command: `sample`, images from a run (or the model that ships):

    python -m playground sample RUN_DIR --digit 7 --n 64 -o grid.png --json

`-o` ending in .png writes a grid; ending in .safetensors writes the images themselves (a tensor
`images`, N x 1 x 28 x 28, in 0..1) for other tools to read."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
from PIL import Image
from safetensors.torch import save_file

from playground.engine.i18n import Text, _
from playground.engine.records import SpecError
from playground.exchange.runs import load_run
from playground.tasks.generate import sampling, score

MOST = 10_000  # images one command makes


def add_commands(sub) -> None:
    s = sub.add_parser("sample", help=_("images from a run of a model that makes them"))
    s.add_argument("run_dir", type=Path, help=_("a run folder (or playground/assets/generate/vae)"))
    s.add_argument("--digit", default=None, help=_("the digit to make (a model told the class)"))
    s.add_argument("--n", type=int, default=64, help=_("how many images"))
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("-o", "--out", type=Path, help=_("a .png grid or a .safetensors of the images"))
    s.add_argument("--json", action="store_true", help=_("one JSON line of what it made"))
    s.set_defaults(run=_sample)


def _chunks(n: int, size: int = 500) -> list[int]:
    return [min(size, n - start) for start in range(0, n, size)]


def _sample(args: argparse.Namespace) -> int:
    if not 1 <= args.n <= MOST:
        raise SpecError(Text("Make 1 to {most:,} images.", most=MOST))
    run = load_run(args.run_dir)
    if run.task.name != "generate":
        raise SpecError(Text("{name} is a run of {task}, not a model that makes images.",
                             name=run.name, task=run.task.label))  # fmt: skip
    model = run.model()
    digit = sampling.digit_of(args.digit) if args.digit is not None else None
    if digit is not None and not run.spec.conditional:
        raise SpecError(Text("{name} is not told the class: it cannot make the digit asked for "
                             "(leave out --digit).", name=run.name))  # fmt: skip
    images = torch.cat([sampling.make(model, n, digit, args.seed + i)  # a chunk at a time
                        for i, n in enumerate(_chunks(args.n))])  # fmt: skip
    if args.out is not None:
        if args.out.suffix == ".safetensors":
            save_file({"images": images.contiguous()}, str(args.out))
        elif args.out.suffix == ".png":
            Image.fromarray(sampling.grid(images, columns=min(args.n, 16))).save(args.out)
        else:
            raise SpecError(Text("Write a .png or a .safetensors file, not {name}.",
                                 name=args.out.name))  # fmt: skip
    reading = score.read(images, digit)  # what the app's own classifier reads them as
    said = {"run": str(run.path), "n": args.n, "digit": digit, "seed": args.seed,
            "out": str(args.out) if args.out else None, **reading.to_dict()}  # fmt: skip
    if args.json:
        print(json.dumps(said))
        return 0
    where = f" -> {args.out}" if args.out else ""
    print(_("Made {n} images{where}.").format(n=args.n, where=where))
    print(score.sentence(reading, args.n))
    return 0
