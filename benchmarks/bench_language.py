"""Language models, measured (issue 24), as ratios in one run:

1. A bare PyTorch loop of its own (nanoGPT's laptop model: 4 layers, 4 heads, 128 wide, context
   64, batch 12, AdamW at 1e-3, constant, no evaluation inside the timed part) and the
   `shakespeare-char` preset with `--time-limit T`, each trained for T seconds of training on
   tiny Shakespeare, then scored on the same validation windows.
2. A job at the bare loop's own configuration: its tokens per second against the loop's.
3. The `tang-quatrains` preset after its recipe: how many of 100 samples are four lines of seven
   characters, "，" after the first and third and "。" after the second and fourth.
4. Generation with and without the KV cache: tokens per second, for the default model.
5. Every Look inside view for a 64-token prompt.

    PLAYGROUND_TEXT_DIR=../shared/datasets/text python -m benchmarks.bench_language [--seconds 180]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from benchmarks.report import table, write_section

ROOT = Path(__file__).resolve().parent.parent
BARE = dict(layers=4, heads=4, width=128, context=64, batch=12, lr=1e-3)
EVAL_BATCHES, EVAL_SEED = 100, 0


# --- the bare loop: its own model, as nanoGPT's model.py writes it ------------------------------


class Block(nn.Module):
    def __init__(self, width: int, heads: int):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.qkv, self.proj = nn.Linear(width, 3 * width), nn.Linear(width, width)
        self.fc, self.out = nn.Linear(width, 4 * width), nn.Linear(4 * width, width)
        self.heads = heads

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(c, dim=2)
        q, k, v = (z.view(b, t, self.heads, c // self.heads).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(y.transpose(1, 2).reshape(b, t, c))
        return x + self.out(F.gelu(self.fc(self.ln2(x))))


class BareGPT(nn.Module):
    def __init__(self, vocab: int, layers: int, heads: int, width: int, context: int):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, width), nn.Embedding(context, width)
        self.blocks = nn.Sequential(*[Block(width, heads) for _ in range(layers)])
        self.ln = nn.LayerNorm(width)

    def forward(self, idx):
        x = self.tok(idx) + self.pos(torch.arange(idx.shape[1]))
        return self.ln(self.blocks(x)) @ self.tok.weight.T


def _data():
    from playground.tasks.language import corpora
    from playground.tasks.language.tokens import CharTokenizer

    text = corpora.text_of("shakespeare")
    tokenizer = CharTokenizer.of(text)
    train, val = corpora.split(text)
    return (
        torch.tensor(tokenizer.encode(train)),
        torch.tensor(tokenizer.encode(val)),
        tokenizer.size,
    )


def bare_loop(train, vocab: int, seconds: float, seed: int = 0):
    """nanoGPT's laptop recipe for `seconds` of training; (model, tokens per second)."""
    torch.manual_seed(seed)
    c = BARE
    model = BareGPT(vocab, c["layers"], c["heads"], c["width"], c["context"])
    optimizer = torch.optim.AdamW(model.parameters(), lr=c["lr"])
    generator = torch.Generator().manual_seed(seed)
    offsets = torch.arange(c["context"] + 1)
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        starts = torch.randint(len(train) - c["context"] - 1, (c["batch"],), generator=generator)
        chunk = train[starts[:, None] + offsets]
        logits = model(chunk[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, vocab), chunk[:, 1:].reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        steps += 1
    took = time.perf_counter() - start
    return model, steps * c["batch"] * c["context"] / took


@torch.no_grad()
def val_loss(model, val, context: int = 64) -> float:
    """The mean loss of `model` on the same EVAL_BATCHES windows of 12 x `context` for all."""
    model.eval()
    generator = torch.Generator().manual_seed(EVAL_SEED)
    offsets = torch.arange(context + 1)
    total = 0.0
    for _ in range(EVAL_BATCHES):
        starts = torch.randint(len(val) - context - 1, (12,), generator=generator)
        chunk = val[starts[:, None] + offsets]
        logits = model(chunk[:, :-1])
        total += F.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), chunk[:, 1:].reshape(-1)
        ).item()
    return total / EVAL_BATCHES


def cli(*args) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "playground", *args, "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def at_the_bare_loops_configuration(folder: str) -> tuple[str, float]:
    """A job at the bare loop's own configuration against the bare loop in the same time: what
    the app's loop (engine/loop.py) costs. (Its text, the ratio.)"""
    train, _, vocab = _data()
    at_bare = cli(
        "train", "--task", "language", "--preset", "shakespeare-char", "--steps", "400",
        "--batch-size", "12", "--lr", "0.001", "--schedule", "constant", "--warmup-steps", "0",
        "--eval-every", "400", "--eval-batches", "1", "--sample-length", "0", "--grad-clip", "0",
        "--out", folder, "--no-save",
    )  # fmt: skip
    _, short_speed = bare_loop(train, vocab, at_bare["train_seconds"])
    ratio = at_bare["tokens_per_second"] / short_speed
    return (
        f"At the bare loop's own configuration (batch 12, AdamW 1e-3 constant, no clipping, no "
        f"samples), a job trained {at_bare['tokens_per_second']:,.0f} tokens/s against the loop's "
        f"{short_speed:,.0f} in the same time: **{ratio:.2f}x** (target: at least 0.9x)."
    ), ratio


def against_the_bare_loop(seconds: float) -> tuple[str, dict]:
    from playground.exchange.runs import load_run

    train, val, vocab = _data()
    bare, bare_speed = bare_loop(train, vocab, seconds)
    bare_val = val_loss(bare, val)
    with tempfile.TemporaryDirectory() as folder:
        summary = cli(
            "train",
            "--task",
            "language",
            "--preset",
            "shakespeare-char",
            "--time-limit",
            str(seconds),
            "--out",
            folder,
        )
        run = load_run(summary["run_dir"])
        preset_val = val_loss(run.model(), val, context=run.spec.context)
        speed_text, ratio = at_the_bare_loops_configuration(folder)
    c = run.config
    rows = [
        [
            "bare loop: nanoGPT's laptop model, AdamW 1e-3 constant, batch 12",
            f"{seconds:.0f} s",
            f"{bare_val:.3f}",
            f"{bare_speed:,.0f}",
        ],
        [
            f"`shakespeare-char` --time-limit {seconds:.0f}: {run.spec.layers} layers, "
            f"{run.spec.width} wide, context {run.spec.context}, batch {c.batch_size}, "
            f"{c.optimizer} {c.lr:g} {c.schedule} (warm-up {c.warmup_steps}, weight decay "
            f"{c.weight_decay:g})",
            f"{summary['train_seconds']:.0f} s ({summary['steps']:,} steps)",
            f"{preset_val:.3f}",
            f"{summary['tokens_per_second']:,.0f}",
        ],
    ]
    text = (
        table(rows, ["run", "training time", "validation loss", "tokens/s"])
        + f"\n\nThe preset's validation loss is {bare_val - preset_val:+.3f} below the bare "
        f"loop's (target: at least 0.05 lower, and at most 1.70 on the slower machines). Both are "
        f"scored on the same {EVAL_BATCHES} windows of 12 x 64 tokens of the validation tenth.\n\n"
        + speed_text
    )
    return text, {"preset_val": preset_val, "bare_val": bare_val, "ratio": ratio}


FORM = re.compile(r"^[^，。\n]{7}，[^，。\n]{7}。[^，。\n]{7}，[^，。\n]{7}。$")


def tang_form(run_dir: str | None) -> str:
    with tempfile.TemporaryDirectory() as folder:
        if run_dir is None:
            summary = cli(
                "train", "--task", "language", "--preset", "tang-quatrains", "--out", folder
            )
            run_dir, took = summary["run_dir"], summary["train_seconds"]
        else:
            took = None
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "playground",
                "generate",
                run_dir,
                "--samples",
                "100",
                "--length",
                "40",
                "--seed",
                "0",
                "--json",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        poems = [json.loads(line)["text"] for line in out.stdout.splitlines()]
    good = sum(bool(FORM.match(p)) for p in poems)
    trained = f" after {took:.0f} s of training" if took else ""
    return (
        f"Of 100 samples of the `tang-quatrains` preset{trained}, **{good}** are four lines "
        'of seven characters with "，" after the first and third and "。" after the second '
        f"and fourth (target: at least 95). The first three:\n\n"
        + "\n".join(f"    {p}" for p in poems[:3])
    )


def generation(run_dir: str) -> str:
    from playground.tasks.language import inside, sampling
    from playground.tasks.language.commands import model_of

    model, tokenizer, start = model_of(run_dir)
    ids = tokenizer.encode(start)
    rows = []
    for cached in (True, False):
        t = time.perf_counter()
        n = sum(1 for _ in sampling.generate(model, tokenizer, ids, 300, seed=0, cached=cached))
        rows.append(
            [
                ("with" if cached else "without") + " the KV cache",
                f"{n / (time.perf_counter() - t):,.0f}",
            ]
        )
    speedup = float(rows[0][1].replace(",", "")) / float(rows[1][1].replace(",", ""))
    prompt = tokenizer.encode("ROMEO:\nBut soft, what light through yonder window breaks? Juliet")[
        :64
    ]
    t = time.perf_counter()
    found = inside.look(model, prompt, tokenizer.decode)
    look = time.perf_counter() - t
    t = time.perf_counter()
    inside.embeddings_2d(model)
    pca = time.perf_counter() - t
    from playground.tasks.language import figures

    t = time.perf_counter()
    figures.heads_figure(found.attention, found.patterns)
    figures.attention_figure(found.attention[0, 0], found.tokens, "x")
    figures.lens_figure(found.lens, found.lens_probability, found.tokens)
    drawn = time.perf_counter() - t
    return (
        table(rows, ["300 tokens of the ready Shakespeare model", "tokens/s"])
        + f"\n\nThe cache makes generation {speedup:.1f}x faster. Look inside for a "
        f"{len(prompt)}-token prompt: every head, the logit lens and the surprise in "
        f"{look * 1000:.0f} ms, the embeddings' PCA in {pca * 1000:.0f} ms, their figures in "
        f"{drawn * 1000:.0f} ms (target: each view at most 1 s)."
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--tang-run", help="a trained tang-quatrains run (default: train one)")
    parser.add_argument(
        "--loop-only",
        action="store_true",
        help="only the loop's cost at the bare loop's configuration (a minute)",
    )
    args = parser.parse_args()
    torch.set_num_threads(torch.get_num_threads())
    if args.loop_only:  # three turns: a short run's ratio moves by 15% on a shared machine
        with tempfile.TemporaryDirectory() as folder:
            turns = sorted(
                (at_the_bare_loops_configuration(folder) for _ in range(3)),
                key=lambda found: found[1],
            )
        ratios = ", ".join(f"{ratio:.2f}x" for _, ratio in turns)
        text = f"The median of three turns ({ratios}):\n\n{turns[1][0]}"
        write_section(
            "language-loop",
            "Language models: the shared loop's cost (this CPU)",
            "python -m benchmarks.bench_language --loop-only",
            text,
        )
        return
    first, _ = against_the_bare_loop(args.seconds)
    shipped = str(ROOT / "playground" / "assets" / "language" / "shakespeare")
    body = "\n\n".join(
        [
            "### The Shakespeare preset against a bare loop, in the same time\n\n" + first,
            "### The Tang preset writes the form\n\n" + tang_form(args.tang_run),
            "### Generation and Look inside\n\n" + generation(shipped),
        ]
    )
    write_section(
        "language",
        "Language models: this CPU",
        f"python -m benchmarks.bench_language --seconds {args.seconds:g}",
        body,
    )


if __name__ == "__main__":
    main()
