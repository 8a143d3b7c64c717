"""What pretraining buys, measured: the ready experiment (a CNN of MNIST digits 0-4,
fine-tuned on 5-9 with 10 labelled images of each) against the same model from scratch on those
50 images, at equal steps, over 3 seeds; and a GPT of Shakespeare fine-tuned on names against
one from scratch. Writes BENCHMARKS.md ("transfer").

    PLAYGROUND_MNIST_DIR=../shared/datasets/mnist python -m benchmarks.bench_transfer
"""

from __future__ import annotations

import dataclasses
import statistics

from safetensors.torch import load_file

from benchmarks.report import mnist_dir, table, write_section
from playground.engine.transfer import Start
from playground.exchange.runs import load_run
from playground.serving.jobs import TrainingJob
from playground.tasks.image.export import few_labels
from playground.tasks.language.task import LANGUAGE, preset

SEEDS = (0, 1, 2)
NAMES_STEPS = 300


def image(dataset: str, seed: int, start: Start | None, data_dir: str | None) -> float:
    config = few_labels.fine_tune_config(dataset, seed)
    job = TrainingJob(
        few_labels.model(), config, data_dir=data_dir, runs_dir=None, initial_weights=start
    )
    job.start()
    job.wait()
    assert job.status.value == "finished", job.message
    return job.summary["test_accuracy"]


def language(start: Start | None) -> float:
    source = load_run(LANGUAGE.pretrained)
    spec = dataclasses.replace(source.spec, vocab=0)
    config = dataclasses.replace(preset("shakespeare-char")[1], corpus="names",
                                 steps=NAMES_STEPS, warmup_steps=0, eval_every=100,
                                 sample_length=0)  # fmt: skip
    extra = LANGUAGE.start_extra(None, LANGUAGE.pretrained, spec) if start else None
    job = TrainingJob(
        spec, config, task=LANGUAGE, runs_dir=None, initial_weights=start, extra=extra
    )
    job.start()
    job.wait()
    assert job.status.value == "finished", job.message
    return job.summary["val_loss"]


def main() -> None:
    folder = mnist_dir()
    weights = load_file(str(few_labels.FOLDER / "weights.safetensors"))
    ways = {
        "fine-tuned, convolutions frozen (the ready experiment)": Start(
            weights, "digits 0-4", few_labels.FREEZE
        ),
        "fine-tuned, all but the last layer frozen": Start(
            weights, "digits 0-4", ("all-but-last",)
        ),
        "fine-tuned, every layer": Start(weights, "digits 0-4"),
        "from scratch": None,
    }
    rows, means, seeds = [], {}, {}
    for label, start in ways.items():
        scores = seeds[label] = [image("mnist", seed, start, folder) for seed in SEEDS]
        sample = image("mnist-sample", 0, start, None)
        means[label] = statistics.mean(scores)
        rows.append([label, *(f"{s:.1%}" for s in scores), f"{means[label]:.1%}", f"{sample:.1%}"])
    ready = "fine-tuned, convolutions frozen (the ready experiment)"
    margin = (means[ready] - means["from scratch"]) * 100
    wins = sum(a > b for a, b in zip(seeds[ready], seeds["from scratch"], strict=True))
    body = table(rows, ["MNIST 5-9, 10 labels a digit", *(f"seed {s}" for s in SEEDS), "mean",
                        "bundled sample, seed 0"])  # fmt: skip
    body += (
        f"\n\nTest accuracy on the digits 5-9 after the same {few_labels.fine_tune_config().epochs}"
        f" passes over the 50 images (batch {few_labels.fine_tune_config().batch_size}); the "
        f"start is playground/assets/digits-0-4 (made by scripts/make_digits_0_4.py). Starting "
        f"from the model of 0-4 with its convolutions frozen ({', '.join(few_labels.FREEZE)}) "
        f"bought {margin:+.1f} points on average, and was ahead for {wins} of the 3 seeds. "
        "Freezing all but the last layer keeps features made to tell 0-4 apart and leaves one "
        "Linear to read 5-9 from them; training every layer from the start is about as good "
        "as scratch here: 100 steps are enough for a BatchNorm CNN to learn five digits from "
        "50 images, and what the start gives is the convolutions' general strokes.\n\n"
    )
    shakespeare = load_run(LANGUAGE.pretrained)
    fine = language(
        Start(load_file(str(LANGUAGE.pretrained / "weights.safetensors")), "shakespeare")
    )
    scratch = language(None)
    body += table(
        [
            ["fine-tuned from the ready Shakespeare model", f"{fine:.3f}"],
            ["from scratch", f"{scratch:.3f}"],
        ],
        [f"names, {NAMES_STEPS} steps of {shakespeare.spec.name}", "validation loss (nats)"],
    )
    body += (
        f"\n\nDomain adaptation: the plays' model keeps its characters (its tokenizer), so every "
        f"weight is copied; after the same {NAMES_STEPS} steps on names it is "
        f"{scratch - fine:.3f} nats ahead."
    )
    write_section(
        "transfer",
        "Transfer: what pretraining buys (cpu)",
        "python -m benchmarks.bench_transfer",
        body,
    )


if __name__ == "__main__":
    main()
