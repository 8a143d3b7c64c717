"""What a browser session holds for the Language page: its GPT spec and settings (apart from
the image model of Build and Train), and a text of its own, kept per owner on the server."""

from __future__ import annotations

import dataclasses

import streamlit as st
import torch

from playground.engine.i18n import N_, Text, _
from playground.engine.records import SpecError
from playground.exchange import own_texts
from playground.exchange.runs import default_runs_dir
from playground.serving.sweeps import CompareJob
from playground.tasks.language import corpora
from playground.tasks.language.recipe import LanguageConfig
from playground.tasks.language.task import LANGUAGE, preset
from playground.ui import start_from, state
from playground.ui.language.look import shipped

_SPEC, _CONFIG, _OWN = "language-model", "language-recipe", "language-own-text"
DEFAULT = "shakespeare-char"


def spec():
    if _SPEC not in st.session_state:
        st.session_state[_SPEC] = preset(DEFAULT)[0]
    return st.session_state[_SPEC]


def config() -> LanguageConfig:
    if _CONFIG not in st.session_state:
        st.session_state[_CONFIG] = preset(DEFAULT)[1]
    return st.session_state[_CONFIG]


def set_spec(new, refresh: bool = True) -> None:
    st.session_state[_SPEC] = new
    if refresh:
        state.bump("language")


def set_config(new: LanguageConfig, refresh: bool = True) -> None:
    st.session_state[_CONFIG] = new
    if refresh:
        state.bump("language")


def own_text() -> tuple[str, str] | None:
    """(file name, text) of the text this person uploaded, or None: this session's, or the
    one kept on the server from an earlier visit."""
    if _OWN not in st.session_state:
        found = own_texts.kept(state.owner(), default_runs_dir())
        if found is None:
            return None
        st.session_state[_OWN] = found
    return st.session_state[_OWN]


def keep_own_text(name: str, raw: bytes) -> str:
    """Check and keep an uploaded text (on the server, for its owner only, counted in their
    quota); SpecError in words if it cannot be used or kept (nothing is deleted then).
    Returns the text."""
    text = corpora.own_text(raw, name)
    own_texts.keep(state.owner(), name, text, default_runs_dir(), state.manager().settings)
    st.session_state[_OWN] = (name, text)
    return text


def _adopt(found) -> None:
    """A reloaded tab shows the model and settings of the job it finds."""
    if st.session_state.get(_SPEC) is None:
        set_spec(dataclasses.replace(found.spec, vocab=0))
        set_config(found.config)
        st.rerun()


def start(model, recipe, begin=None, compare: bool = False) -> None:
    """Queue a language job of this session's owner (from `begin`, a transfer.Start, or from
    random weights; with `compare`, both as one job); SpecError (Refused among them) if not."""
    extra = None
    if recipe.corpus == corpora.OWN:
        found = own_text()
        if found is None:
            raise SpecError(Text("Upload a .txt file first: the corpus is set to your own text."))
        extra = found[1]
    extra = start_from.extra_for("language", begin, extra, model)
    if compare and begin is not None:
        state.start_group(
            CompareJob(model, recipe, begin, task=LANGUAGE, extra=extra, **state.job_options())
        )
    else:
        state.start_job(model, recipe, extra=extra, initial_weights=begin)


def _meta_model(spec, folder: str):
    """The next model on the meta device, with the vocabulary of the model it starts from."""
    vocab = start_from.source_run(folder).spec.vocab
    with torch.device("meta"):
        return LANGUAGE.build(dataclasses.replace(spec, vocab=vocab))


def start_picker(spec):
    """The Language page's "Start from a trained model" (the ready models among the sources)."""
    ready = {
        str(p): (
            _("Ready: {name} (ships with the app)").format(name=p.name),
            _("the ready {name} model").format(name=p.name),
        )
        for p in shipped()
    }
    page = start_from.Page("language", "language-start", ready, N_("Weights from"),
                           lambda found: set_spec(dataclasses.replace(found, vocab=0)))  # fmt: skip
    return start_from.picker(page, spec, _meta_model)


state.ADOPT["language"] = _adopt
