"""A generative model's score on the Generate page, the same for every family: what the app's
classifier reads in what it makes (per digit asked, the classes it makes, its confidence) and
the Fréchet distance to real digits beside two real sets'. For a GAN, besides: real against
generated as the discriminator scored them, epoch by epoch, and the classes it made at each
moment of training (collapse onto a few digits shows, and its recovery)."""

from __future__ import annotations

import streamlit as st

from playground.engine.i18n import _
from playground.tasks.generate import figures, score
from playground.tasks.generate.task import GENERATE, SCORED
from playground.ui.generate.real_digits import test_images


@st.cache_data(max_entries=16, show_spinner=False)
def _scored(key: str, dataset: str, _model) -> dict:
    return score.of_model(_model, (test_images(dataset)[0] * 255).round().byte())


def show(picked) -> None:
    st.subheader(_("Its score"))
    if picked.dataset not in SCORED:
        st.caption(_("The app's classifier reads digits: it cannot score a model of other "
                     "images."))  # fmt: skip
        return
    found = picked.summary if "frechet" in picked.summary else None
    if found is None:
        if not st.button(_("Score it now"), key="generate-score",
                         help=_("About 500 images, read by the app's classifier: a few "
                                "seconds.")):  # fmt: skip
            st.caption(_("A run is scored when it finishes; this one has no score yet."))
            return
        found = _scored(picked.key, picked.dataset, picked.model)
    cols = st.columns(3)
    cols[0].metric(_("Fréchet distance"), f"{found['frechet']:.1f}",
                   help=_("Between the classifier's features of {n} images it made and of as "
                          "many real test digits: 0 is the same spread of features. Two sets "
                          "of real digits are {real:.1f} apart.").format(
                       n=found["score_images"], real=found["frechet_real"]))  # fmt: skip
    if found.get("as_asked") is not None:
        cols[1].metric(_("Read as asked"), f"{found['as_asked']:.1%}")
    cols[2].metric(_("Confidence"), f"{found['confidence']:.0%}",
                   help=_("The classifier's mean probability of the digit it read."))  # fmt: skip
    st.plotly_chart(figures.score_figure(found.get("as_asked_per_digit"), found["read_as"]),
                    key="generate-score-chart")  # fmt: skip
    st.caption(_("Real digits: a Fréchet distance of {real:.1f} with as many images. A model "
                 "that makes only a few digits shows them as tall bars here.").format(
        real=found["frechet_real"]))  # fmt: skip


@st.cache_data(max_entries=16, show_spinner=False)
def _classes(key: str, moments: int, _spec, _snapshots):
    picked, shares = score.over_training(lambda: GENERATE.build(_spec), _snapshots)
    return [_(s.label) for s in picked], shares


def gan_over_training(picked) -> None:
    """A GAN's discriminator scores per epoch and the classes it made at each moment."""
    if picked.spec.family != "gan":
        return
    st.subheader(_("The GAN as it trained"))
    epochs = [e for e in picked.epochs if "D(x)" in e.values]
    if epochs:
        st.plotly_chart(figures.discriminator_figure(
            [e.epoch for e in epochs], [e.values["D(x)"] for e in epochs],
            [e.values["D(G(z))"] for e in epochs]), key="generate-d-chart")  # fmt: skip
        st.caption(_("Each epoch, on validation digits: how sure the discriminator is that "
                     "real digits are real, and that generated ones are. Near 0.5 both, it "
                     "can no longer tell them apart."))  # fmt: skip
    if picked.dataset in SCORED and len(picked.snapshots) >= 2:
        labels, shares = _classes(picked.key, len(picked.snapshots), picked.spec,
                                  picked.snapshots)  # fmt: skip
        st.plotly_chart(figures.classes_figure(labels, shares), key="generate-classes-chart")


def terms(epochs: list, key: str) -> None:
    """The family's loss terms per epoch (nothing before the first epoch ends)."""
    shown = [e for e in epochs if e.values]
    if not shown:
        return
    fig = figures.terms_figure([e.epoch for e in shown], [e.values for e in shown])
    st.plotly_chart(fig, key=key)
