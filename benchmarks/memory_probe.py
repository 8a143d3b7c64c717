"""Peak memory of one piece of work in a fresh process, beyond what the same process costs with a
plain linear model doing the same: the measurement behind the memory budget (fit.py).

    python -m benchmarks.memory_probe job SPEC_JSON CONFIG_JSON BUDGET_MB
    python -m benchmarks.memory_probe step SPEC_JSON BATCH
    python -m benchmarks.memory_probe pass SPEC_JSON BATCH

prints one JSON line: {"growth": bytes, "baseline": bytes}. `job` runs a whole TrainingJob
(training, validation, the test pass, calibration) under the budget on the bundled MNIST sample;
`step` one training step (Adam) and `pass` one pass without gradients, at the batch given.
The growth is the process's peak resident memory (getrusage) after the work, less its peak after
the same work on a one-layer linear model: torch's first use, its threads and the data are paid
by then, so what is left is what the model itself took.
"""

from __future__ import annotations

import json
import resource
import sys

import torch

LINEAR = {
    "layers": [{"kind": "flatten"}, {"kind": "linear", "params": {"out_features": 10}}],
    "name": "linear",
}


def peak() -> int:
    """The process's peak resident memory so far, in bytes (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _job(spec, config, budget: int) -> None:
    from playground.serving.jobs import TrainingJob

    job = TrainingJob(spec, config, name="probe")
    job.set_limits(None, None, budget)
    job.start()
    job.wait()
    if job.status.value != "finished":
        raise SystemExit(f"the job ended {job.status.value}: {job.message}")


def _step(spec, batch: int) -> None:
    from playground.tasks.image import models

    model = models.build(spec).train()
    optimizer = torch.optim.Adam(model.parameters(), 1e-3)
    x = torch.randn(batch, *spec.input_shape)
    loss = torch.nn.functional.cross_entropy(model(x), torch.zeros(batch, dtype=torch.long))
    loss.backward()
    optimizer.step()


def _pass(spec, batch: int) -> None:
    from playground.tasks.image import evaluation, models
    from playground.tasks.image.catalog import DATASETS

    model = models.build(spec)
    x = torch.zeros(batch, *spec.input_shape, dtype=torch.uint8)
    evaluation.outputs_of(model, x, DATASETS["mnist"], batch)


def main(argv: list[str]) -> None:
    from playground.tasks.image.recipe import TrainConfig
    from playground.tasks.image.specs import ModelSpec

    torch.manual_seed(0)
    what, spec = argv[0], ModelSpec.from_json(argv[1])
    linear = ModelSpec.from_dict({**LINEAR, "input_shape": list(spec.input_shape)})
    if what == "job":
        config, budget = TrainConfig.from_json(argv[2]), int(float(argv[3]) * 2**20)
        _job(linear, config, budget)
        baseline = peak()
        _job(spec, config, budget)
    else:
        run = _step if what == "step" else _pass
        batch = int(argv[2])
        run(linear, batch)
        baseline = peak()
        run(spec, batch)
    print(json.dumps({"growth": peak() - baseline, "baseline": baseline}))


if __name__ == "__main__":
    main(sys.argv[1:])
