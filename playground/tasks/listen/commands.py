"""The listen task's own command: `listen`, the digit a run (or the model that ships) hears in
each of some recordings:

    python -m playground listen playground/assets/listen/cnn seven.wav nine.wav --json

prints a JSON line per clip (`clip`, `digit`, `probabilities` of 0..9, `seconds`), or its
`error` in words where a clip cannot be read; it exits 1 if any could not."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from playground.datasets import spoken
from playground.engine.i18n import Text, _
from playground.engine.records import DataError, SpecError
from playground.exchange.runs import load_run
from playground.tasks.listen.hearing import hear


def add_commands(sub) -> None:
    s = sub.add_parser("listen", help=_("the digit a listening model hears in recordings"))
    s.add_argument("run_dir", type=Path, help=_("a run folder (or playground/assets/listen/cnn)"))
    s.add_argument("clips", type=Path, nargs="+", help=_("WAV, FLAC or OGG recordings"))
    s.add_argument("--json", action="store_true", help=_("one JSON line per recording"))
    s.set_defaults(run=_listen)


def _listen(args: argparse.Namespace) -> int:
    run = load_run(args.run_dir)
    if run.task.name != "listen":
        raise SpecError(Text("{name} is a run of {task}, not a model that listens.",
                             name=run.name, task=run.task.label))  # fmt: skip
    model = run.model()
    failed = 0
    for path in args.clips:
        try:
            clip, note = spoken.read_recording(path.read_bytes())
        except OSError as e:
            said, failed = {"clip": str(path), "error": _("It cannot be opened: {why}").format(
                why=e.strerror or str(e))}, failed + 1  # fmt: skip
        except DataError as e:
            said, failed = {"clip": str(path), "error": _(str(e))}, failed + 1
        else:
            said = {"clip": str(path), **hear(model, run.spec, clip).to_dict()}
            if note:
                said["note"] = _(note)
        if args.json:
            print(json.dumps(said, ensure_ascii=False))
        elif "error" in said:
            print(f"{path}: {said['error']}")
        else:
            top = max(said["probabilities"])
            print(_("{clip}: {digit} ({p:.0%})").format(clip=path, digit=said["digit"], p=top))
    return 1 if failed else 0
