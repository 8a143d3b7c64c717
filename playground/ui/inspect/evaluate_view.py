"""The Evaluate page's pieces: the scores, the confusion matrix with drill-down, the mistakes,
and two models compared (the test-set pass itself is whole_test_set.py's)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
import torch

from playground.datasets.images import Dataset
from playground.engine.i18n import N_, _, ngettext
from playground.explain import figures
from playground.tasks.image import evaluation
from playground.ui.chart_clicks import new_click
from playground.ui.inspect import whole_test_set
from playground.ui.model_picker import Choice, no_weights_yet
from playground.ui.text import headed, plain

_HEADERS = (
    N_("class"),
    N_("precision"),
    N_("recall"),
    N_("F1"),
    N_("images"),
    N_("true"),
    N_("predicted"),
)  # the tables' columns, in the catalog (headed shows them)

LIVE_SECONDS = 15.0  # a live job's test-set pass is redone this often (about 2 s of CPU each)
MODEL_STATE = ("eval-true", "eval-guess", "eval-confusion")  # a cell of one model's matrix


def summary(data: Dataset, test: evaluation.TestScores) -> torch.Tensor:
    """Accuracy, loss and per-class scores; returns the confusion matrix."""
    classes = data.info.names()
    cols = st.columns(3)
    cols[0].metric(_("Test accuracy"), f"{test.accuracy:.2%}")
    cols[1].metric(
        _("Test loss"), f"{test.loss:.4f}", help=_("As the model's own loss computes it.")
    )
    cols[2].metric(_("Test images"), f"{len(data.test_y):,}")
    if data.note:
        st.info(plain(data.note))
    matrix = evaluation.confusion_matrix(data.test_y, test.predicted, len(classes))
    scores = evaluation.class_scores(matrix)
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "class": c,
                    "precision": s.precision,
                    "recall": s.recall,
                    "F1": s.f1,
                    "images": s.support,
                }
                for c, s in zip(classes, scores, strict=True)
            ]
        ),
        hide_index=True,
        column_config=headed(
            ["class", "precision", "recall", "F1", "images"],
            {
                k: st.column_config.NumberColumn(format="percent")
                for k in ("precision", "recall", "F1")
            },
        ),
        key="eval-scores",
    )
    return matrix


def confusion(data: Dataset, probs: torch.Tensor, matrix: torch.Tensor) -> None:
    """The matrix; a click on a cell (or the two pickers) shows that cell's images, the most
    confused pair to start with."""
    classes = data.info.names()
    k = len(classes)
    cols = st.columns([3, 2])
    cols[0].caption(_("Click a cell to see its images."))
    mistakes_only = cols[1].toggle(
        _("Colour the mistakes only"),
        True,
        key="eval-mistakes-only",
        help=_("The diagonal (right answers) dwarfs the mistakes; leave it uncoloured."),
    )
    st.plotly_chart(
        figures.confusion_figure(matrix.tolist(), classes, mistakes_only),
        key="eval-confusion",
        on_select="rerun",
        selection_mode="points",
    )
    cell = new_click("eval-confusion")
    if cell and cell.get("x") in classes and cell.get("y") in classes:  # the pickers follow
        st.session_state["eval-true"] = classes.index(cell["y"])
        st.session_state["eval-guess"] = classes.index(cell["x"])
    kept = (st.session_state.get("eval-true"), st.session_state.get("eval-guess"))
    if not all(isinstance(i, int) and 0 <= i < k for i in kept):  # none yet, or another model's
        worst = int(matrix.clone().fill_diagonal_(0).argmax())
        st.session_state["eval-true"], st.session_state["eval-guess"] = worst // k, worst % k
    cols = st.columns(2)
    true = cols[0].selectbox(
        _("True class"), range(k), format_func=lambda i: classes[i], key="eval-true"
    )
    guess = cols[1].selectbox(
        _("Predicted as"), range(k), format_func=lambda i: classes[i], key="eval-guess"
    )
    chosen = ((data.test_y == true) & (probs.argmax(dim=1) == guess)).nonzero().flatten()
    confidence = probs[chosen, guess]
    chosen = chosen[confidence.argsort(descending=True)]  # the surest first
    shown = _(" (the {n} surest)").format(n=min(24, len(chosen))) if len(chosen) > 24 else ""
    st.markdown(
        ngettext(
            "**True {true}, predicted {guess}: {count} image{shown}**",
            "**True {true}, predicted {guess}: {count} images{shown}**",
            len(chosen),
        ).format(
            true=classes[true],
            guess=classes[guess],
            count=len(chosen),
            shown=shown,
        )
    )
    gallery(data, probs, chosen[:24].tolist())


def mistakes(data: Dataset, probs: torch.Tensor, matrix: torch.Tensor) -> None:
    classes = data.info.names()
    predicted = probs.argmax(dim=1)
    wrong = (predicted != data.test_y).nonzero().flatten()
    confidence = probs.max(dim=1).values
    worst = wrong[confidence[wrong].argsort(descending=True)][:12]
    st.subheader(_("Most confident mistakes"))
    gallery(data, probs, worst.tolist())
    off = matrix.clone().fill_diagonal_(0)
    pairs = sorted(
        ((int(off[t, p]), t, p) for t in range(len(classes)) for p in range(len(classes))),
        reverse=True,
    )[:5]
    st.subheader(_("Most confused pairs"))
    st.dataframe(
        [{"true": classes[t], "predicted": classes[p], "images": n} for n, t, p in pairs if n],
        hide_index=True,
        column_config=headed(["true", "predicted", "images"]),
        key="eval-pairs",
    )
    right = (predicted == data.test_y).nonzero().flatten()[:6]
    st.subheader(_("A few it gets right"))
    gallery(data, probs, right.tolist())


def gallery(data: Dataset, probs: torch.Tensor, indices: list[int], who: str = "") -> None:
    """Test images with their true class and the answer in `probs` (the answer of `who`, a
    model's name, where the page shows two)."""
    classes = data.info.names()
    if not indices:
        st.caption(_("None."))
        return
    cols = st.columns(6)
    for n, i in enumerate(indices):
        p = probs[i]
        label = int(p.argmax())
        image = np.kron(data.test_x[i, 0].numpy(), np.ones((3, 3), np.uint8))
        says = dict(
            i=i, classes=classes[int(data.test_y[i])], classes2=classes[label], p=float(p[label])
        )
        caption = (
            _("#{i}: true {classes}, {who} says {classes2} ({p:.0%})").format(who=who, **says)
            if who
            else _("#{i}: true {classes}, says {classes2} ({p:.0%})").format(**says)
        )
        cols[n % 6].image(image, caption=caption)


def compare(data: Dataset, test: evaluation.TestScores, first: Choice, second: Choice) -> None:
    """Two models on the same test images: which ones each gets right and the other not."""
    probs, mine = test.probabilities, test.accuracy
    if second.model is None:
        no_weights_yet(second)
        return
    if (
        second.dataset.classes != first.dataset.classes
        or second.spec.input_shape != first.spec.input_shape
    ):
        st.warning(
            _(
                "{label} was trained on {label2}, {label3} on {label4}: pick two models "
                "for the same kind of images."
            ).format(
                label=plain(second.label),
                label2=_(second.dataset.label),
                label3=plain(first.label),
                label4=_(first.dataset.label),
            )
        )
        return
    found = whole_test_set.results(second, data.info.name)  # the first one's test set, through it
    if found is None:
        return
    other = found[1].probabilities
    split = evaluation.agreement(data.test_y, probs.argmax(dim=1), other.argmax(dim=1))
    n = len(data.test_y)
    cols = st.columns(2)
    for col, choice, accuracy in ((cols[0], first, mine), (cols[1], second, found[1].accuracy)):
        col.metric(_("Accuracy: {label}").format(label=plain(choice.label)), f"{accuracy:.2%}")
    st.dataframe(
        [
            {_("images"): _("both right"), _("count"): len(split.both_right)},
            {
                _("images"): _("only {label} right").format(label=first.label),
                _("count"): len(split.only_first),
            },
            {
                _("images"): _("only {label} right").format(label=second.label),
                _("count"): len(split.only_second),
            },
            {_("images"): _("both wrong"), _("count"): len(split.both_wrong)},
        ],
        hide_index=True,
        column_config={
            _("count"): st.column_config.NumberColumn(help=_("of {n:,} test images").format(n=n))
        },
        key="eval-agreement",
    )
    for right, wrong, only, answers in (
        (first, second, split.only_first, other),
        (second, first, split.only_second, probs),
    ):
        st.markdown(
            _("**Only {right} gets these right** ({count}): what {wrong} says instead").format(
                right=plain(right.label), wrong=plain(wrong.label), count=len(only)
            )
        )
        surest = only[answers[only].max(dim=1).values.argsort(descending=True)][:12]
        gallery(data, answers, surest.tolist(), who=wrong.label)
