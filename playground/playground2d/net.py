"""The Playground 2-D network: features in, hidden layers from the experiment, one output.
Its loss (with L1 / L2 on the weights), its output over the plane, and what every neuron
computes over the plane."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from playground.engine.activations import ACTIVATIONS
from playground.engine.i18n import Text
from playground.playground2d.data import CLASSIFICATION, LIMIT, features
from playground.playground2d.experiment import Experiment, ExperimentError


def build(exp: Experiment, classes: int = 2) -> nn.Sequential:
    """Linear + activation (+ dropout) per hidden layer, then a Linear to one output (a logit
    for two classes, the value for regression) or, for more than two classes, one output per
    class (softmax logits). Weights start from the experiment's seed (Xavier uniform), not the
    global random state, so two sessions never disturb each other; or all at zero (`init`
    "zero"), to show why a network needs random weights: every neuron of a layer then gets the
    same gradient and they stay the same."""
    g = torch.Generator().manual_seed(exp.seed)
    layers: list[nn.Module] = []
    width = len(exp.features)
    zero = exp.init == "zero"
    for units, activation in zip(exp.hidden, exp.activations, strict=True):
        layers += [_linear(width, units, g, zero), ACTIVATIONS[activation].make()]
        if exp.dropout > 0:
            layers.append(nn.Dropout(exp.dropout))
        width = units
    layers.append(_linear(width, classes if classes > 2 else 1, g, zero))
    return nn.Sequential(*layers)


def _linear(inputs: int, outputs: int, g: torch.Generator, zero: bool = False) -> nn.Linear:
    layer = nn.Linear(inputs, outputs)
    if zero:
        nn.init.zeros_(layer.weight)
    else:
        nn.init.xavier_uniform_(layer.weight, generator=g)
    nn.init.zeros_(layer.bias)
    return layer


def linears(model: nn.Sequential) -> list[nn.Linear]:
    return [m for m in model if isinstance(m, nn.Linear)]


@torch.no_grad()
def prune_crossed(model: nn.Sequential, before: list[torch.Tensor], dead: list[torch.Tensor]):
    """TensorFlow Playground's L1 pruning: a weight that the step moved across zero becomes 0
    and its link is dropped for good (`dead`, one bool mask per Linear, is updated)."""
    for layer, old, mask in zip(linears(model), before, dead, strict=True):
        mask |= (old * layer.weight) < 0
        layer.weight[mask] = 0.0


def score(model: nn.Module, exp: Experiment, x, y, kind: str) -> float:
    """Accuracy or R² on points (x, y) (see `measure`)."""
    return measure(model, exp, x, y, kind)[1]


def to_json(model: nn.Sequential) -> dict:
    """Every layer's weights (outputs x inputs) and biases, as plain lists."""
    return {
        "layers": [{"weight": m.weight.tolist(), "bias": m.bias.tolist()} for m in linears(model)]
    }


@torch.no_grad()
def load_json(model: nn.Sequential, data) -> None:
    """Set the model's weights and biases from `to_json`'s form; ExperimentError (nothing
    changed) if they do not fit this network."""
    layers = linears(model)
    try:
        given = data["layers"]
        tensors = [(torch.tensor(d["weight"], dtype=torch.float32),
                    torch.tensor(d["bias"], dtype=torch.float32)) for d in given]  # fmt: skip
    except (TypeError, KeyError, ValueError, RuntimeError):
        raise ExperimentError(
            Text(
                "Weights are a JSON object {example}.",
                example='{"layers": [{"weight": [[...]], "bias": [...]}, ...]}',
            )
        ) from None
    if len(tensors) != len(layers):
        raise ExperimentError(
            Text(
                "These weights have {count} layers; this network has {count2} (its "
                "hidden layers and the output).",
                count=len(tensors),
                count2=len(layers),
            )
        )
    for i, (layer, (w, b)) in enumerate(zip(layers, tensors, strict=True)):
        if w.shape != layer.weight.shape or b.shape != layer.bias.shape:
            raise ExperimentError(
                Text(
                    "Layer {value}'s weights are {tuple} with {tuple2} biases; this "
                    "network's are {tuple3} with {tuple4}.",
                    value=i + 1,
                    tuple=tuple(w.shape),
                    tuple2=tuple(b.shape),
                    tuple3=tuple(layer.weight.shape),
                    tuple4=tuple(layer.bias.shape),
                )
            )
        if not (torch.isfinite(w).all() and torch.isfinite(b).all()):
            raise ExperimentError(
                Text("Layer {value} has a weight that is not a finite number.", value=i + 1)
            )
    for layer, (w, b) in zip(layers, tensors, strict=True):
        layer.weight.copy_(w)
        layer.bias.copy_(b)


def output(model: nn.Module, exp: Experiment, x: torch.Tensor, kind: str) -> torch.Tensor:
    """(N,) predictions for points x (N, 2): the probability of class 1, the most probable
    class (more than two classes), or the target."""
    raw = model(features(x, exp.features))
    if raw.shape[1] > 1:
        return raw.argmax(dim=1).float()
    return torch.sigmoid(raw[:, 0]) if kind == CLASSIFICATION else raw[:, 0]


def loss(model: nn.Module, exp: Experiment, x, y, kind: str, penalty: bool = True):
    """The data loss on points (x, y), plus the weight penalty while training."""
    value = _data_loss(model(features(x, exp.features)), exp, y, kind)
    if penalty and exp.regularization != "none" and exp.reg_rate > 0:
        weights = [m.weight for m in model.modules() if isinstance(m, nn.Linear)]
        if exp.regularization == "l1":
            value = value + exp.reg_rate * sum(w.abs().sum() for w in weights)
        else:
            value = value + exp.reg_rate * sum((w * w).sum() for w in weights) / 2
    return value


def _data_loss(raw: torch.Tensor, exp: Experiment, y, kind: str) -> torch.Tensor:
    """raw: (N, outputs). Two classes: one logit; more: softmax over one logit a class."""
    if raw.shape[1] > 1:  # more than two classes
        if exp.loss == "cross_entropy":
            return F.cross_entropy(raw, y.long())
        target = F.one_hot(y.long(), raw.shape[1]).to(raw.dtype)
        return F.mse_loss(torch.softmax(raw, dim=1), target)
    out = raw[:, 0]
    if kind == CLASSIFICATION and exp.loss == "cross_entropy":
        return F.binary_cross_entropy_with_logits(out, y)
    if kind == CLASSIFICATION:
        return F.mse_loss(torch.sigmoid(out), y)
    return F.mse_loss(out, y)


@torch.no_grad()
def measure(model: nn.Module, exp: Experiment, x, y, kind: str) -> tuple[float, float]:
    """(data loss, score) on points (x, y) from one forward pass: the score is accuracy
    (classification: the output's side of 0.5, or the most probable class, against the label)
    or R² (regression: 1 - residual sum of squares / total sum of squares); nan for both
    without points."""
    if len(x) == 0:
        return float("nan"), float("nan")
    model.eval()
    raw = model(features(x, exp.features))
    value = _data_loss(raw, exp, y, kind).item()
    if raw.shape[1] > 1:
        return value, (raw.argmax(dim=1).to(y.dtype) == y).double().mean().item()
    out = raw[:, 0]
    if kind == CLASSIFICATION:
        return value, ((out > 0).to(y.dtype) == y).double().mean().item()
    total = ((y - y.mean()) ** 2).sum()
    residual = ((y - out) ** 2).sum()
    return value, (1 - residual / total).item() if total > 0 else float("nan")


def plane_grid(resolution: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The coordinates along one side (R,) and all grid points (R * R, 2), rows along x2."""
    side = torch.linspace(-LIMIT, LIMIT, resolution)
    g2, g1 = torch.meshgrid(side, side, indexing="ij")
    return side, torch.stack([g1.flatten(), g2.flatten()], dim=1)


@torch.no_grad()
def over_plane(model: nn.Module, exp: Experiment, kind: str, resolution: int = 50):
    """The output at every point of a resolution x resolution grid (rows along x2)."""
    model.eval()
    _, grid = plane_grid(resolution)
    return output(model, exp, grid, kind).reshape(resolution, resolution)


@torch.no_grad()
def neurons_over_plane(model: nn.Sequential, exp: Experiment, kind: str, resolution: int = 20):
    """Every feature's, hidden neuron's and the output's value over the plane: one (units, R, R)
    tensor per column of the network diagram (features, each hidden layer, the output)."""
    model.eval()
    _, grid = plane_grid(resolution)
    x = features(grid, exp.features)
    columns = [x.T.reshape(-1, resolution, resolution)]
    for module in model:
        x = module(x)
        if not isinstance(module, (nn.Linear, nn.Dropout)):  # after each activation
            columns.append(x.T.reshape(-1, resolution, resolution))
    if x.shape[1] > 1:  # one output a class: their softmax probabilities
        out = torch.softmax(x, dim=1)
    else:
        out = torch.sigmoid(x) if kind == CLASSIFICATION else x  # x: the last Linear's output
    columns.append(out.T.reshape(-1, resolution, resolution))
    return columns


def biases(model: nn.Sequential) -> list[torch.Tensor]:
    """Each Linear layer's biases (outputs,), detached copies."""
    return [m.bias.detach().clone() for m in model if isinstance(m, nn.Linear)]


def weights(model: nn.Sequential) -> list[torch.Tensor]:
    """Each Linear layer's weight matrix (outputs, inputs), detached copies."""
    return [m.weight.detach().clone() for m in model if isinstance(m, nn.Linear)]
