"""Scaling: this CPU. Trains the two ready sweeps again (scripts/make_sweeps.py: the seed CNN at
5 widths on the bundled MNIST sample, 150 steps each; the shakespeare-char GPT at 5 widths on
tiny Shakespeare, 300 steps each) into a temporary folder, times each, and writes their members,
costs and fitted exponents to BENCHMARKS.md ("scaling").

    PLAYGROUND_TEXT_DIR=../shared/datasets/text python -m benchmarks.bench_scaling
"""

from __future__ import annotations

import tempfile

from benchmarks.report import table, write_section
from playground.engine.cost import Assumptions, flops_text
from playground.exchange.runs import list_runs
from playground.explain import scaling
from scripts.make_sweeps import SWEEPS, train


def one(folder: str) -> str:
    _, preset, _, steps = SWEEPS[folder]
    with tempfile.TemporaryDirectory() as runs:
        job, took = train(folder, runs)
        (sweep,) = scaling.sweeps(list_runs(runs))
        points, fit = sweep.points(), sweep.fit()
    rows = [[f"{p['parameters']:,}", f"{p['val_loss']:.3f}", flops_text(p["flops"]),
             f"{p['energy_wh']:.3g}", f"{p['co2_g']:.3g}", f"{p['train_seconds']:.1f}"]
            for p in points]  # fmt: skip
    law = fit.problem or (
        f"L(N) = {fit.a:.3g} N^-{fit.alpha:.3f} + {fit.c:.3f}; **alpha = {fit.alpha:.3f}** "
        f"(bootstrap 90%: {fit.alpha_low:.3f} to {fit.alpha_high:.3f})"
    )
    return (
        f"`{preset}` at 5 widths, {steps} steps each ({job.status.value}): the sweep took "
        f"**{took:.0f} s** here.\n\n"
        + table(rows, ["parameters", "final loss", "FLOPs", "energy (Wh)", "CO2 (g)", "train s"])
        + f"\n\n{law}."
    )


def main() -> None:
    body = "\n\n".join(f"### {name}\n\n{one(name)}" for name in SWEEPS)
    body += (
        "\n\nThe loss is the test loss (images) or validation loss (language) after the same "
        "steps for every size. Published exponents for comparison: Kaplan et al. 0.076 "
        "(parameters, models trained near convergence), Chinchilla 0.34; a few hundred steps "
        "per size leave the larger models far from done, which is what the lab's text says. "
        f"Energy and CO2 are {Assumptions().text()}."
    )
    write_section("scaling", "Scaling: this CPU", "python -m benchmarks.bench_scaling", body)


if __name__ == "__main__":
    main()
