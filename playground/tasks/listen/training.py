"""What a listening model's training differs in, for the shared loop (engine/loop.py): epochs of
shuffled clips, each changed a little as it is heard (data.changed, data.masked), the
cross-entropy of the ten digits, and at each epoch's end the accuracy on voices held back, for
each language."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from playground.engine.i18n import Text
from playground.engine.loop import Evaluation, Lesson, Tally
from playground.engine.schedules import epochs_lr
from playground.tasks.listen.data import LANGUAGE_CODES, ListenData, Split, changed, masked
from playground.tasks.listen.model import features

LABEL_SMOOTHING = 0.05  # a little doubt in every target: synthetic voices are too tidy


class ListenLesson(Lesson):
    def __init__(self, spec, model: nn.Module, data: ListenData, config, pass_batch: int):
        self.spec, self.data, self.config = spec, data, config
        self.pass_batch = pass_batch
        self.snapshot_every = config.snapshot_every
        self.steps_per_epoch = steps_per_epoch(data, config)
        self.total_steps = self.steps_per_epoch * config.epochs
        self.time_budget = config.time_limit or None
        self._generator = torch.Generator().manual_seed(config.seed)

    def rounds(self):
        for _ in range(self.config.epochs):
            yield self._epoch()

    def _epoch(self):
        train = self.data.train
        order = _heard(train, self.data.repeat)
        order = order[torch.randperm(len(order), generator=self._generator)]
        for start in range(0, len(order), self.config.batch_size):
            index = order[start : start + self.config.batch_size].to(train.clips.device)
            clips = train.clips[index]
            if self.config.augment:
                clips = changed(clips, self._generator)
            x = features(clips, self.spec)
            if self.config.augment:
                x = masked(x, self._generator)
            yield x, train.digits[index]

    def lr(self, step: int, seconds: float, base: float) -> float:
        return epochs_lr(self.config, step, seconds, base, self.total_steps,
                         self.steps_per_epoch)  # fmt: skip

    def step(self, model, batch) -> Tally:
        x, y = batch
        out = model(x)
        loss = F.cross_entropy(out, y, label_smoothing=LABEL_SMOOTHING)
        right = (out.detach().argmax(dim=1) == y).sum()
        return Tally(loss, right, len(y), len(y))

    def evaluate(self, model) -> Evaluation:
        if not len(self.data.val):
            return Evaluation()
        found = measure(model, self.data.val, self.spec, self.pass_batch)
        values = {f"val_{k}": v for k, v in found.items() if k.endswith("_accuracy")}
        return Evaluation(found["loss"], found["accuracy"], values=values)

    def diverged(self, lr: float, step: int, round_: int) -> str:
        return Text("The loss stopped being a number at step {step} of epoch {epoch}: lower the "
                    "learning rate ({lr:g}) and start again.", step=step, epoch=round_,
                    lr=lr)  # fmt: skip

    def finished(self, steps: int, rounds: int) -> str:
        if rounds == 1:
            return Text("Finished 1 epoch ({steps:,} steps).", steps=steps)
        return Text("Finished {rounds} epochs ({steps:,} steps).", rounds=rounds, steps=steps)


def _heard(train: Split, repeat: int) -> torch.Tensor:
    """The training clips' indices for one epoch: a person's own recordings `repeat` times."""
    everyone = torch.arange(len(train))
    own = everyone[train.languages.cpu() < 0]
    return torch.cat([everyone, own.repeat(max(0, repeat - 1))])


def steps_per_epoch(data: ListenData, config) -> int:
    return max(1, -(-len(_heard(data.train, data.repeat)) // config.batch_size))


@torch.no_grad()
def measure(model: nn.Module, split: Split, spec, batch: int) -> dict:
    """Loss and accuracy on `split` (in eval mode), and the accuracy of each language in it
    ("en_accuracy", "zh_accuracy"; "own_accuracy" for a person's recordings)."""
    was = model.training
    model.eval()
    try:
        losses, answers = [], []
        for start in range(0, len(split), batch):
            x = features(split.clips[start : start + batch], spec)
            out = model(x)
            losses.append(F.cross_entropy(out, split.digits[start : start + batch],
                                          reduction="sum"))  # fmt: skip
            answers.append(out.argmax(dim=1))
    finally:
        model.train(was)
    n = max(1, len(split))
    right = torch.cat(answers) == split.digits if answers else split.digits.bool()
    found = {"loss": float(sum(losses)) / n if losses else 0.0,
             "accuracy": right.float().mean().item() if len(right) else 0.0}  # fmt: skip
    for code, name in [*enumerate(LANGUAGE_CODES), (-1, "own")]:
        mine = split.languages == code
        if mine.any():
            found[f"{name}_accuracy"] = right[mine].float().mean().item()
    return found
