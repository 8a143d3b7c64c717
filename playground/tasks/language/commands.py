"""The language task's own command: `generate`, text from a run (or a model that ships)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from playground.engine.i18n import Text, _
from playground.engine.records import SpecError
from playground.exchange.runs import load_run
from playground.tasks.language import corpora, sampling
from playground.tasks.language.tokens import Tokenizer, check_for


def add_commands(sub) -> None:
    g = sub.add_parser("generate", help=_("text from a language model's run"))
    g.add_argument(
        "run_dir", type=Path, help=_("a run folder (or one of playground/assets/language)")
    )
    g.add_argument(
        "--prompt",
        default="",
        help=_("what the text begins with (default: where a document of its corpus begins)"),
    )
    g.add_argument("--samples", type=int, default=1)
    g.add_argument("--length", type=int, default=200, help=_("tokens of each sample"))
    g.add_argument("--temperature", type=float, default=0.8)
    g.add_argument("--top-k", type=int, default=0)
    g.add_argument("--top-p", type=float, default=1.0)
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--json", action="store_true", help=_("one JSON object a sample"))
    g.set_defaults(run=_generate)


def model_of(path) -> tuple:
    """(model in eval mode, tokenizer, where a document starts) of a language run folder."""
    run = load_run(path)
    if run.task.name != "language":
        raise SpecError(
            Text(
                "{name} is a run of {task}, not a language model.",
                name=run.name,
                task=run.task.label,
            )
        )
    try:
        tokenizer = Tokenizer.from_json((run.path / "tokenizer.json").read_bytes())
    except OSError:
        raise SpecError(
            Text("{name} has no tokenizer.json: it cannot read or write text.", name=run.name)
        ) from None
    check_for(tokenizer, run.spec.vocab, run.spec.objective == "masked")
    corpus = corpora.CORPORA.get(run.config.corpus)
    return run.model(), tokenizer, corpus.start if corpus else "\n"


def _generate(args: argparse.Namespace) -> int:
    if not 1 <= args.samples <= 1000 or not 1 <= args.length <= 10_000:
        raise SpecError(Text("Take 1 to 1,000 samples of 1 to 10,000 tokens."))
    model, tokenizer, start = model_of(args.run_dir)
    prompt = args.prompt or start
    ids = tokenizer.encode(prompt)
    for i in range(args.samples):
        drawn = sampling.generate(
            model,
            tokenizer,
            ids,
            args.length,
            seed=args.seed + i,
            temperature=args.temperature,
            top_k=args.top_k,
            top_p=args.top_p,
        )
        text = "".join(d.text for d in drawn)
        if not args.prompt:  # from where a document starts: up to where the next one would
            text = text.split(start)[0] if start and start in text else text
        else:
            text = prompt + text
        print(json.dumps({"text": text}, ensure_ascii=False) if args.json else text, flush=True)
    return 0
