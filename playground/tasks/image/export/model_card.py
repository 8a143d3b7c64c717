"""An image classifier's run in words: its line of the runs table, its settings for compare, and
the model card (README.md) of its bundle: the model, its data, settings, results per class and
how to use it in plain PyTorch."""

from __future__ import annotations

from playground.datasets import image_sets
from playground.datasets import images as data
from playground.engine import privacy
from playground.engine.cost import cost_text
from playground.engine.i18n import N_, _
from playground.engine.records import SpecError
from playground.exchange.runs import Run
from playground.tasks.image import catalog, evaluation, models
from playground.tasks.image.fit import pass_batch_size
from playground.tasks.image.layers import shape_text
from playground.tasks.image.recipe import BY_NAME
from playground.tasks.image.specs import ModelSpec


def table_row(run: Run) -> dict:
    """One line of the runs table, in the words the table shows."""
    s, c = run.summary, run.config
    best = s.get("best_val_accuracy")
    seconds = s.get("train_seconds")
    return {
        "run": run.name,
        "name": s.get("name", run.spec.name),
        "preset": run.spec.name,
        "dataset": s.get("dataset", c.dataset),
        "optimizer": c.optimizer,
        "lr": c.lr,
        "epochs": f"{s.get('epochs', 0)} / {c.epochs}" if s else f"? / {c.epochs}",
        "best val accuracy": best if isinstance(best, (int, float)) else None,
        "test accuracy": s.get("test_accuracy"),
        "ε (privacy)": s.get("epsilon"),
        "time (s)": round(seconds, 1) if isinstance(seconds, (int, float)) else None,
        "status": s.get("status", "unfinished"),
    }


def settings(run: Run) -> dict:
    """What a run was made with: its model, its layers in words, then each TrainConfig field."""
    return {"model": run.spec.name, "layers": _layers(run.spec), **run.config.to_dict()}


def _layers(spec: ModelSpec) -> str:
    return " > ".join(
        models.layer_label(x.kind, x.resolved_params(), x.activation) for x in spec.layers
    )


def model_card(run: Run, files: dict[str, str], memory_budget: int | None = None) -> str:
    """README.md of a bundle: what the model is, its data, settings, results and how to use it;
    `files` says what each file beside it is (exchange/bundles.py)."""
    spec, config, s = run.spec, run.config, run.summary
    info = image_sets.DATASETS.get(
        s.get("dataset", config.dataset), image_sets.DATASETS[config.dataset]
    )
    if config.classes and info.name == config.dataset:
        info = image_sets.info_of(config)
    summary = models.summarize(spec)
    loss = catalog.LOSSES[config.loss]
    lines = [
        f"# {_md(s.get('name') or spec.name)}",
        "",
        _("A model made in Deep Learning Playground: run `{run}`, {status}.").format(
            run=run.name, status=_(s.get("status") or N_("unfinished"))
        ),
        "",
        _("## The model"),
        "",
        _(
            "{layers} layers, {parameters} parameters, {macs} multiply-adds per image. Input: "
            "images {shape}, pixels scaled to 0-1, then normalised as (x - {mean}) / {std}. "
            "Output: {outputs} numbers per image; {loss} trained them ({squash} turns them into "
            "probabilities)."
        ).format(
            layers=len(spec.layers),
            parameters=f"{summary.total_params:,}",
            macs=f"{summary.total_macs:,}",
            shape=shape_text(spec.input_shape),
            mean=info.mean,
            std=info.std,
            outputs=summary.layers[-1].output_shape[0],
            loss=_(loss.label),
            squash=_("sigmoids") if config.loss == "bce" else _("softmax"),
        ),
        "",
        _("| # | layer | output | parameters |"),
        "| --- | --- | --- | --- |",
        *(
            f"| {r.index} | {r.label} | {shape_text(r.output_shape)} | {r.params:,} |"
            for r in summary.layers
        ),
        "",
        _("## Data"),
        "",
        f"{_(info.label)}: {_(info.description)} {_(info.credit)}. "
        + _(
            "{share} of the training images were held out for validation (the same ones for "
            "every run)"
        ).format(share=f"{config.val_fraction:.0%}")
        + (
            _("; training used at most {n} images").format(n=f"{config.train_limit:,}")
            if config.train_limit
            else ""
        )
        + ".",
        "",
        _("## Settings"),
        "",
        _("| setting | value |"),
        "| --- | --- |",
        *(f"| {_(BY_NAME[k].label)} (`{k}`) | {v} |" for k, v in config.to_dict().items()),
        "",
        _("## Results"),
        "",
        _results(s),
        "",
        privacy.in_words(s),
        "",
        *_per_class(run, memory_budget),
        "![" + _("Loss and accuracy curves") + "](curves.png)",
        "",
        _("## The files"),
        "",
        *(f"- `{name}`: {_(what)}" for name, what in files.items()),
        "",
        _("## Use it in plain PyTorch"),
        "",
        "```python",
        "import torch",
        "from safetensors.torch import load_file",
        "",
        "from train import Net  # the model's class, written out in train.py",
        "",
        "model = Net()",
        'model.load_state_dict(load_file("weights.safetensors"))',
        "model.eval()",
        f"x = torch.zeros(1, {', '.join(map(str, spec.input_shape))})  # pixels 0-1",
        f"x = (x - {info.mean}) / {info.std}",
        "print(model(x).argmax(1))  # the class it sees",
        "```",
        "",
    ]
    return "\n".join(lines)


def _results(s: dict) -> str:
    if s.get("test_accuracy") is None:
        return _("No test accuracy: {why}").format(
            why=_(s.get("message") or N_("the run did not finish"))
        )
    seconds = s.get("train_seconds")
    return (
        _("Test accuracy **{accuracy}** (loss {loss}) after {epochs} epoch(s)").format(
            accuracy=f"{s['test_accuracy']:.2%}", loss=f"{s.get('test_loss', float('nan')):.4f}",
            epochs=s.get("epochs"))
        + (_(", {seconds} s of training on {device}").format(
            seconds=f"{seconds:.0f}", device=s.get("device", "?")) if seconds else "")
        + "."
        + (_(" It cost {cost} (FLOPs counted; energy and CO2 estimated).").format(
            cost=cost_text(s)) if cost_text(s) else "")
    )  # fmt: skip


def _per_class(run: Run, memory_budget: int | None) -> list[str]:
    """Precision, recall and F1 of each class on the test set, where the data is here."""
    config = run.config
    try:
        dataset = data.load(
            config.dataset,
            download=False,
            val_fraction=0.0,
            classes=image_sets.parse_classes(config.classes),
        )
        model = run.model()
    except (data.DataError, SpecError):
        return [_("Per-class scores: the test set is not on this server."), ""]
    batch = pass_batch_size(run.spec, memory_budget)
    scores = evaluation.test_scores(
        model, dataset.test_x, dataset.test_y, dataset.info, config.loss, batch_size=batch
    )
    matrix = evaluation.confusion_matrix(
        dataset.test_y, scores.predicted, len(dataset.info.classes)
    )
    rows = [
        f"| {c} | {x.precision:.3f} | {x.recall:.3f} | {x.f1:.3f} | {x.support:,} |"
        for c, x in zip(dataset.info.classes, evaluation.class_scores(matrix), strict=True)
    ]
    return [
        _("Per class, on {n} test images of {dataset} (accuracy {accuracy}):").format(
            n=f"{len(dataset.test_y):,}",
            dataset=_(dataset.info.label),
            accuracy=f"{scores.accuracy:.2%}",
        ),
        "",
        _("| class | precision | recall | F1 | images |"),
        "| --- | --- | --- | --- | --- |",
        *rows,
        "",
    ]


def _md(text: str) -> str:
    return text.replace("\n", " ").replace("|", "/")[:80]
