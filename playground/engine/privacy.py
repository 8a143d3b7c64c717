"""Differential privacy for any task's training, with Opacus (DP-SGD): each example's gradient
is clipped to a norm, Gaussian noise is added to their sum, batches are Poisson-sampled, and
Opacus' accountant says how much privacy (epsilon, at a delta) the steps so far have spent.

A config is private when it names a target epsilon (`dp_epsilon`) or a noise multiplier
(`dp_noise`); `plan_of` turns it into a `PrivacyPlan` for a training set of N examples, and
`Private` is that plan at work in the loop (engine/loop.py): the model wrapped for per-sample
gradients, the optimizer that clips and adds noise, hooks removed at the end. Opacus is
imported only when privacy is used (it takes seconds).
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass

import torch
from torch import nn

from playground.engine.i18n import N_, Text, _
from playground.engine.numbers import Number
from playground.engine.records import SpecError
from playground.engine.settings_table import Setting

# The settings of a private run, rows of a task's settings table (its form's "Differential
# privacy" expander, its CLI's --dp-* flags): private when a target epsilon or a noise is set
SETTINGS: tuple[Setting, ...] = (
    Setting("dp_epsilon", float, 0.0, N_("Target ε (0: not private)"), N_("Differential privacy: "
            "the privacy the whole run may spend. Smaller is more private and costs accuracy; "
            "0 trains as usual."), 0.0, 100.0, N_("0 for no privacy, or a target such as 3"),
            place="privacy", step=0.5, noun=N_("the target epsilon")),
    Setting("dp_noise", float, 0.0, N_("Noise multiplier (0: from ε)"), N_("The noise added to "
            "each step's summed gradients, as a multiple of the clipping norm; instead of a "
            "target ε, which then follows from it."), 0.0, 100.0, N_("0, or a noise such as 1.1"),
            place="privacy", step=0.1, noun=N_("the noise multiplier")),
    Setting("dp_clip", float, 1.0, N_("Clipping norm"), N_("Each example's gradient is cut to at "
            "most this length, so no one example (an image, a window of text) can move the "
            "model far."), 0.001, 1000.0,
            N_("a length above 0, such as 1"), place="privacy", step=0.1,
            noun=N_("the clipping norm")),
    Setting("dp_delta", float, 0.0, N_("δ (0: below 1/N)"), N_("The chance the guarantee fails "
            "outright; it must be well under one in the number of training examples. 0 takes the "
            "largest power of ten below 1/N."), 0.0, 0.01, N_("0, or a small chance such as "
            "1e-5"), place="privacy", step=1e-5, noun=N_("delta")),
)  # fmt: skip

ACCOUNTANT = "rdp"  # the accountant of Opacus' published MNIST figures
# Opacus' orders, and larger ones for few noisy steps (where it warns that the best is its last)
ALPHAS = [1 + x / 10.0 for x in range(1, 100)] + list(range(12, 64)) + list(range(64, 1025, 16))


def is_private(config) -> bool:
    return getattr(config, "dp_epsilon", 0.0) > 0 or getattr(config, "dp_noise", 0.0) > 0


def auto_delta(n: int) -> float:
    """The largest power of ten below 1/N: delta is the chance that the guarantee fails
    outright, so it must be well under one person in the data."""
    return 10.0 ** math.floor(math.log10(1.0 / max(n, 1)) - 1e-9)


@dataclass(frozen=True)
class PrivacyPlan:
    """DP-SGD's settings for one run: the noise (as a multiple of the clipping norm), the
    clipping norm, delta, the sampling rate (batch size / N) and the steps planned."""

    noise_multiplier: float
    clip: float
    delta: float
    sample_rate: float
    steps: int
    expected_batch_size: int
    target_epsilon: float | None = None

    def epsilon(self, steps: int) -> float:
        """Privacy spent after `steps` steps (0 before the first)."""
        return epsilon_after(steps, self.noise_multiplier, self.sample_rate, self.delta)

    def summary(self, steps: int) -> dict:
        """What a run's summary says of its privacy."""
        return {
            "private": True,
            "epsilon": round(self.epsilon(steps), 4),
            "delta": self.delta,
            "noise_multiplier": round(self.noise_multiplier, 4),
            "dp_clip": self.clip,
        }


def epsilon_after(steps: int, noise_multiplier: float, sample_rate: float, delta: float) -> float:
    """Opacus' accountant's epsilon after `steps` Poisson-sampled steps."""
    if steps <= 0:
        return 0.0
    if noise_multiplier <= 0:
        return math.inf
    from opacus.accountants import create_accountant

    accountant = create_accountant(ACCOUNTANT)
    accountant.history = [(noise_multiplier, sample_rate, steps)]
    return float(accountant.get_epsilon(delta, alphas=ALPHAS))


def plan_of(config, n: int, steps: int) -> PrivacyPlan | None:
    """The privacy plan of `config` for N training examples and `steps` planned steps, or None
    when it is not private; SpecError in words for settings that cannot work."""
    if not is_private(config):
        return None
    check_settings(config, steps)
    plan = _plan_of(config, n, steps)
    if len(_known) > 256:  # a long-lived server: the newest runs' plans are the ones watched
        _known.clear()
    _known[config] = plan  # for the live number: the plan the run trains with
    return plan


_known: dict = {}  # config -> the plan a lesson made for it (frozen configs are hashable)


def check_settings(config, steps: int | None) -> None:
    """SpecError in words for private settings that cannot work whatever the data."""
    if config.dp_epsilon > 0 and config.dp_noise > 0:
        raise SpecError(
            N_("Give either a target epsilon or a noise multiplier, not both: the noise follows "
               "from the target (set the noise multiplier to 0), or the target from the noise."),
            field="dp_noise",
        )  # fmt: skip
    if config.dp_epsilon > 0 and not steps:
        raise SpecError(
            N_("A target epsilon needs the number of steps the run takes: set the steps instead "
               "of a time limit, or give a noise multiplier."),
            field="dp_epsilon",
        )  # fmt: skip


def _plan_of(config, n: int, steps: int) -> PrivacyPlan:
    delta = config.dp_delta or auto_delta(n)
    if delta >= 1.0 / max(n, 1):
        raise SpecError(
            Text("Delta {delta:g} is not below 1/N = {share:.3g} for {n:,} training examples: "
                 "with it, one person's data could leak outright. Set it lower, or 0 for "
                 "{auto:g}.", delta=delta, share=1 / max(n, 1), n=n, auto=auto_delta(n)),
            field="dp_delta",
        )  # fmt: skip
    batch = min(config.batch_size, n)
    rate = batch / max(n, 1)
    noise = config.dp_noise
    if config.dp_epsilon > 0:
        from opacus.accountants.utils import get_noise_multiplier

        try:
            noise = get_noise_multiplier(
                target_epsilon=config.dp_epsilon, target_delta=delta, sample_rate=rate,
                steps=max(steps, 1), accountant=ACCOUNTANT, alphas=ALPHAS,
            )  # fmt: skip
        except ValueError as e:
            raise SpecError(
                Text("No noise reaches epsilon {eps:g} in {steps:,} steps: raise the target or "
                     "train fewer steps ({why}).", eps=config.dp_epsilon, steps=steps, why=str(e)),
                field="dp_epsilon",
            ) from e  # fmt: skip
    target = config.dp_epsilon or None
    return PrivacyPlan(noise, config.dp_clip, delta, rate, steps, batch, target)


def poisson_batches(n: int, rate: float, steps: int, generator: torch.Generator):
    """One epoch of `steps` Poisson-sampled index batches, as the accountant assumes: every
    example is in each batch with probability `rate`, independently (Opacus' sampler). An
    empty batch (chance about e^-batch size) is skipped."""
    from opacus.utils.uniform_sampler import UniformWithReplacementSampler

    for indices in UniformWithReplacementSampler(num_samples=n, sample_rate=rate, steps=steps,
                                                 generator=generator):  # fmt: skip
        if len(indices):
            yield torch.as_tensor(indices, dtype=torch.long)


def unsupported(model: nn.Module) -> list[str]:
    """Opacus' reasons, one per module it cannot train privately (empty: all fine)."""
    from opacus.validators import ModuleValidator

    return [str(e) for e in ModuleValidator.validate(model, strict=False)]


def per_sample_bytes(model: nn.Module, batch: int, float_bytes: int = 4) -> int:
    """The memory of a DP step's per-sample gradients: one copy of every trainable weight for
    each example of the batch."""
    return batch * sum(p.numel() for p in model.parameters() if p.requires_grad) * float_bytes


class Private:
    """A plan at work in the loop: `model` is the wrapped model the steps run through,
    `optimizer(o)` the one that clips each example's gradient and adds the noise; `close()`
    leaves the model as it was (no hooks)."""

    def __init__(self, plan: PrivacyPlan, model: nn.Module, generator: torch.Generator | None):
        from opacus import GradSampleModule

        problems = unsupported(model)
        if problems:
            raise SpecError(
                Text("This model cannot train privately: {why}", why="; ".join(problems))
            )
        self.plan = plan
        self.model = GradSampleModule(model, loss_reduction="mean")
        # Opacus' hooks on the first layer, whose input needs no gradient: harmless, and said
        # once per process otherwise
        warnings.filterwarnings("ignore", "Full backward hook is firing", UserWarning)
        self.generator = generator

    def optimizer(self, optimizer: torch.optim.Optimizer) -> torch.optim.Optimizer:
        from opacus.optimizers import DPOptimizer

        p = self.plan
        return DPOptimizer(
            optimizer, noise_multiplier=p.noise_multiplier, max_grad_norm=p.clip,
            expected_batch_size=p.expected_batch_size, generator=self.generator,
        )  # fmt: skip

    def close(self) -> None:
        self.model._close()


@functools.lru_cache(maxsize=32)  # pages ask on every rerun; finding the noise takes a moment
def _plan(task, config):
    return task.privacy_plan(config)


def live_numbers(task, config, step: int, epochs=()) -> list[Number]:
    """A private run's privacy spent so far, as a live number ([] when not private): from the
    plan its lesson made, or (a run elsewhere) the one `task.privacy_plan(config)` foresees, or
    else the last round's record (`epochs`)."""
    if not is_private(config):
        return []
    plan = _known.get(config) or _plan(task, config)
    if plan is None:
        spent = [e.values["epsilon"] for e in epochs if "epsilon" in (e.values or {})]
        value = f"{spent[-1]:.2f}" if spent else "-"
        return [Number(_("Privacy spent ε"), value, help=_("Epsilon at the last evaluation."))]
    target = f"{plan.target_epsilon:g}" if plan.target_epsilon else "-"
    words = _(
        "Epsilon after {steps:,} steps at δ = {delta:g} (Opacus' accountant); the run's "
        "target is {target}."
    ).format(steps=step, delta=plan.delta, target=target)
    return [Number(_("Privacy spent ε"), f"{plan.epsilon(step):.2f}", help=words)]


def in_words(s: dict) -> str:
    """Whether a run (its summary `s`) trained with differential privacy, and what it spent."""
    if not s.get("private"):
        return _("Privacy: not private (trained without differential privacy).")
    return _(
        "Privacy: trained with differential privacy (DP-SGD, Opacus): ε = {epsilon} at δ = "
        "{delta} (noise multiplier {noise}, clipping norm {clip})."
    ).format(epsilon=f"{s['epsilon']:.3g}", delta=f"{s['delta']:g}",
             noise=f"{s['noise_multiplier']:.3g}", clip=f"{s['dp_clip']:g}")  # fmt: skip
