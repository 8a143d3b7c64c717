"""Teach it my handwriting: drawings the model got wrong, with the right label, become a
personal set; "Fine-tune" trains the chosen model a little on that set mixed with MNIST (so it
learns the user's style without forgetting the rest), in the background like any job."""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from playground.datasets import image_sets
from playground.engine.i18n import _, ngettext
from playground.engine.records import SpecError
from playground.explain.drawing import Prepared
from playground.serving.jobs import TrainingJob
from playground.tasks.image import evaluation
from playground.tasks.image.evaluation import Answer
from playground.tasks.image.fit import pass_batch_size
from playground.tasks.image.recipe import TrainConfig
from playground.tasks.image.specs import ModelSpec
from playground.ui import fine_tune, model_picker, state
from playground.ui.model_picker import Choice
from playground.ui.text import plain

_SET, _JOB, _BEFORE, _AFTER = "teach-set", "teach-job", "teach-before", "teach-after"
_CHOSEN = "teach-chosen"  # fine-tunes whose run was made the Draw page's model
PICKER = "draw-model"  # the Draw page's model picker
MIX_REPEAT = 20  # each drawing appears this often per epoch, each time augmented anew
FINE_TUNE = {  # a short, gentle run: a low lr so that what the model knew stays
    "dataset": "mnist",
    "epochs": 2,
    "train_limit": 4000,  # MNIST images mixed with the user's
    "optimizer": "adam",
    "lr": 2e-4,
    "schedule": "constant",
    "augment": True,
    "augment_rotation": 8.0,
    "augment_scale": 0.1,
    "augment_shift": 0.08,
    "val_fraction": 0.05,
}


def personal_set() -> list[tuple[np.ndarray, int]]:
    """(28x28 uint8 image, label) of each drawing the user taught."""
    return st.session_state.setdefault(_SET, [])


def panel(choice: Choice | None, prepared: Prepared | None, answer: Answer | None) -> None:
    st.subheader(_("Teach it my handwriting"))
    if choice is None or choice.model is None:
        return
    classes = choice.dataset.names()
    if answer is not None and prepared is not None:
        cols = st.columns([2, 1], vertical_alignment="bottom")
        label = cols[0].selectbox(
            _("The right answer"),
            range(len(classes)),
            index=answer.label,
            format_func=lambda i: classes[i],
            key="teach-label",
        )
        if cols[1].button(_("Add to my set"), key="teach-add", icon=":material/add:"):
            personal_set().append(((prepared.image * 255).round().astype(np.uint8), label))
            n = len(personal_set())
            st.toast(
                ngettext(
                    "Added a {classes} to your set ({count} drawing).",
                    "Added a {classes} to your set ({count} drawings).",
                    n,
                ).format(classes=classes[label], count=n)
            )
    mine = personal_set()
    if not mine:
        st.caption(
            _(
                "When the answer is wrong, choose the right one and add the drawing; a few of each "
                "digit it misreads are enough. Then fine-tune."
            )
        )
        return
    st.caption(
        ngettext("Your set: {count} drawing.", "Your set: {count} drawings.", len(mine)).format(
            count=len(mine)
        )
    )
    cols = st.columns(min(len(mine), 8))
    for i, (image, label) in enumerate(mine[-8:]):
        cols[i].image(image, caption=classes[label], width=48)
    job = state.manager().owned(state.owner(), st.session_state.get(_JOB))
    busy = job is not None and not job.status.ended
    reason = state.busy_reason()
    c1, c2 = st.columns(2)
    start = c1.button(
        _("Fine-tune on my set"),
        key="teach-start",
        disabled=reason is not None,
        type="primary",
        help=reason,
    )
    if start and _start(choice, mine):
        st.rerun()
    if reason is not None and not busy:
        st.caption(plain(reason))
    if c2.button(_("Clear my set"), key="teach-clear", disabled=busy):
        mine.clear()
        st.rerun()
    if job is not None:
        _progress(job, classes)


def _start(choice: Choice, mine: list[tuple[np.ndarray, int]]) -> bool:
    x = torch.from_numpy(np.stack([image for image, _label in mine]))[:, None]  # (N, 1, 28, 28)
    y = torch.tensor([label for _image, label in mine])
    info = choice.dataset
    config = TrainConfig.from_dict({**FINE_TUNE, "dataset": info.name})
    try:
        job = state.new_job(
            choice.spec,
            config,
            name=f"{choice.spec.name}-my-handwriting",
            initial_weights={k: v.clone() for k, v in choice.model.state_dict().items()},
            extra=(x, y, MIX_REPEAT),
        )
        state.submit(job)
    except SpecError as e:
        st.error(plain(e.message))
        return False
    st.session_state[_JOB] = job.id
    st.session_state[_BEFORE] = _answers(choice.model, choice.spec, x, info, choice.loss)
    return True


def after_shown(job: TrainingJob) -> bool:
    """True the first time a finished fine-tune is shown (then its run becomes the model)."""
    chosen = st.session_state.setdefault(_CHOSEN, set())
    if job.id in chosen:
        return False
    chosen.add(job.id)
    return True


def _answers(model, spec: ModelSpec, x: torch.Tensor, info: image_sets.DatasetInfo, loss: str):
    """The class the model reads in each of the drawings x, as many at a time as fit."""
    batch = pass_batch_size(spec, state.memory_budget())
    return evaluation.predictions(evaluation.outputs_of(model, x, info, batch), loss).tolist()


def _progress(job: TrainingJob, classes: tuple[str, ...]) -> None:
    fine_tune.progress(job, lambda job: _after(job, classes))


def _after(job: TrainingJob, classes: tuple[str, ...]) -> None:
    """The drawings read before and after the finished fine-tune `job`."""
    mine = personal_set()
    before = st.session_state.get(_BEFORE, [])
    after = st.session_state.get(_AFTER)
    if after is None or after[0] != job.id:  # once per job, not on every stroke
        x = torch.from_numpy(np.stack([image for image, _label in mine]))[:, None]
        info = image_sets.DATASETS[job.config.dataset]
        answers = _answers(job.inference_model(), job.spec, x, info, job.config.loss)
        after = st.session_state[_AFTER] = (job.id, answers)
    after = after[1]
    rows = [
        {_("right answer"): classes[label], _("before"): classes[b], _("after"): classes[a]}
        for (_image, label), b, a in zip(mine, before, after, strict=False)
    ]
    cols = st.columns(8)  # the drawings themselves, each with what it was read as
    for i, ((image, _label), row) in enumerate(zip(mine, rows, strict=False)):
        cols[i % 8].image(image, width=56, caption=_("{before} → {after}").format(
            before=row[_("before")], after=row[_("after")]))  # fmt: skip
    st.dataframe(rows, hide_index=True, key="teach-table")
    fixed = sum(r[_("after")] == r[_("right answer")] for r in rows)
    text = _("It now reads {fixed} of your {count} drawings right").format(
        fixed=fixed, count=len(rows)
    )
    test = job.summary.get("test_accuracy")
    if test is not None:
        text += _(", and {test:.2%} of the test digits").format(test=test)
    if job.run_dir is not None and after_shown(job):  # the tuned model, chosen once
        model_picker.choose_next(PICKER, str(job.run_dir))
        st.rerun(scope="app")
    if job.run_dir is not None:
        text += _(": it is now the model above, so your next drawing goes to it")
    st.success(text + ".")
