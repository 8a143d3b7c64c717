"""What a trained image model gives away: membership inference.

An attacker who can ask the model about an image guesses whether that image was in its training
set. The loss-threshold attack (Yeom et al., 2018) says "member" when the model's loss on the
image is low: a model that memorised its data is surer of what it has seen. Swept over every
threshold it is an ROC curve; its area (AUC; 0.5 is a coin) and its advantage (the largest
true-positive rate minus false-positive rate; 0 is a coin) say how much leaks. Two single rules
need no threshold of their own: Yeom's (a member if the loss is below the model's mean training
loss, which a model's owner publishes) and the reference rule (a member if the loss is below the
median loss on other unseen images of the same kind, which the attacker has).

`attack(run)` runs it on a saved run: up to 1,000 of its training images against as many test
images it never saw (and as many more as the reference). ROC and AUC come from torchmetrics.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torchmetrics.functional.classification import binary_auroc, binary_roc

from playground.datasets import image_sets
from playground.tasks.image import catalog
from playground.tasks.image.evaluation import outputs_of
from playground.tasks.image.fit import pass_batch_size

MOST = 1000  # training images the attack asks about (and as many unseen ones)


@dataclass(frozen=True)
class Guess:
    """One rule's guesses: the share of members it calls members (true-positive rate) and of
    unseen images it calls members (false-positive rate)."""

    tpr: float
    fpr: float

    @property
    def advantage(self) -> float:
        return self.tpr - self.fpr

    @property
    def accuracy(self) -> float:
        """On as many members as unseen images."""
        return (self.tpr + 1 - self.fpr) / 2


@dataclass(frozen=True)
class Attack:
    """The loss-threshold attack's ROC curve, AUC and advantage, the two single rules, each
    image's loss, and the images it is surest were trained on."""

    fpr: list[float]
    tpr: list[float]
    auc: float
    advantage: float
    yeom: Guess
    reference: Guess
    member_losses: torch.Tensor  # (M,)
    unseen_losses: torch.Tensor  # (M,)
    surest: list[tuple[int, bool]]  # (index among members + unseen, was it a member), surest first

    def to_dict(self) -> dict:
        return {
            "auc": round(self.auc, 4),
            "advantage": round(self.advantage, 4),
            "yeom": {"tpr": self.yeom.tpr, "fpr": self.yeom.fpr,
                     "advantage": round(self.yeom.advantage, 4)},
            "reference": {"tpr": self.reference.tpr, "fpr": self.reference.fpr,
                          "advantage": round(self.reference.advantage, 4)},
            "members": len(self.member_losses),
            "unseen": len(self.unseen_losses),
        }  # fmt: skip


def per_example_loss(out: torch.Tensor, y: torch.Tensor, loss: str, classes: int) -> torch.Tensor:
    """Each example's loss under the run's own loss (the model's outputs `out`)."""
    if loss == "cross_entropy":
        return F.cross_entropy(out.double(), y, reduction="none")
    if loss == "nll":
        return F.nll_loss(out.double(), y, reduction="none")
    compute = catalog.LOSSES[loss].compute
    return torch.stack([compute(out[i : i + 1], y[i : i + 1], classes, 0.0) for i in range(len(y))])


def scores(member_losses: torch.Tensor, unseen_losses: torch.Tensor,
           mean_train_loss: float | None = None, reference_losses: torch.Tensor | None = None,
           ) -> Attack:  # fmt: skip
    """The attack on these losses: lower loss, surer "member"."""
    losses = torch.cat([member_losses, unseen_losses]).double()
    truth = torch.cat([torch.ones(len(member_losses)), torch.zeros(len(unseen_losses))]).long()
    fpr, tpr, _ = binary_roc(-losses, truth)
    auc = float(binary_auroc(-losses, truth))
    threshold = float(member_losses.mean()) if mean_train_loss is None else mean_train_loss
    median = float((reference_losses if reference_losses is not None else unseen_losses).median())
    order = torch.argsort(losses, stable=True)[:8].tolist()
    return Attack(
        fpr=fpr.tolist(), tpr=tpr.tolist(), auc=auc, advantage=float((tpr - fpr).max()),
        yeom=_rule(member_losses, unseen_losses, threshold),
        reference=_rule(member_losses, unseen_losses, median),
        member_losses=member_losses, unseen_losses=unseen_losses,
        surest=[(i, i < len(member_losses)) for i in order],
    )  # fmt: skip


def _rule(members: torch.Tensor, unseen: torch.Tensor, threshold: float) -> Guess:
    """Member when the loss is below `threshold`."""
    return Guess(
        float((members < threshold).float().mean()), float((unseen < threshold).float().mean())
    )


def losses_on(model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss: str,
              info: image_sets.DatasetInfo, batch_size: int) -> torch.Tensor:  # fmt: skip
    with torch.no_grad():
        out = outputs_of(model, x, info, batch_size)
        return per_example_loss(out, y, loss, len(info.classes)).cpu()


def attack(run, data, batch_size: int | None = None, most: int = MOST) -> tuple[Attack, dict]:
    """The attack on run `run` (image task) with its own dataset `data` (loaded as it trained:
    the same split): its training images against unseen test images. Also the images, for
    showing the surest ones: {"x": uint8 (2M, C, H, W), "y": (2M,)}."""
    if batch_size is None:  # what the server's memory budget allows a pass
        batch_size = pass_batch_size(run.spec, None, data.info.input_shape)
    m = min(most, len(data.train_x), len(data.test_x) // 2)
    members_x, members_y = data.train_x[:m], data.train_y[:m]
    unseen_x, unseen_y = data.test_x[:m], data.test_y[:m]
    ref_x, ref_y = data.test_x[m : 2 * m], data.test_y[m : 2 * m]
    model = run.model().to(data.train_x.device)
    loss = run.config.loss
    member_losses = losses_on(model, members_x, members_y, loss, data.info, batch_size)
    unseen_losses = losses_on(model, unseen_x, unseen_y, loss, data.info, batch_size)
    reference = losses_on(model, ref_x, ref_y, loss, data.info, batch_size) if len(ref_y) else None
    train_loss = next((e.train_loss for e in reversed(run.log().epochs())), None)
    found = scores(member_losses, unseen_losses, train_loss, reference)
    images = {
        "x": torch.cat([members_x, unseen_x]).cpu(),
        "y": torch.cat([members_y, unseen_y]).cpu(),
    }
    return found, images
