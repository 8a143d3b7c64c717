"""Make the ready leak experiment of the Privacy page (playground/assets/privacy/<name>/): the
same small MLP trained on 300 images of the bundled MNIST sample for many epochs, once as usual
("open": it memorises its images, and the membership attack finds them) and once with
differential privacy at epsilon 1 ("private": the attack is back to a coin). Offline, in two
minutes on a CPU.

    python -m scripts.make_private_pair
"""

from __future__ import annotations

import sys

import torch

from playground import ASSETS
from playground.exchange.runs import load_run
from playground.tasks.image import membership
from playground.tasks.image.recipe import TrainConfig
from playground.tasks.image.specs import ModelSpec
from playground.tasks.image.task import IMAGE
from scripts.ready_run import train_into

SPEC = {
    "name": "leaky-mlp",
    "input_shape": [1, 28, 28],
    "layers": [
        {"kind": "flatten", "params": {}, "activation": "none"},
        {"kind": "linear", "params": {"out_features": 512}, "activation": "relu"},
        {"kind": "linear", "params": {"out_features": 512}, "activation": "relu"},
        {"kind": "linear", "params": {"out_features": 10}, "activation": "none"},
    ],
}
BASE = {"dataset": "mnist-sample", "train_limit": 300, "val_fraction": 0.0, "batch_size": 64,
        "schedule": "constant", "snapshot_every": 1000}  # fmt: skip
PAIR = {
    "open": {**BASE, "epochs": 200, "optimizer": "adam", "lr": 1e-3},
    "private": {**BASE, "epochs": 60, "optimizer": "sgd", "lr": 1.0, "dp_epsilon": 1.0},
}


def make(name: str) -> None:
    config = TrainConfig(**PAIR[name])
    target = ASSETS / "privacy" / name
    job = train_into(ModelSpec.from_dict(SPEC), config, target, f"leak-{name}")
    (target / "history.safetensors").unlink(missing_ok=True)  # replay is not this page's
    run = load_run(target)
    found, _ = membership.attack(run, IMAGE.load_data(config, None, None, torch.device("cpu")))
    s = job.summary
    print(f"{target}: test accuracy {s['test_accuracy']:.3f}, epsilon {s.get('epsilon', '-')}, "
          f"attack AUC {found.auc:.3f}, advantage {found.advantage:.3f}")  # fmt: skip


if __name__ == "__main__":
    for name in sys.argv[1:] or PAIR:
        make(name)
