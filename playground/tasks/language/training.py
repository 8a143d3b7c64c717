"""A language model's training loop, read like nanoGPT's train.py: a batch of random windows,
forward, cross-entropy on the next token (or on the hidden tokens, for a masked model),
backward, a clipped step. Every `eval_every` steps a round ends: the validation loss, and a
sample written from a fixed prompt and seed (the timeline of what it writes). It reports to a
MetricsLog and obeys Controls between steps: the shared loop (engine/loop.py) does that, as
for every task."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from playground.engine import loop, privacy
from playground.engine.i18n import Text
from playground.engine.loop import Evaluation, Lesson, Outcome, Tally
from playground.engine.optimizers import OPTIMIZERS
from playground.engine.schedules import lr_at
from playground.tasks.language import sampling
from playground.tasks.language.data import TextData, batch
from playground.tasks.language.data import windows as data_windows
from playground.tasks.language.model import GPT

SAMPLE_SEED = 1234  # the timeline's samples all start from the same seed


def masked(x: torch.Tensor, share: float, mask_id: int, generator: torch.Generator):
    """(inputs with a share of the tokens hidden, targets: the hidden tokens, -100 elsewhere)."""
    hide = torch.rand(x.shape, generator=generator).to(x.device) < share
    hide[:, 0] |= ~hide.any(dim=1)  # every window hides at least one token
    return x.masked_fill(hide, mask_id), x.masked_fill(~hide, -100)


def loss_of(model: GPT, x, y, config, generator, mask_id: int | None = None, objective=None):
    """(loss, right guesses, guesses) of one batch, as the model's objective scores it (a
    masked model: only the hidden tokens, shown as `mask_id`). `objective`: the model's, where
    `model` wraps it (a private run's)."""
    if (objective or model.spec.objective) == "masked":
        x, y = masked(x, config.mask_share, mask_id, generator)
    logits = model(x)
    loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), y.reshape(-1), ignore_index=-100)
    counted = y != -100
    right = ((logits.argmax(-1) == y) & counted).sum()
    return loss, right, counted.sum()


@torch.no_grad()
def evaluate(model: GPT, data: TextData, config, batches: int | None = None):
    """(mean loss, token accuracy) on `batches` fixed windows of the validation text."""
    was = model.training
    model.eval()
    generator = torch.Generator().manual_seed(0)  # the same windows every time
    total = right = count = 0.0
    try:
        for _ in range(batches or config.eval_batches):
            x, y = batch(data.val, config.batch_size, model.spec.context, generator)
            loss, r, n = loss_of(model, x, y, config, generator, data.tokenizer.mask_id)
            total += loss.item() * n.item()
            right += r.item()
            count += n.item()
    finally:
        model.train(was)
    return total / max(count, 1), right / max(count, 1)


def sample(model: GPT, data: TextData, length: int) -> str:
    """What the model writes now from where a document starts, with the timeline's seed."""
    if model.spec.objective != "next" or length <= 0:
        return ""
    was = model.training
    try:
        prompt = data.tokenizer.encode(data.start)[-1:] or [0]
        drawn = sampling.generate(
            model, data.tokenizer, prompt, length, seed=SAMPLE_SEED, temperature=0.8, top_k=0
        )
        return "".join(d.text for d in drawn)
    finally:
        model.train(was)


class LanguageLesson(Lesson):
    """A language model's part of the loop (engine/loop.py): random windows of the text,
    rounds of `eval_every` steps, next-token (or hidden-token) cross-entropy with token
    accuracy as the score, gradient clipping, and at each round's end the validation loss and
    a sample from a fixed prompt and seed. With a time limit the run trains that long, its
    schedule following the time."""

    snapshots = False

    def __init__(self, model: GPT, data: TextData, config):
        self.model, self.data, self.config = model, data, config
        self.generator = torch.Generator().manual_seed(config.seed)
        self.tokens = config.batch_size * model.spec.context
        self.grad_clip = config.grad_clip or 0.0
        self.time_budget = config.time_limit or None
        self.total_steps = None if config.time_limit else config.steps
        # privately, the examples are the text's windows side by side, Poisson-sampled
        self.examples = max(1, (len(data.train) - 1) // model.spec.context)
        self.privacy = privacy.plan_of(config, self.examples, self.total_steps or 0)

    def rounds(self):
        c, context = self.config, self.model.spec.context

        def windows():
            if self.privacy is not None:
                picks = privacy.poisson_batches(self.examples, self.privacy.sample_rate,
                                                c.eval_every, self.generator)  # fmt: skip
                for pick in picks:
                    yield data_windows(self.data.train, pick.to(self.data.train.device) * context,
                                       context)  # fmt: skip
                return
            for _ in range(c.eval_every):
                yield batch(self.data.train, c.batch_size, context, self.generator)

        while True:
            yield windows()

    def step(self, model, xy) -> Tally:
        loss, right, counted = loss_of(
            model,
            *xy,
            self.config,
            self.generator,
            self.data.tokenizer.mask_id,
            self.model.spec.objective,
        )
        return Tally(loss, right, counted, self.tokens)

    def lr(self, step: int, seconds: float, base: float) -> float:
        c = self.config
        progress = step if not c.time_limit else int(c.steps * seconds / c.time_limit)
        return lr_at(c.schedule, progress, c.steps, base, warmup_steps=c.warmup_steps)

    def evaluate(self, model) -> Evaluation:
        val_loss, val_accuracy = evaluate(model, self.data, self.config)
        text = sample(model, self.data, self.config.sample_length)
        return Evaluation(val_loss, val_accuracy, (text,) if text else ())

    def diverged(self, lr: float, step: int, round_: int) -> str:
        return divergence_advice(self.config, lr, step)

    def finished(self, steps: int, rounds: int) -> str:
        if self.config.time_limit:
            return Text(
                "Finished after the time limit of {limit} s.", limit=f"{self.config.time_limit:g}"
            )
        return Text("Finished after {steps} steps.", steps=f"{steps:,}")


def train(model: GPT, data: TextData, config, log, controls, publish, fast=None) -> Outcome:
    """Train `model` (on the data's device) as `config` says, on the shared loop: after
    `config.steps` steps or, when it is set, `config.time_limit` seconds of training (then
    validation is measured), at a stop, or when the loss is not finite."""
    lesson = LanguageLesson(model, data, config)
    return loop.run(lesson, model, data.train.device, log, controls, publish, fast)


def divergence_advice(config, lr: float, step: int) -> str:
    optimizer = OPTIMIZERS[config.optimizer]
    return Text(
        "The loss stopped being a finite number at step {step}: training "
        "diverged. The learning rate {lr:.3g} is too high for {label}; lower "
        "it (try {lower:.3g}), add a warm-up, or keep gradient clipping on.",
        step=step,
        lr=lr,
        label=optimizer.label,
        lower=config.lr / 10,
    )
