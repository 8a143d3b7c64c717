"""The Language page's set-up: the corpus (or your own text) and how it becomes tokens, the
model's size and the switches that teach what each part is for, and the training settings."""

from __future__ import annotations

import dataclasses
import functools
import html
from collections import Counter

import streamlit as st
import torch

from playground.engine import transfer
from playground.engine.i18n import N_, _
from playground.engine.memory import size_text
from playground.engine.optimizers import OPTIMIZERS
from playground.engine.records import SpecError
from playground.tasks.language import corpora, data
from playground.tasks.language.fit import estimate_memory
from playground.tasks.language.recipe import REGISTRIES, SETTINGS, LanguageConfig
from playground.tasks.language.specs import FIELD_LABELS, LIMITS, NORMS, OBJECTIVES, POSITIONS
from playground.tasks.language.task import LANGUAGE, PRESETS, preset
from playground.ui import start_from, state, uploads
from playground.ui.language import session
from playground.ui.privacy import form as privacy_form
from playground.ui.text import headed, plain
from playground.ui.train.train_form import widget

_HEADERS = (N_("id"), N_("token"), N_("count"))  # the vocabulary's columns, in the catalog

PALETTE = ["#dbeafe", "#fde68a", "#bbf7d0", "#fbcfe8", "#ddd6fe", "#fed7aa", "#a5f3fc"]
SHOWN_TOKENS = 400  # of a sentence split into tokens


def corpus_and_tokens() -> None:
    """The corpus picker's context: your own text's upload, how a sentence splits into tokens,
    the vocabulary with its counts, and characters per token."""
    c = session.config()
    if c.corpus == corpora.OWN:
        upload = uploads.uploader(_("Your text (.txt, UTF-8)"), ["txt"], "language-upload")
        if upload is not None and st.session_state.get("language-upload-seen") != upload.file_id:
            st.session_state["language-upload-seen"] = upload.file_id  # read once, even if bad
            try:
                session.keep_own_text(upload.name, upload.getvalue())
            except SpecError as e:
                st.error(plain(e.message), icon=":material/error:")
        found = session.own_text()
        if found is None:
            st.info(
                _(
                    "Upload a text to train on it: it is kept for you, and saved with the runs "
                    "that read it."
                )
            )
            return
        st.caption(
            plain(
                _("Your text: {found}, {count:,} characters.").format(
                    found=found[0], count=len(found[1])
                )
            )
        )
    try:
        own = session.own_text()[1] if c.corpus == corpora.OWN else None
        text = data.text_and_label(c, own)[0]
        tokenizer = _tokenizer(c, session.spec().objective == "masked", own)
    except SpecError as e:
        st.error(plain(e.message), icon=":material/error:")
        return
    corpus = corpora.CORPORA.get(c.corpus)
    if corpus is not None:
        st.caption(plain(_("{description} Source: {credit}.").format(
            description=_(corpus.description), credit=_(corpus.credit))))  # fmt: skip
        if corpus.note:
            st.caption(_(corpus.note))
    _bpe_notes(c, text, tokenizer)
    sample = st.text_input(
        _("Text to split into tokens"),
        text[:120].split("\n\n")[0],
        key=f"language-split-text-{c.corpus}-{len(text)}",  # another corpus: a sentence of it
        max_chars=2000,
    )
    missing = tokenizer.unknown(sample)
    if missing:
        st.warning(plain(_("These characters are not in the vocabulary: {missing}").format(
            missing=missing[:20])))  # fmt: skip
        return
    spans = tokenizer.spans(sample)[:SHOWN_TOKENS]
    pieces = "".join(
        f'<span title="id {s.id}" style="background:{PALETTE[i % len(PALETTE)]};'
        f'padding:1px 2px;border-radius:3px;white-space:pre-wrap">{html.escape(s.text)}</span>'
        for i, s in enumerate(spans)
    )
    st.html(f'<div style="line-height:2;font-family:monospace">{pieces}</div>')
    st.caption(
        _(
            "{count} tokens for {count2} characters: {value:.2f} characters a token. Hover for ids."
        ).format(count=len(spans), count2=len(sample), value=len(sample) / max(1, len(spans)))
    )
    with st.expander(_("The vocabulary: {size:,} tokens").format(size=tokenizer.size)):
        counts = _counts(c, own, tokenizer)
        st.dataframe(
            [
                {"id": i, "token": tok, "count": counts.get(i, 0)}
                for i, tok in enumerate(tokenizer.vocab)
            ],
            hide_index=True,
            column_config=headed(["id", "token", "count"]),
            key="language-vocab",
            height=260,
        )


def _bpe_notes(c: LanguageConfig, text: str, tokenizer) -> None:
    """What byte-pair learning did with this text, where it is not the obvious."""
    if c.tokenizer != "bpe":
        return
    learned = len(data.learned_from(text))
    if learned < len(corpora.split(text)[0]):
        st.caption(
            _(
                "Its byte-pair tokens are learned from the first {learned:,} characters of "
                "the text (about a second); the whole text is trained on."
            ).format(learned=learned)
        )
    if tokenizer.size < c.vocab_size:
        st.caption(
            _(
                "This text gives {size:,} tokens, not the {asked:,} asked: no more pieces "
                "of it repeat."
            ).format(size=tokenizer.size, asked=c.vocab_size)
        )


@st.cache_resource(max_entries=8, show_spinner=False)
def _tokenizer_cached(corpus: str, kind: str, vocab: int, masked: bool, seed: int):
    return data.tokenizer_for(corpora.text_of(corpus, seed), kind, vocab, masked)


def _tokenizer(c: LanguageConfig, masked: bool, own: str | None):
    if own is not None:
        return data.tokenizer_for(own, c.tokenizer, c.vocab_size, masked)
    with st.spinner(_("Learning the tokens of the corpus...")):  # shown past 0.5 s
        return _tokenizer_cached(c.corpus, c.tokenizer, c.vocab_size, masked, c.seed)


@st.cache_data(max_entries=8, show_spinner=False)
def _counts_cached(corpus: str, kind: str, vocab: int, seed: int) -> dict[int, int]:
    text = corpora.text_of(corpus, seed)
    tokenizer = _tokenizer_cached(corpus, kind, vocab, False, seed)
    return dict(Counter(tokenizer.encode(text[:200_000])))


def _counts(c: LanguageConfig, own: str | None, tokenizer) -> dict[int, int]:
    if own is not None:
        return dict(Counter(tokenizer.encode(own[:200_000])))
    return _counts_cached(c.corpus, c.tokenizer, c.vocab_size, c.seed)


def model_form():
    """The GPT's size and switches; returns the spec (vocabulary filled in) and its problem."""
    s, v = session.spec(), state.version("language")
    cols = st.columns([2, 1], vertical_alignment="bottom")
    name = cols[0].selectbox(
        _("Start from"),
        list(PRESETS),
        key=f"language-preset-{v}",
        index=list(PRESETS).index(s.name) if s.name in PRESETS else 0,
    )
    if cols[1].button(_("Load"), key="language-load"):
        spec_, config_ = preset(name)
        session.set_spec(spec_)
        session.set_config(config_)
        st.rerun()
    cols = st.columns(5)
    values = {}
    for col, field in zip(cols, ("layers", "heads", "width", "context", "mlp_ratio"), strict=True):
        low, high, what = LIMITS[field]
        values[field] = col.number_input(
            _(FIELD_LABELS[field]),
            low,
            high,
            getattr(s, field),
            key=f"language-{field}-{v}",
            help=_(what).capitalize() + ".",
        )
    cols = st.columns(3)
    values["dropout"] = cols[0].slider(
        _("Dropout"), 0.0, 0.5, s.dropout, 0.05, key=f"language-dropout-{v}"
    )
    values["tied"] = cols[1].toggle(
        _("Tied embeddings"),
        s.tied,
        key=f"language-tied-{v}",
        help=_("The output layer reuses the token embedding."),
    )
    values["residual"] = cols[2].toggle(
        _("Residual connections"),
        s.residual,
        key=f"language-residual-{v}",
        help=_(
            "Off: every block must carry all the information forward itself; deep models "
            "then hardly learn."
        ),
    )
    cols = st.columns(4)
    for col, field, choices in (
        (cols[0], "positions", POSITIONS),
        (cols[1], "norm", NORMS),
        (cols[2], "objective", OBJECTIVES),
    ):
        values[field] = col.selectbox(
            _(FIELD_LABELS[field]),
            list(choices),
            index=list(choices).index(getattr(s, field)),
            format_func=lambda k, c=choices: _(c[k]).split(":")[0].split("：")[0],
            key=f"language-{field}-{v}",
            help=_(choices[getattr(s, field)]),
        )
    values["causal"] = cols[3].toggle(
        _("Causal mask"),
        s.causal,
        key=f"language-causal-{v}",
        help=_(
            "Off: each token also sees the next one. The training loss falls to almost "
            "nothing, because the answer is in the input, and the model writes nonsense: at "
            "generation time there is no next token to copy."
        ),
    )
    if not values["causal"] and values["objective"] == "next":
        st.warning(
            _(
                "The causal mask is off: the model can see the token it must predict. "
                "Watch the training loss collapse, then see what it writes."
            ),
            icon=":material/visibility:",
        )
    if values["objective"] == "masked":
        st.info(
            _(
                "A masked model (BERT) sees both sides of every token, whatever the causal mask "
                "says, and learns to fill in blanks: Generate then fills in [MASK]."
            ),
            icon=":material/masks:",
        )
    try:
        new = dataclasses.replace(s, **values).validate()
    except SpecError as e:
        st.error(plain(e.message), icon=":material/error:")
        return s, e
    session.set_spec(new, refresh=False)
    return new, None


def numbers(spec, config: LanguageConfig, begin=None) -> None:
    """Parameters, FLOPs per token and the memory of a training step, for the model as set
    (with the layers that `begin`, a transfer.Start, freezes left out of the step)."""
    try:
        own = session.own_text()[1] if config.corpus == corpora.OWN and session.own_text() else None
        vocab = _tokenizer(config, spec.objective == "masked", own).size
    except SpecError:
        return
    if begin is not None and begin.folder:
        vocab = start_from.source_run(begin.folder).spec.vocab  # a start keeps its tokenizer
    full = dataclasses.replace(spec, vocab=vocab)
    params = full.parameters()
    frozen = _frozen(full, begin)
    attention = 2 * spec.layers * spec.context * spec.width  # scores and sums, per token
    flops = 6 * params + 6 * attention  # forward and backward (Kaplan et al.'s 6N, + attention)
    memory = estimate_memory(full, vocab, config.batch_size, config.optimizer, frozen)
    if frozen:
        flops = _counted(full, config, frozen)
    budget = state.memory_budget()
    cols = st.columns(3)
    cols[0].metric(_("Parameters"), f"{params:,}")
    cols[1].metric(
        _("Training FLOPs per token"),
        f"{flops:,.0f}",
        help=_(
            "About 6 x parameters (a multiply and an add, forward and twice backward), plus "
            "the attention over the context"
        )
        + (_("; counted without the frozen layers' gradients.") if frozen else "."),
    )
    cols[2].metric(
        _("Memory of a step"),
        size_text(memory.total),
        help=_("Batch of {batch_size}; this server allows {budget} per job.").format(
            batch_size=config.batch_size, budget=size_text(budget)
        ),
    )


@functools.lru_cache(maxsize=16)  # counted on the meta device, once per model and choice
def _counted(spec, config, frozen: frozenset[str]) -> float:
    return LANGUAGE.flops_per_sample(spec, config, frozen)


def _frozen(spec, begin) -> frozenset[str]:
    """The parameters `begin` freezes in a model of `spec` (none without a start)."""
    if begin is None or not begin.freeze:
        return frozenset()
    with torch.device("meta"):
        model = LANGUAGE.build(spec)
    try:
        return frozenset(transfer.frozen_names(model, begin.freeze))
    except SpecError:
        return frozenset()


def settings_form() -> LanguageConfig:
    c, v = session.config(), state.version("language")
    columns = st.columns(3)
    with st.expander(_("More settings")):
        more = st.columns(2)
    places = {
        "data": columns[0],
        "optimizer": columns[1],
        "run": columns[2],
        "more-1": more[0],
        "more-2": more[1],
    }
    private, dp = privacy_form.places(c)
    places.update(dp)
    values: dict = {}
    for s in SETTINGS:
        on = s.needs is None or values[s.needs[0]] == s.needs[1]
        values[s.name] = widget(
            places[s.name] if s.name in places else places[s.place],
            s,
            getattr(c, s.name),
            f"language-{v}-{s.name}",
            disabled=not on,
            registries=REGISTRIES,
            optimizer=c.optimizer,
            on_optimizer=_on_optimizer,
        )
    try:
        new = LanguageConfig.from_dict({**c.to_dict(), **values})
    except SpecError as e:
        st.error(plain(e.message), icon=":material/error:")
        return c
    session.set_config(new, refresh=False)
    privacy_form.notes(private, LANGUAGE.privacy_notes(None, new))
    return new


def _on_optimizer(key: str) -> None:
    name = st.session_state[key]
    session.set_config(
        dataclasses.replace(session.config(), optimizer=name, lr=OPTIMIZERS[name].lr)
    )


def timeline(job) -> None:
    """What the job wrote at each moment it was measured, newest first, live while it trains."""
    every = None if job.status.ended else 2.0

    @st.fragment(run_every=every)
    def draw() -> None:
        notes = job.log.notes()
        if not notes:
            if not job.status.ended:
                st.caption(_("What it writes appears here at each measurement."))
            return
        with st.expander(
            _("What it writes: {count} moments").format(count=len(notes)), expanded=True
        ):
            at = st.select_slider(
                _("Step"),
                [n.step for n in notes],
                value=notes[-1].step,
                key=f"language-timeline-{job.id}",
            )
            note = next(n for n in notes if n.step == at)
            st.text(note.text)

    draw()
