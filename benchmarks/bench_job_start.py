"""A job's start, from the click to its first step, for the seed CNN (MNIST) and the
Shakespeare preset: the first job of a fresh server process and the next ones, and where the
time goes (the fit and memory check, the data, the model, the FLOPs count).

    python -m benchmarks.bench_job_start [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile

from benchmarks.report import table, write_section

PRESETS = {
    "seed CNN (MNIST)": ("image", "seed-cnn"),
    "Shakespeare": ("language", "shakespeare-char"),
}

PROBE = r"""
import dataclasses, json, os, sys, time
if os.environ.get("PLAYGROUND_MNIST_DIR"):  # real MNIST, as a server with it has it
    os.environ.setdefault("PLAYGROUND_DATA_DIR", os.environ["PLAYGROUND_MNIST_DIR"])
import torch
torch.set_num_threads(2)
from playground.engine import cost, task as tasks
from playground.engine.settings import ServerSettings
from playground.serving.manager import JobManager
which, preset, runs = sys.argv[1], sys.argv[2], sys.argv[3]
task = tasks.named(which)
budget = ServerSettings().memory_budget_bytes
manager = JobManager(runs_dir=runs)
starts, parts = [], {}
for turn in range(3):
    spec, config = task.presets()[preset]()
    if which == "image":
        config = dataclasses.replace(config, dataset="mnist")
    clicked = time.perf_counter()
    job = manager.new_job(spec, config, runs_dir=runs)
    manager.submit(job)
    while job.log.last_step() is None and not job.status.ended:
        time.sleep(0.002)
    starts.append(time.perf_counter() - clicked)
    job.stop(); job.wait(60)
    if turn == 0:  # where a warm start's time goes, piece by piece
        spec = task.complete(spec, config)
        for name, work in (
            ("check", lambda: task.check(spec, config, budget)),
            ("data", lambda: task.load_data(config, None, (), "cpu")),
            ("model", lambda: task.prepare(task.build(spec), "cpu", config)),
            ("FLOPs", lambda: cost.count_flops(task, spec, config)),
        ):
            t = time.perf_counter(); work(); parts[name] = time.perf_counter() - t
print(json.dumps({"starts": starts, "parts": parts}))
"""


def probe(which: str, preset: str) -> dict:
    with tempfile.TemporaryDirectory() as runs:
        out = subprocess.run([sys.executable, "-c", PROBE, which, preset, runs],
                             capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for label, (which, preset) in PRESETS.items():
        found = [probe(which, preset) for _ in range(args.repeats)]
        first = statistics.median(f["starts"][0] for f in found)
        later = statistics.median(s for f in found for s in f["starts"][1:])
        parts = {k: statistics.median(f["parts"][k] for f in found) for k in found[0]["parts"]}
        pieces = [f"{parts[k] * 1000:.0f}" for k in ("check", "data", "model", "FLOPs")]
        rows.append([label, f"{first:.2f}", f"{later:.2f}", *pieces])
    body = f"""
From `JobManager.submit` (the click) to the job's first step record, the first job of a fresh
server process and the next ones in it (median of {args.repeats} processes, 2 torch threads),
and, for a warm process, what each piece of the start costs on its own.

{
        table(
            rows,
            [
                "preset",
                "first job (s)",
                "next jobs (s)",
                "check (ms)",
                "data (ms)",
                "model (ms)",
                "FLOPs (ms)",
            ],
        )
    }

The fit and memory check builds the model's summary once per spec and settings (an LRU cache
in each task's `fit`), so the job's later asks (at submit, the pass batch of training, the
description, the results) cost nothing; the first job of a process pays for imports and the
first summary. The FLOPs are counted once, when the job starts, and carried by the job.
"""
    write_section("job-start", "A job's start", "python -m benchmarks.bench_job_start", body)
    print(body)


if __name__ == "__main__":
    main()
