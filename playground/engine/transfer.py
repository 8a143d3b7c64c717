"""Start from what another model learned: copy the layers whose names and shapes match, start
the others fresh, freeze any of them, and give the copied ones a smaller learning rate.

`plan` says for every weight of the new model what happens and why ("copied", or "new: the
source's is 10 x 64, this one needs 5 x 64"); `begin` copies and freezes in place (frozen
weights get no gradient, so an optimizer keeps no state for them); `groups` and `set_lr` give
the training loops their parameter groups and learning rates (the copied ones times a factor).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from playground.engine.i18n import N_, Text
from playground.engine.records import SpecError

SCALE = "lr_scale"  # a parameter group's share of the schedule's learning rate


@dataclass(frozen=True)
class Start:
    """What a job starts from: a source's weights (a state dict), the parameters to freeze
    (names or prefixes such as "0", "blocks.1", "tok"; or "first:K", the first K layers that
    have weights; "all-but-last" for all but the last), and the copied layers' lr factor."""

    weights: dict
    source: str = N_("a trained model")
    freeze: tuple[str, ...] = ()
    copied_lr_factor: float = 1.0
    folder: str = ""  # the source's run folder, where it has one

    def check(self) -> Start:
        if not (0 < self.copied_lr_factor <= 10):
            raise SpecError(
                Text(
                    "The copied layers' learning-rate factor is {copied_lr_factor}: it must "
                    "be above 0 and at most 10.",
                    copied_lr_factor=self.copied_lr_factor,
                )
            )
        return self


class FrozenBatchNorm1d(nn.BatchNorm1d):
    """A frozen batch norm: it normalises with the statistics it was copied with, in training
    too (a small batch's own statistics would differ from what the layers after it learned)."""

    def train(self, mode: bool = True):
        return super().train(False)


class FrozenBatchNorm2d(nn.BatchNorm2d):
    __doc__ = FrozenBatchNorm1d.__doc__

    def train(self, mode: bool = True):
        return super().train(False)


_FROZEN_NORMS = {nn.BatchNorm1d: FrozenBatchNorm1d, nn.BatchNorm2d: FrozenBatchNorm2d}


@dataclass(frozen=True)
class Row:
    name: str
    shape: tuple[int, ...]
    action: str  # "copied" or "new"
    why: str
    frozen: bool = False


def _shape(shape) -> str:
    return " x ".join(str(d) for d in shape) or "a number"


def plan(model: nn.Module, weights: dict, freeze: tuple[str, ...] = ()) -> list[Row]:
    """For each weight of `model`: copied from `weights` (same name and shape) or new, why,
    and whether it is frozen."""
    frozen = frozen_names(model, freeze)
    layers = {n.rsplit(".", 1)[0] for n in frozen}  # a frozen layer's buffers stay too
    rows = []
    for name, tensor in model.state_dict().items():
        theirs = weights.get(name)
        if theirs is None:
            action, why = "new", Text("the source has no weight of this name")
        elif tuple(theirs.shape) != tuple(tensor.shape):
            action = "new"
            why = Text(
                "the source's is {theirs}; this one needs {mine}",
                theirs=_shape(theirs.shape),
                mine=_shape(tensor.shape),
            )
        else:
            action, why = "copied", Text("same name and shape")
        still = name in frozen or (
            name.rsplit(".", 1)[0] in layers and not name.endswith("num_batches_tracked")
        )  # a count
        rows.append(Row(name, tuple(tensor.shape), action, why, still))
    return rows


def layers_with_weights(model: nn.Module) -> list[str]:
    """The prefixes of the model's layers that own parameters, in order ("0.0", "2.0", ...)."""
    found: list[str] = []
    for name, _ in model.named_parameters():
        prefix = name.rsplit(".", 1)[0] if "." in name else name
        if prefix not in found:
            found.append(prefix)
    return found


def frozen_names(model: nn.Module, freeze: tuple[str, ...]) -> set[str]:
    """Parameter names that `freeze` names (SpecError for a name that matches nothing)."""
    layers = layers_with_weights(model)
    chosen: list[str] = []
    for item in freeze:
        if item == "all-but-last":
            chosen += layers[:-1]
        elif item.startswith("first:"):
            try:
                k = int(item.split(":", 1)[1])
            except ValueError:
                raise SpecError(
                    Text("{item!r}: write first:K with K a whole number.", item=item)
                ) from None
            if not 0 < k <= len(layers):
                raise SpecError(
                    Text(
                        "{item!r}: the model has {count} layers with weights.",
                        item=item,
                        count=len(layers),
                    )
                )
            chosen += layers[:k]
        else:
            chosen.append(item)
    names = [n for n, _ in model.named_parameters()]
    picked: set[str] = set()
    for prefix in chosen:
        hits = {n for n in names if n == prefix or n.startswith(prefix + ".")}
        if not hits:
            raise SpecError(
                Text(
                    "No layer is called {prefix!r}: the layers are {join}.",
                    prefix=prefix,
                    join=", ".join(layers),
                )
            )
        picked |= hits
    return picked


def begin(model: nn.Module, start: Start) -> list[Row]:
    """Copy what matches into `model`, freeze what `start` says; the plan, as done."""
    start.check()
    rows = plan(model, start.weights, start.freeze)
    copied = {r.name: start.weights[r.name] for r in rows if r.action == "copied"}
    if not copied:
        raise SpecError(
            Text(
                "Nothing of {source} fits this model: no weight has the same name and shape.",
                source=start.source,
            )
        )
    with torch.no_grad():
        model.load_state_dict(copied, strict=False)
    frozen = {r.name for r in rows if r.frozen}
    for prefix, module in model.named_modules():  # a frozen batch norm keeps its statistics
        own = [f"{prefix}.{n}" if prefix else n for n, _ in module.named_parameters(recurse=False)]
        if type(module) in _FROZEN_NORMS and own and set(own) <= frozen:
            module.__class__ = _FROZEN_NORMS[type(module)]
            module.eval()
    if frozen >= {n for n, _ in model.named_parameters()}:
        raise SpecError(Text("Every layer is frozen: leave at least one to train."))
    scales = {}
    for name, p in model.named_parameters():
        p.requires_grad_(name not in frozen)
        if name in copied and name not in frozen:
            scales[name] = start.copied_lr_factor
    model._transfer_scales = scales  # read by groups()
    return rows


def load(model: nn.Module, start) -> dict:
    """Start `model` from `start`: None (fresh weights), a whole state dict of the same model
    (fine-tuning), or a Start; what the run's summary says of it."""
    if start is None:
        return {}
    if isinstance(start, Start):
        names = {n for n, _ in model.named_parameters()}
        return summary(begin(model, start), start.source, start.copied_lr_factor, names)
    try:
        model.load_state_dict(start)
    except RuntimeError as e:
        raise SpecError(
            Text(
                "The starting weights do not fit the model ({splitlines}).",
                splitlines=str(e).splitlines()[0],
            )
        ) from None
    return {}


def groups(model: nn.Module) -> list[dict]:
    """Parameter groups for an optimizer: frozen weights left out, copied ones scaled."""
    base = getattr(model, "_orig_mod", model)  # a torch.compile'd model's own module
    scales = getattr(base, "_transfer_scales", {})
    by_scale: dict[float, list] = {}
    for name, p in base.named_parameters():
        if p.requires_grad:
            by_scale.setdefault(scales.get(name, 1.0), []).append(p)
    return [{"params": params, SCALE: scale} for scale, params in by_scale.items()]


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """The schedule's learning rate, times each group's share."""
    for group in optimizer.param_groups:
        group["lr"] = lr * group.get(SCALE, 1.0)


def summary(rows: list[Row], source: str, factor: float, names: set[str]) -> dict:
    """What a run's summary says of its start (`names`: the parameters' names)."""
    return {
        "start_from": source,
        "copied": [r.name for r in rows if r.action == "copied"],
        "new": [r.name for r in rows if r.action == "new"],
        "frozen": [r.name for r in rows if r.frozen and r.name in names],
        "copied_lr_factor": factor,
    }
