"""What a language model takes with it: a standalone training script (torch only for characters;
the same model, split, batches, schedule and sampling), an ONNX file with a dynamic sequence
length checked against onnxruntime, and its model card."""

from __future__ import annotations

import inspect
import json
import time
import warnings

import torch

from playground.engine import privacy, schedules
from playground.engine.cost import cost_text
from playground.engine.exporting import ONE_AT_A_TIME
from playground.engine.i18n import Text, _
from playground.engine.optimizers import OPTIMIZERS
from playground.engine.records import SpecError
from playground.tasks.language import corpora, model
from playground.tasks.language.tokens import Tokenizer

TOLERANCE = 1e-4


class OnnxFile:
    def __init__(self, data: bytes, difference: float, lengths: tuple[int, ...], seconds: float):
        self.data, self.max_difference, self.lengths, self.seconds = (
            data,
            difference,
            lengths,
            seconds,
        )

    @property
    def check_text(self) -> str:
        return Text(
            "Checked: on sequences of {lengths} tokens onnxruntime's logits differ "
            "from PyTorch's by at most {max_difference:.1e} (allowed: "
            "{tolerance:g}).",
            lengths=", ".join(map(str, self.lengths)),
            max_difference=self.max_difference,
            tolerance=TOLERANCE,
        )


def onnx_of(run) -> OnnxFile:
    """The run's model as ONNX (input "tokens": (batch, sequence) ids; output "logits"), its
    sequence length dynamic up to the context, checked with onnxruntime."""
    import onnxruntime

    started = time.perf_counter()
    gpt = run.model().float().eval()
    context, vocab = gpt.spec.context, gpt.vocab
    example = torch.randint(0, vocab, (1, min(8, context)))
    sequence = torch.export.Dim("sequence", min=1, max=context)
    with ONE_AT_A_TIME, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            program = torch.onnx.export(
                _Logits(gpt),
                (example,),
                dynamo=True,
                input_names=["tokens"],
                output_names=["logits"],
                dynamic_shapes={"tokens": {0: torch.export.Dim("batch", max=4096), 1: sequence}},
            )
        except Exception as e:
            raise SpecError(
                Text("This model cannot be exported to ONNX ({name__}).", name__=type(e).__name__)
            ) from None
    data = program.model_proto.SerializeToString()
    session = onnxruntime.InferenceSession(data, providers=["CPUExecutionProvider"])
    lengths = tuple(sorted({1, max(1, context // 2), context}))
    worst = 0.0
    for length in lengths:
        ids = torch.randint(0, vocab, (2, length))
        with torch.no_grad():
            want = gpt(ids).numpy()
        got = session.run(None, {"tokens": ids.numpy()})[0]
        worst = max(worst, float(abs(got - want).max()))
    if not worst <= TOLERANCE:
        raise SpecError(
            Text(
                "The ONNX file does not agree with PyTorch (up to {worst:.2g} apart).", worst=worst
            )
        )
    return OnnxFile(data, worst, lengths, time.perf_counter() - started)


class _Logits(torch.nn.Module):
    """The GPT without its cache: tokens (B, T) in, logits (B, T, V) out, for export."""

    def __init__(self, gpt: model.GPT):
        super().__init__()
        self.gpt = gpt

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.gpt(tokens)


# --- the standalone script ------------------------------------------------------------------

_HEAD = '''"""Train a language model as Deep Learning Playground did{origin}, with PyTorch alone.

    python train.py --text corpus.txt{out}

The model, the split of the text (its first 90% trains), the random windows, the learning-rate
schedule and the sampling are the playground's, so the same seed gives the same model.
"""

import argparse
import math
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

'''


def script(run) -> str:
    """A standalone training script of a language run; SpecError for byte-pair runs."""
    spec, config = run.spec, run.config
    if config.tokenizer != "char":
        raise SpecError(
            Text(
                "Only character models have a torch-only training script (byte-pair "
                "encoding needs the tokenizers library)."
            )
        )
    tokenizer = Tokenizer.from_json((run.path / "tokenizer.json").read_bytes())
    optimizer = OPTIMIZERS[config.optimizer]
    fields = "\n".join(f"    {k}: {type(v).__name__} = {v!r}" for k, v in spec.to_dict().items())
    parts = [
        _HEAD.format(origin=f" (run {run.name})", out=""),
        f"VOCAB = {json.dumps(''.join(tokenizer.vocab), ensure_ascii=False)}\n"
        f"START = {json.dumps(_start(config.corpus))}\n",
        "\n@dataclass(frozen=True)\nclass GPTSpec:\n" + fields + "\n",
        *(inspect.getsource(obj) for obj in _MODEL),
        inspect.getsource(schedules.lr_at),
        inspect.getsource(schedules._one_cycle),
        _LOOP.format(
            steps=config.steps,
            batch=config.batch_size,
            lr=config.lr,
            seed=config.seed,
            schedule=config.schedule,
            warmup=config.warmup_steps,
            clip=config.grad_clip,
            optimizer=optimizer.code("model.parameters()", "LR", repr(config.weight_decay)),
            eval_every=config.eval_every,
        ),
    ]
    return "\n\n".join(p.strip("\n") for p in parts) + "\n"


_MODEL = (model.Cache, model.Attention, model.MLP, model.Block, model.GPT)


def _start(corpus: str) -> str:
    found = corpora.CORPORA.get(corpus)
    return found.start if found else "\n"


_LOOP = """
def encode(text):
    ids = {{c: i for i, c in enumerate(VOCAB)}}
    return [ids[c] for c in text]


def batch(ids, size, context, generator):
    starts = torch.randint(len(ids) - context - 1, (size,), generator=generator)
    chunk = ids[starts[:, None] + torch.arange(context + 1)]
    return chunk[:, :-1], chunk[:, 1:]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--text", required=True, help="the corpus, as UTF-8 text")
    parser.add_argument("--steps", type=int, default={steps})
    args = parser.parse_args()
    text = open(args.text, encoding="utf-8").read()
    cut = int(len(text) * 0.9)
    line = text.rfind("\\n", 0, cut)
    cut = line + 1 if line > cut - 5000 else cut
    train = torch.tensor(encode(text[:cut]))
    torch.manual_seed({seed})
    model = GPT(GPTSpec(), len(VOCAB))
    LR = {lr}
    optimizer = {optimizer}
    generator = torch.Generator().manual_seed({seed})
    for step in range(args.steps):
        lr = lr_at({schedule!r}, step, args.steps, LR, warmup_steps={warmup})
        for group in optimizer.param_groups:
            group["lr"] = lr
        x, y = batch(train, {batch}, model.spec.context, generator)
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), y.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if {clip}:
            torch.nn.utils.clip_grad_norm_(model.parameters(), {clip})
        optimizer.step()
        if (step + 1) % {eval_every} == 0:
            print(f"step {{step + 1}}: loss {{loss.item():.4f}}")
    torch.save(model.state_dict(), "model.pt")


if __name__ == "__main__":
    main()
"""


def model_card(run, files: dict[str, str]) -> str:
    spec, config, s = run.spec, run.config, run.summary
    corpus = corpora.CORPORA.get(config.corpus)
    val = s.get("val_loss")
    kind = _("GPT (next token)") if spec.objective == "next" else _("BERT-like (masked tokens)")
    if corpus:
        data = f"{_(corpus.label)}: {_(corpus.description)} ({_(corpus.credit)})."
    else:
        data = _("A text of its owner's (corpus.txt).")
    if isinstance(val, float):
        result = _("Validation loss **{loss}** nats a token after {steps} steps.").format(
            loss=f"{val:.3f}", steps=s.get("steps", "?")
        )
    else:
        result = _("No validation loss: {why}").format(why=_(s.get("message") or "unfinished"))
    lines = [
        f"# {(s.get('name') or spec.name)[:80]}",
        "",
        _("A language model made in Deep Learning Playground: run `{run}`, {status}.").format(
            run=run.name, status=_(s.get("status", "unfinished"))),
        "",
        _("## The model"),
        "",
        _("A {kind} of {layers} blocks, {heads} heads, {width} wide, a context of {context} "
          "tokens: {parameters} parameters over a vocabulary of {vocab} {tokens} tokens.").format(
            kind=kind, layers=spec.layers, heads=spec.heads, width=spec.width,
            context=spec.context, parameters=f"{spec.parameters():,}", vocab=f"{spec.vocab:,}",
            tokens=config.tokenizer),
        "",
        _("## Data"),
        "",
        data,
        "",
        _("## Results"),
        "",
        result,
        "",
        privacy.in_words(s),
        "",
        _("It cost {cost} (FLOPs counted; energy and CO2 estimated).").format(cost=cost_text(s))
        if cost_text(s)
        else "",
        "",
        "![" + _("Loss curves") + "](curves.png)",
        "",
        _("## The files"),
        "",
        *(f"- `{name}`: {_(what)}" for name, what in files.items()),
        "- `tokenizer.json`: " + _("its tokens (the tokenizer's vocabulary, as data)."),
        "",
    ]  # fmt: skip
    return "\n".join(lines)
