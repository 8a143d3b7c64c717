"""Language modelling as a task (engine/task.py): a GPT (or a BERT) of a GPTSpec reads a corpus
in characters or byte-pair tokens and learns to predict the next (or the hidden) token. Jobs,
the queue, limits, Ray, runs, share links, bundles and compare come from the seam; what is a
language model's own is in this folder."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import ClassVar

import torch
from torch import nn

from playground import ASSETS
from playground.engine import privacy
from playground.engine.cost import training_flops
from playground.engine.i18n import N_, Text, _
from playground.engine.metrics import Metric, Score, smooth
from playground.engine.numbers import Number
from playground.engine.records import SpecError
from playground.engine.task import Task, register
from playground.tasks.language import corpora, data, export, fit, training
from playground.tasks.language.model import build
from playground.tasks.language.recipe import SETTINGS, LanguageConfig
from playground.tasks.language.specs import FIELD_LABELS, GPTSpec
from playground.tasks.language.tokens import MAX_FILE, Tokenizer, check_for

TOKENIZER, CORPUS = "tokenizer.json", "corpus.txt"
PRESETS: dict[str, tuple[GPTSpec, dict]] = {  # name -> (model, its recipe)
    "names-tiny": (
        GPTSpec(layers=2, heads=2, width=64, context=16, name="names-tiny"),
        dict(
            corpus="names",
            steps=800,
            batch_size=32,
            lr=3e-3,
            schedule="cosine",
            warmup_steps=50,
            eval_every=100,
            sample_length=60,
        ),
    ),
    "shakespeare-char": (
        GPTSpec(layers=4, heads=4, width=128, context=64, name="shakespeare-char"),
        dict(
            corpus="shakespeare",
            steps=2000,
            batch_size=12,
            lr=2e-3,
            schedule="cosine",  # with --time-limit, over the time: down to 0 as it runs out
            warmup_steps=100,
            eval_every=250,
        ),
    ),
    "tang-quatrains": (
        GPTSpec(layers=4, heads=4, width=128, context=64, name="tang-quatrains"),
        dict(
            corpus="tang7",
            steps=2000,
            batch_size=16,
            lr=2e-3,
            schedule="cosine",
            warmup_steps=100,
            eval_every=250,
            sample_length=66,
        ),
    ),
}


MAX_STEPS_PER_SECOND = 2000  # more than any GPU here: a time-limited run's records, at most


def _step_text(last, config) -> str:
    """ "1,234 / 2,000", or with a time limit (which replaces the steps) "1,234 (61 of 180 s)"."""
    step = last.step if last else 0
    if config.time_limit:
        return f"{step:,} ({last.seconds if last else 0:.0f} of {config.time_limit:g} s)"
    return f"{step:,} / {config.steps:,}"


PRIVATE = N_(
    "Privately, the output layer is its own, not the token embedding read backwards (Opacus "
    "can only clip each window's gradient of a weight that one layer uses), and each example "
    "is a window of the text, the windows side by side, Poisson-sampled."
)


class LanguageTask(Task):
    name = "language"
    label = N_("Language model")
    samples = N_("tokens")
    # of the next (or the hidden) token
    score = Score(
        N_("token accuracy"), True, N_("Loss and accuracy per epoch"), N_("Validation accuracy")
    )
    metrics = (
        Metric("val_loss", N_("Val loss"), N_("nats per token")),
        Metric("val_bits_per_char", N_("Bits per character"), N_("bits per character")),
        Metric("perplexity", N_("Perplexity")),
        Metric("val_accuracy", N_("Token accuracy"), lower_is_better=False, percent=True),
    )
    fit_metric = metrics[0]
    spec_type = GPTSpec
    config_type = LanguageConfig
    own_files: ClassVar[dict[str, int]] = {TOKENIZER: MAX_FILE, CORPUS: corpora.MAX_OWN}
    pretrained: ClassVar[Path | None] = ASSETS / "language" / "shakespeare"

    def spec_from_dict(self, data_) -> GPTSpec:
        return GPTSpec.from_dict(data_)

    def config_from_dict(self, data_) -> LanguageConfig:
        return LanguageConfig.from_dict(data_)

    def settings_table(self) -> tuple:
        return SETTINGS

    def add_train_options(self, parser) -> None:
        parser.add_argument(
            "--text", type=Path, help=_("a UTF-8 text of your own to learn (instead of --corpus)")
        )

    def train_extra(self, args, config):
        if not getattr(args, "text", None):
            return config, None
        try:
            raw = args.text.read_bytes()
        except OSError as e:
            raise SpecError(
                Text(
                    "The text {text} cannot be read ({value}).",
                    text=args.text,
                    value=e.strerror or e,
                )
            ) from None
        own = corpora.own_text(raw, args.text.name)
        return dataclasses.replace(config, corpus=corpora.OWN), own

    def presets(self) -> dict:
        return {name: (lambda name=name: preset(name)) for name in PRESETS}

    def complete(self, spec: GPTSpec, config, extra=None) -> GPTSpec:
        tokenizer = data.tokenizer_of(config, spec.objective == "masked", extra)
        untied = {"tied": False} if privacy.is_private(config) else {}  # Opacus: see PRIVATE
        return dataclasses.replace(spec, vocab=tokenizer.size, **untied)

    def check(self, spec: GPTSpec, config, memory_budget=None) -> None:
        fit.check(spec, spec.vocab, config, memory_budget)
        if privacy.is_private(config):
            privacy.check_settings(config, None if config.time_limit else config.steps)

    def privacy_notes(self, spec, config) -> list[str]:
        """What changes when `config` trains privately ([] when not private)."""
        if not privacy.is_private(config):
            return []
        return [PRIVATE, N_("Off while private: the GPU fast path and torch.compile; gradient "
                            "clipping is each window's own.")]  # fmt: skip

    def epochs(self, config) -> int:
        return math.ceil(config.steps / config.eval_every)

    def planned_steps(self, config) -> float:
        return config.steps

    def planned_samples(self, config) -> float:
        return config.eval_every * config.batch_size * self._context

    _context = 64  # for the queue's guess only: the context of the usual model

    def max_records(self, config) -> int:
        steps = max(config.steps, int(config.time_limit * MAX_STEPS_PER_SECOND))
        return steps + 2 * math.ceil(steps / config.eval_every) + 2

    def data_key(self, config) -> str:
        return f"{config.corpus}:{config.tokenizer}:{config.vocab_size}:{config.seed}"

    def load_data(self, config, data_dir, mirrors, device, extra=None):
        return data.load(config, masked=False, own=extra).to(device)

    def run_files(self, spec, config, extra=None) -> dict[str, bytes]:
        tokenizer = data.tokenizer_of(config, spec.objective == "masked", extra)
        files = {TOKENIZER: tokenizer.to_json().encode()}
        own = data.given(extra).text
        if own is not None:
            files[CORPUS] = own.encode()
        return files

    def check_files(self, spec: GPTSpec, config, files: dict[str, bytes]) -> None:
        if TOKENIZER not in files:
            raise SpecError(Text("It has no tokenizer.json: it cannot read or write text."))
        check_for(Tokenizer.from_json(files[TOKENIZER]), spec.vocab, spec.objective == "masked")

    def start_extra(self, extra, folder: Path, spec: GPTSpec):
        """A start keeps the source's tokenizer (so its embeddings fit): read it from its
        folder, after checking that the source predicts what this model does."""
        source = json.loads((folder / "spec.json").read_text()).get("objective", "next")
        if source != spec.objective:
            what = {"next": N_("predict the next token"), "masked": N_("fill in hidden tokens")}
            raise SpecError(
                Text(
                    "The model it starts from learned to {get}; this one is to {get2}: start "
                    "it from a model with the same objective.",
                    get=what.get(source, source),
                    get2=what.get(spec.objective, spec.objective),
                )
            )
        try:
            tokenizer = Tokenizer.from_json((folder / TOKENIZER).read_bytes())
        except OSError:
            raise SpecError(
                Text("{name} has no tokenizer.json: it cannot be a start.", name=folder.name)
            ) from None
        vocab = json.loads((folder / "spec.json").read_text()).get("vocab")
        check_for(tokenizer, vocab, source == "masked")
        return data.Given(data.given(extra).text, tokenizer)

    def warm_up_data(self, data_, batches: int, config):
        return None  # a worker's first steps are a small part of a language job

    def steps_per_epoch(self, data_, config) -> int:
        return config.eval_every

    def build(self, spec: GPTSpec) -> nn.Module:
        return build(spec, spec.vocab)

    def lesson(self, spec, model, data_, config, memory_budget) -> training.LanguageLesson:
        return training.LanguageLesson(model, data_, config)

    def results(self, spec, model, data_, config, memory_budget) -> dict:
        loss, accuracy = training.evaluate(model, data_, config)
        return {
            "val_loss": loss,
            "val_accuracy": accuracy,
            "val_bits_per_char": loss / math.log(2) / data_.chars_per_token,
            "perplexity": math.exp(min(loss, 50)),
        }

    def flops_per_sample(self, spec: GPTSpec, config, frozen=frozenset()) -> float:
        """Per token: a sequence of the full context, over its tokens."""

        def make():
            model = self.build(spec)
            ids = torch.zeros((1, spec.context), dtype=torch.long)
            return model, lambda: model(ids).float().sum()

        return training_flops(make, frozen) / spec.context

    def scaled(self, spec: GPTSpec, factor: float, how: str = "width") -> GPTSpec:
        """Wider (width a multiple of the heads, at least 2 a head), deeper, or both."""
        width = factor if how == "width" else math.sqrt(factor) if how == "both" else 1.0
        depth = factor if how == "depth" else math.sqrt(factor) if how == "both" else 1.0
        step = 2 * spec.heads
        new = dataclasses.replace(
            spec,
            width=max(step, round(spec.width * width / step) * step),
            layers=max(1, round(spec.layers * depth)),
            name=f"{spec.name} x{factor:.2g}",
        )
        new.validate()
        return new

    def samples_per_step(self, spec: GPTSpec, config) -> int:
        return config.batch_size * spec.context

    def with_steps(self, config, steps: int):
        most = int(next(s for s in SETTINGS if s.name == "steps").high)
        if steps > most:  # a budget of FLOPs for a tiny model once asked for 1e9 steps
            raise SpecError(Text("A budget of {steps:,} steps is more than the {most:,} a run "
                                 "here takes: give each size less.", steps=steps,
                                 most=most))  # fmt: skip
        every = max(1, min(config.eval_every, steps // 4 or 1))
        return dataclasses.replace(config, steps=steps, time_limit=0.0, eval_every=every)

    def summarize(self, summary: dict) -> dict:
        speed = summary.get("samples_per_second")
        return {"tokens_per_second": speed} if speed is not None else {}

    def describe(self, spec, config, data_, memory_budget=None) -> dict:
        return {
            "corpus": config.corpus,
            "tokenizer": config.tokenizer,
            "vocab": spec.vocab,
            "parameters": spec.parameters(),
            "val_loss": None,
        }

    def live_numbers(self, steps, epochs, config, ended=False) -> list[Number]:
        last = steps[-1] if steps else None
        smoothed = smooth([s.loss for s in steps[-200:]])[-1] if steps else None
        vals = [e.val_loss for e in epochs if e.val_loss is not None]
        return [
            Number(_("Step"), _step_text(last, config)),
            Number(
                _("Train loss"),
                "-" if smoothed is None else f"{smoothed:.3f}",
                help=_("Nats per token, smoothed over the last steps."),
            ),
            Number(
                _("Val loss"),
                f"{vals[-1]:.3f}" if vals else "-",
                f"{vals[-1] - vals[-2]:+.3f}" if len(vals) > 1 else None,
                help=_("Nats per token on text it never trains on."),
                lower_is_better=True,
            ),
            Number(_("Tokens/s"), f"{last.samples_per_second:,.0f}" if last else "-"),
            *privacy.live_numbers(self, config, last.step if last else 0, epochs),
        ]

    def data_label(self, config) -> str:
        corpus = corpora.CORPORA.get(config.corpus)
        return corpus.label if corpus is not None else ""

    def result_text(self, summary: dict) -> str:
        val, bits = (m.of(summary) for m in self.metrics[:2])
        if val is None:
            return ""
        text = _(": validation loss {val}").format(val=f"{val:.3f}")
        if bits is not None:
            text += _(" ({bits} bits a character)").format(bits=f"{bits:.2f}")
        return text

    def table_row(self, run) -> dict:
        s, c = run.summary, run.config
        seconds, val = s.get("train_seconds"), s.get("val_loss")
        return {
            "run": run.name,
            "name": s.get("name", run.spec.name),
            "preset": run.spec.name,
            "task": self.label,
            "dataset": c.corpus,
            "optimizer": c.optimizer,
            "lr": c.lr,
            "epochs": _("{done} / {total} steps").format(
                done=f"{s.get('steps', 0):,}", total=f"{c.steps:,}"
            ),
            "val loss": val if isinstance(val, float) else None,
            "time (s)": round(seconds, 1) if isinstance(seconds, (int, float)) else None,
            "status": s.get("status", "unfinished"),
        }

    def model_card(self, run, files, memory_budget) -> str:
        return export.model_card(run, files)

    def script(self, run) -> str | None:
        return export.script(run) if run.config.tokenizer == "char" else None

    def script_name(self, run) -> str:
        return f"train_{run.spec.name}.py"

    exports_onnx = True

    def onnx(self, run):
        return export.onnx_of(run)

    def settings(self, run) -> dict:
        return self.spec_and_config(run)

    def setting_labels(self) -> dict[str, str]:
        return self.spec_labels(FIELD_LABELS)


def preset(name: str) -> tuple[GPTSpec, LanguageConfig]:
    spec, recipe = PRESETS[name]
    return spec, LanguageConfig.from_dict({**LanguageConfig().to_dict(), **recipe})


LANGUAGE = register(LanguageTask())
