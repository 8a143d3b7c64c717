"""Writing with a language model and looking inside it, for a text you type: which model (your
job's newest weights, your runs and the examples, the models that ship), Generate (each token
coloured by its probability; pick one to see what it was drawn from, or a masked model's blanks
filled in), and the attention of every head, the logit lens, each token's surprise, the
embeddings, and training replayed from the weights a run kept."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
import torch

from playground import ASSETS
from playground.engine.i18n import Text, _
from playground.engine.records import SpecError
from playground.exchange.runs import Run, load_run, visible_runs
from playground.tasks.language import corpora, data, figures, inside, sampling
from playground.tasks.language.tokens import MASK, Tokenizer, check_for
from playground.ui import run_label, state
from playground.ui.text import plain

SHIPPED = ASSETS / "language"
LIVE = "live"
PICK = "language-model-pick"  # the model it writes with
_DRAWN = "language-drawn"  # (model key, prompt, the tokens drawn)


@dataclass(frozen=True)
class Chosen:
    label: str
    key: str  # changes whenever the weights do: a key for cached results
    model: torch.nn.Module
    tokenizer: Tokenizer
    start: str  # where a document of its corpus starts
    run: Run | None  # None: a live job
    job: object = None
    example: str = ""  # a piece of its corpus, to look inside


def shipped() -> list[Path]:
    return sorted(p for p in SHIPPED.iterdir() if p.is_dir()) if SHIPPED.is_dir() else []


def options(job) -> dict[str, str]:
    """value -> label of every language model the session may use now."""
    found = {}
    if job is not None and job.active and job.latest_weights() is not None:
        found[LIVE] = _("Live: your job training now ({name})").format(name=job.name)
    for path in shipped():
        found[str(path)] = _("Ready: {name} (ships with the app)").format(name=path.name)
    for run in visible_runs(state.owner()):
        if run.task_name == "language" and run.has_weights:
            found[str(run.path)] = run_label.label(run)
    return found


@st.cache_resource(max_entries=8, show_spinner=False)
def _loaded(path: str, mtime: float):
    run = load_run(path)
    tokenizer = Tokenizer.from_json((run.path / "tokenizer.json").read_bytes())
    check_for(tokenizer, run.spec.vocab, run.spec.objective == "masked")  # an imported one too
    return run, run.model(), tokenizer


def pick(job) -> Chosen | None:
    found = options(job)
    if not found:
        st.info(
            _("No language model yet: train one above, or reinstall the app to get the ready ones.")
        )
        return None
    chosen = st.session_state.get(PICK)
    if chosen == LIVE and LIVE not in found and job is not None and job.run_dir:
        st.session_state[PICK] = chosen = str(job.run_dir)  # the job ended: its run
    if chosen is not None and chosen not in found:  # a run deleted: the first model
        del st.session_state[PICK]
    value = st.selectbox(_("Model"), list(found), format_func=found.get, key=PICK)
    if value == LIVE:
        version, weights = job.latest_weights()
        model = job.task.build(job.spec)
        model.load_state_dict(weights)
        tokenizer = data.tokenizer_of(job.config, job.spec.objective == "masked", job.extra)
        start, example = _corpus(job.config)
        return Chosen(
            found[value],
            f"job:{job.id}:{version}",
            model.eval(),
            tokenizer,
            start,
            None,
            job,
            example,
        )
    try:
        path = Path(value)
        run, model, tokenizer = _loaded(value, (path / "weights.safetensors").stat().st_mtime)
    except (SpecError, OSError) as e:
        st.error(plain(_("That model cannot be read: {why}").format(why=_(str(e)))))
        return None
    start, example = _corpus(run.config)
    return Chosen(found[value], f"run:{value}", model, tokenizer, start, run, example=example)


def _corpus(config) -> tuple[str, str]:
    """(where a document starts, a piece of the corpus) of a model's settings."""
    corpus = corpora.CORPORA.get(config.corpus)
    if corpus is None:
        return "\n", ""
    text = corpora.text_of(config.corpus, config.seed)
    return corpus.start, text[len(text) // 2 :][:64]


def _colour(p: float) -> str:
    """Green for a token the model was sure of, red for a surprise."""
    red, green = int(255 * (1 - p)), int(200 * p + 40)
    return f"rgba({red},{green},80,0.35)"


def generate(chosen: Chosen) -> None:
    masked = chosen.model.spec.objective == "masked"
    default = _("To be, or {MASK} to be").format(MASK=MASK) if masked else ""
    prompt = st.text_area(
        _("Prompt"),
        default,
        key="language-prompt",
        max_chars=2000,
        height=80,
        help=_("What the text begins with (empty: where a document of its corpus begins).")
        + (_(" Put {mask} where a token is to be guessed.").format(mask=MASK) if masked else ""),
    )
    cols = st.columns(5)
    length = cols[0].number_input(_("Length"), 1, 1000, 200, key="language-length")
    temperature = cols[1].slider(
        _("Temperature"),
        0.0,
        2.0,
        0.8,
        0.05,
        key="language-temperature",
        help=_("Below 1: safer, more repetitive; above 1: wilder; 0: always the likeliest."),
    )
    top_k = cols[2].number_input(_("Top-k (0: all)"), 0, 10_000, 0, key="language-top-k")
    top_p = cols[3].slider(
        _("Top-p"),
        0.05,
        1.0,
        1.0,
        0.05,
        key="language-top-p",
        help=_("Draw only from the likeliest tokens whose chances add up to this."),
    )
    seed = cols[4].number_input(_("Seed"), 0, 2**31 - 1, 0, key="language-seed")
    if st.button(_("Generate"), type="primary", key="language-generate", icon=":material/edit:"):
        try:
            if masked:
                st.session_state[_DRAWN] = (
                    chosen.key,
                    prompt,
                    sampling.fill_masks(chosen.model, chosen.tokenizer, prompt),
                )
            else:
                _stream(chosen, prompt, int(length), temperature, int(top_k), top_p, int(seed))
        except SpecError as e:
            st.error(plain(e.message), icon=":material/error:")
            return
    drawn = st.session_state.get(_DRAWN)
    if drawn is None or drawn[0] != chosen.key:
        return
    if masked:
        _blanks(drawn[1], drawn[2])
    else:
        _tokens(drawn[1], drawn[2])


def _stream(chosen: Chosen, prompt: str, length: int, temperature, top_k, top_p, seed) -> None:
    """Generate, showing the text as it grows (in the page's own text too, for a reader)."""
    ids = chosen.tokenizer.encode(prompt or chosen.start) or [0]
    box = st.empty()
    written, drawn = [], []
    for i, token in enumerate(
        sampling.generate(
            chosen.model,
            chosen.tokenizer,
            ids,
            length,
            temperature=temperature,
            top_k=top_k,
            top_p=top_p,
            seed=seed,
        )
    ):
        drawn.append(token)
        written.append(token.text)
        if i % 8 == 0:
            box.text(prompt + "".join(written))
    box.empty()
    st.session_state[_DRAWN] = (chosen.key, prompt, drawn)


def _tokens(prompt: str, drawn: list) -> None:
    pieces = "".join(
        f'<span title="{d.probability:.0%}" style="background:{_colour(d.probability)};'
        f'white-space:pre-wrap">{html.escape(d.text)}</span>'
        for d in drawn
    )
    st.html(
        f'<div style="font-family:monospace;line-height:1.7"><b>{html.escape(prompt)}</b>'
        f"{pieces}</div>"
    )
    with st.expander(_("As plain text, to copy")):
        st.text(prompt + "".join(d.text for d in drawn))
    st.caption(
        _(
            "Each token is coloured by the probability it was drawn with: green sure, red "
            "surprising. Hover for it; pick one to see what it was chosen from."
        )
    )
    labels = [f"{i}: {figures.shown(d.text)} ({d.probability:.0%})" for i, d in enumerate(drawn)]
    at = st.selectbox(
        _("Token"), range(len(drawn)), format_func=labels.__getitem__, key="language-token"
    )
    st.plotly_chart(figures.top_figure(drawn[at].top, drawn[at].text), key="language-top")


def _blanks(prompt: str, found: list) -> None:
    text = prompt
    for best, _rest in found:
        text = text.replace(MASK, f"[{best}]", 1)
    st.text(text)
    for i, (best, guesses) in enumerate(found):
        st.plotly_chart(figures.top_figure(guesses, best), key=f"language-blank-{i}")


@st.cache_resource(max_entries=16, show_spinner=False)
def _look(key: str, text: str, _chosen: Chosen) -> inside.Inside:
    ids = _chosen.tokenizer.encode(text)
    return inside.look(_chosen.model, ids, _chosen.tokenizer.decode)


def look_inside(chosen: Chosen) -> None:
    text = st.text_input(
        _("Text to look inside"),
        chosen.example,
        key=f"language-inside-{chosen.key}",
        max_chars=2000,
    )
    try:
        missing = chosen.tokenizer.unknown(text)
        if not text or missing:
            raise SpecError(
                Text(
                    "Type a text of this model's characters (not {missing!r}).",
                    missing=missing[:10],
                )
            )
        found = _look(chosen.key, text, chosen)
    except SpecError as e:
        st.warning(plain(e.message))
        return
    attention_views(found)
    _surprise(found)
    st.plotly_chart(
        figures.lens_figure(found.lens, found.lens_probability, found.tokens), key="language-lens"
    )
    st.plotly_chart(
        figures.embeddings_figure(inside.embeddings_2d(chosen.model), chosen.tokenizer.vocab),
        key="language-embeddings",
    )
    replay(chosen, text)


def attention_views(found: inside.Inside, key: str = "language") -> None:
    layers, heads = found.attention.shape[:2]
    st.plotly_chart(figures.heads_figure(found.attention, found.patterns), key=f"{key}-heads")
    cols = st.columns(2)
    layer = cols[0].number_input(_("Layer"), 1, layers, layers, key=f"{key}-layer")
    head = cols[1].number_input(_("Head"), 1, heads, 1, key=f"{key}-head")
    pattern = found.patterns[layer - 1][head - 1]
    st.plotly_chart(
        figures.attention_figure(
            found.attention[layer - 1, head - 1],
            found.tokens,
            _("Layer {layer}, head {head}: {pattern}").format(
                layer=layer, head=head, pattern=_(inside.NAMES.get(pattern, pattern))
            ),
        ),
        key=f"{key}-attention",
    )
    st.caption(
        plain(_("This head's pattern: {pattern}.").format(pattern=_(inside.PATTERNS[pattern])))
    )


def _surprise(found: inside.Inside) -> None:
    probs = torch.exp(-found.surprise).tolist()
    pieces = "".join(
        f'<span title="{p:.0%} ({s:.2f} nats)" style="background:{_colour(p)};'
        f'white-space:pre-wrap">{html.escape(t)}</span>'
        for t, p, s in zip(found.tokens[1:], probs, found.surprise.tolist(), strict=True)
    )
    st.html(
        f'<div style="font-family:monospace;line-height:1.7">'
        f"{html.escape(found.tokens[0])}{pieces}</div>"
    )
    st.caption(
        _(
            "How surprised the model is by each token (red: it did not expect it). "
            "Mean loss {mean:.3f} nats a token."
        ).format(mean=found.surprise.mean())
    )


def replay(chosen: Chosen, text: str) -> None:
    """The run's kept weights over training: the attention and a sample at each moment."""
    snapshots = chosen.run.history() if chosen.run is not None else chosen.job.history.snapshots()
    if len(snapshots) < 2:
        st.caption(_("Training replayed: this model kept no weights from its training."))
        return
    st.subheader(_("Training replayed"))
    at = st.select_slider(
        _("Moment"),
        range(len(snapshots)),
        format_func=lambda i: _(snapshots[i].label),
        key="language-replay",
        value=len(snapshots) - 1,
    )
    moment = snapshots[at]
    model = chosen.model.__class__(chosen.model.spec, chosen.model.vocab)
    model.load_state_dict(moment.state)
    model.eval()
    found = inside.look(model, chosen.tokenizer.encode(text), chosen.tokenizer.decode)
    attention_views(found, key="language-replay")
    ids = chosen.tokenizer.encode(chosen.start)[-1:] or [0]
    written = "".join(
        d.text
        for d in sampling.generate(model, chosen.tokenizer, ids, 120, temperature=0.8, seed=1234)
    )
    st.text(written)
