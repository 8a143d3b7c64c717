"""`python -m playground sweep`: one model family at 4 to 8 sizes, each trained for the same
budget; a JSON line per member (parameters, flops, final validation loss) and a last line with
the fitted power law (alpha, alpha_low, alpha_high, a, c)."""

from __future__ import annotations

import argparse
import json
import sys

from playground.cli.flags import build_config, model_flags, model_of
from playground.engine.cost import cost_text
from playground.engine.i18n import Text, _
from playground.engine.metrics import Status
from playground.engine.records import SpecError
from playground.engine.task import Task
from playground.exchange.runs import default_runs_dir
from playground.explain.scaling import fit_power_law
from playground.serving.sweeps import BUDGETS, HOWS, Plan, SweepJob


def add_command(sub, task: Task) -> None:
    s = sub.add_parser("sweep", help=_("train one model family at several sizes: a scaling law"))
    model_flags(s, task)
    s.add_argument("--sizes", type=int, default=5, help=_("how many sizes, 4 to 8 (default 5)"))
    s.add_argument(
        "--how",
        choices=HOWS,
        default="width",
        help=_("scale the width, the depth, or both (default width)"),
    )
    s.add_argument(
        "--largest",
        type=float,
        default=1.0,
        help=_("the largest member as a multiple of the model (default 1)"),
    )
    budget = s.add_mutually_exclusive_group()
    for kind, what in BUDGETS.items():
        budget.add_argument(
            f"--budget-{kind}", type=float, help=_("each member's {what}").format(what=_(what))
        )
    s.add_argument("--json", action="store_true", help=_("JSON lines: each member, then the fit"))
    s.set_defaults(run=lambda args: _sweep(args, task))


def _sweep(args: argparse.Namespace, task: Task) -> int:

    kind = next((k for k in BUDGETS if getattr(args, f"budget_{k}") is not None), "steps")
    amount = getattr(args, f"budget_{kind}") or 300
    plan = Plan(sizes=args.sizes, how=args.how, budget=kind, amount=amount, largest=args.largest)
    spec = model_of(args, task)
    config, extra = task.train_extra(args, build_config(args, spec))
    if extra is not None:
        raise SpecError(Text("A sweep trains on a corpus of the app's, not on --text."))
    job = SweepJob(spec, config, plan, task=task, name=args.name, data_dir=args.data_dir,
                   runs_dir=args.out or default_runs_dir())  # fmt: skip
    shown = 0
    job.start()
    try:
        while not job.wait(0.5):
            shown = _show(job, shown, args.json)
    except KeyboardInterrupt:
        print("\n" + _("stopping..."), file=sys.stderr)
        job.stop()
        job.wait()
    _show(job, shown, args.json)
    points = [p for p in job.done if p["val_loss"] is not None]
    fit = fit_power_law([p["parameters"] for p in points], [p["val_loss"] for p in points])
    last = {"type": "fit", **fit.to_dict(), "status": job.status.value, "message": job.message}
    if args.json:
        print(json.dumps(last), flush=True)
    else:
        print(f"{_(job.status.value)}: {_(job.message)}")
        law = f"L(N) = {fit.a:.3g} N^-{fit.alpha:.3f} + {fit.c:.3f} "
        print(_(fit.problem) or law + _("(alpha {low} to {high})").format(
            low=f"{fit.alpha_low:.3f}", high=f"{fit.alpha_high:.3f}"))  # fmt: skip
    return 0 if job.status in (Status.FINISHED, Status.STOPPED) else 1


def _show(job: SweepJob, shown: int, as_json: bool) -> int:
    for found in job.done[shown:]:
        shown += 1
        line = {"type": "member", "index": shown - 1, **found}
        if as_json:
            print(json.dumps(line), flush=True)
        else:
            print(
                f"{shown}/{len(job.members)}: "
                + _("{parameters} parameters, loss {loss}, {cost}").format(
                    parameters=f"{found['parameters']:,}",
                    loss=f"{found['val_loss']:.4f}",
                    cost=cost_text(found),
                ),
                file=sys.stderr,
            )
    return shown
