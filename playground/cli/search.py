"""`python -m playground search`: a hyperparameter search of any task's model, its trials
ordinary runs; a JSON line per trial (its settings, `status` finished or pruned, its metrics,
`run_dir`) as each ends, then a summary line with `best` and `importances`.

    python -m playground search --task image --preset seed-cnn --search lr=1e-4:1e-1:log \\
        --search batch_size=32,64,128 --trials 20 --prune median --budget-minutes 10 --json
"""

from __future__ import annotations

import argparse
import json
import sys

from playground.cli.flags import build_config, job_class, model_flags, model_of
from playground.engine import search_space
from playground.engine.i18n import Text, _
from playground.engine.metrics import Status
from playground.engine.records import SpecError
from playground.engine.task import Task
from playground.exchange.runs import default_runs_dir, load_run
from playground.serving.search import SearchJob
from playground.serving.search_plan import METHODS, PRUNERS, SearchPlan


def add_command(sub, task: Task) -> None:
    s = sub.add_parser(
        "search", help=_("a hyperparameter search: trials proposed by Optuna, the weak ones pruned")
    )
    model_flags(s, task)
    s.add_argument(
        "--search",
        action="append",
        default=[],
        metavar="NAME=RANGE",
        help=_(
            "a setting to vary: lr=1e-4:1e-1:log, dropout=0:0.5 or "
            "batch_size=32,64,128 (repeat for more)"
        ),
    )
    s.add_argument("--trials", type=int, default=8, help=_("how many trials (default 8)"))
    s.add_argument("--parallel", type=int, default=1, help=_("trials at once (default 1)"))
    s.add_argument("--method", choices=METHODS, default="tpe", help=_("default tpe"))
    s.add_argument("--prune", choices=PRUNERS, default="median", help=_("default median"))
    s.add_argument(
        "--budget-minutes",
        type=float,
        default=0.0,
        help=_("stop proposing trials after this many minutes (0: no limit)"),
    )
    s.add_argument(
        "--budget-flops",
        type=float,
        default=0.0,
        help=_("no new trial once the finished ones trained this many FLOPs (0: no limit)"),
    )
    s.add_argument(
        "--population",
        type=int,
        default=4,
        help=_("population based training (--method pbt): members of each generation"),
    )
    s.add_argument(
        "--search-seed",
        type=int,
        default=0,
        help=_("the seed of the proposals (--seed is each trial's)"),
    )
    s.add_argument(
        "--ray",
        metavar="ADDRESS",
        help=_("run the trials on a Ray cluster: auto, ray://host:10001, or local"),
    )
    s.add_argument("--json", action="store_true", help=_("JSON lines: each trial, then the best"))
    s.set_defaults(run=lambda args: _search(args, task))


def _search(args: argparse.Namespace, task: Task) -> int:
    rows = task.search_rows()
    if not args.search:
        raise SpecError(
            Text("Say what to search with --search, such as --search lr=1e-4:1e-1:log.")
        )
    dims = tuple(search_space.parse(text, rows) for text in args.search)
    plan = SearchPlan(
        dims,
        args.trials,
        args.method,
        args.prune,
        args.budget_minutes,
        args.parallel,
        args.search_seed,
        args.budget_flops,
        args.population,
    )
    spec = model_of(args, task)
    config, extra = task.train_extra(args, build_config(args, spec))
    if extra is not None:
        raise SpecError(Text("A search trains on a corpus of the app's, not on --text."))
    job = SearchJob(
        spec,
        config,
        plan,
        task=task,
        name=args.name,
        data_dir=args.data_dir,
        runs_dir=args.out or default_runs_dir(),
    )
    if args.ray:
        job.member_job = job_class(args.ray)
    shown: set[int] = set()
    job.start()
    try:
        while not job.wait(0.5):
            _show(job, task, shown, args.json)
    except KeyboardInterrupt:
        print("\n" + _("stopping..."), file=sys.stderr)
        job.stop()
        job.wait()
    _show(job, task, shown, args.json)
    best = job.best()
    last = {
        "type": "summary",
        "status": job.status.value,
        "message": str(job.message),
        "best": _line(best, task) if best else None,
        "importances": job.importances,
        "steps": job.summary.get("steps"),
        "steps_planned": job.steps_planned,
        "flops": job.summary.get("flops"),
    }
    if args.json:
        print(json.dumps(last, default=str), flush=True)
    else:
        print(f"{_(job.status.value)}: {_(job.message)}")
        if best:
            print(_("best: trial {n}, {params}").format(n=best["number"], params=best["params"]))
    return 0 if job.status in (Status.FINISHED, Status.STOPPED) else 1


def _line(trial: dict, task: Task) -> dict:
    """A trial as the JSON line says it: settings, status, metrics and run folder."""
    metrics = {}
    if trial["run_dir"]:
        summary = load_run(trial["run_dir"]).summary
        metrics = {m.key: v for m in task.metrics if (v := m.of(summary)) is not None}
    return {
        "type": "trial",
        "trial": trial["number"],
        "settings": trial["params"],
        "status": trial["state"],
        "pruned_at": trial["pruned_at"],
        "val_loss": trial["value"],
        "metrics": metrics,
        "run_dir": trial["run_dir"],
    }


def _show(job: SearchJob, task: Task, shown: set[int], as_json: bool) -> None:
    for trial in job.snapshot():
        if trial["state"] == "running" or trial["number"] in shown:
            continue
        shown.add(trial["number"])
        line = _line(trial, task)
        if as_json:
            print(json.dumps(line, default=str), flush=True)
        else:
            value = "-" if trial["value"] is None else f"{trial['value']:.4f}"
            print(
                f"{trial['number']}: {trial['params']} {_(trial['state'])} {value}", file=sys.stderr
            )
