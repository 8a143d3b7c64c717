"""The server's limits, in one place: a settings file, then environment variables over it.

`settings.toml` beside the app (or the file named by $PLAYGROUND_SETTINGS) may set any field
below; `PLAYGROUND_<FIELD>` in the environment (e.g. PLAYGROUND_QUEUE_CAP=10) overrides the file.
The defaults suit one person on a laptop. A value that cannot be read stops the server with a
sentence naming it, rather than starting with a limit nobody chose.
"""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
import typing
from dataclasses import dataclass
from pathlib import Path

from playground import ROOT
from playground.engine.cost import Assumptions
from playground.engine.i18n import N_, Text
from playground.engine.records import SpecError


@dataclass(frozen=True)
class ServerSettings:
    """What one person may take from a shared server. 0 switches a limit off where noted."""

    jobs_at_once: int = 0  # jobs training at once; 0: 1 on a CPU, on a GPU as its memory allows
    gpu_jobs_cap: int = 4  # the most jobs sharing one GPU when jobs_at_once is 0
    queue_cap: int = 20  # jobs waiting at most, over all people
    job_minutes: float = 120.0  # wall-clock limit of one job, pauses included (0: none)
    pause_minutes: float = 10.0  # a job paused this long stops and frees its slot (0: never)
    memory_budget_mb: float = 2048.0  # the most one batch of one job may need (see fit.py)
    disk_quota_mb: float = 500.0  # runs one person may keep on disk (0: no quota)
    disk_total_mb: float = 10240.0  # all people's runs together on this server (0: no cap)
    queued_per_address: int = 3  # jobs queued or training from one network address (0: any)
    proxy_hops: int = 0  # proxies in front of the server: the address is that many hops back
    retention_days: float = 0.0  # people's runs older than this are deleted (0: kept forever)
    ray_cpus_per_job: float = 2.0  # on a Ray cluster (PLAYGROUND_RAY_ADDRESS): CPUs a job asks for
    ray_gpus_per_job: float = 0.0  # ... or a share of a GPU (0.25: four jobs to a GPU)
    cpu_watts_per_core: float = 12.0  # a run's energy on a CPU: time x cores x this (estimate)
    gpu_watts: float = 300.0  # ... on a GPU whose driver gives no energy reading
    grid_g_per_kwh: float = 475.0  # CO2 of the electricity (the world's average, IEA 2019)

    def validate(self) -> ServerSettings:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if not math.isfinite(value) or value < 0:
                raise SpecError(
                    Text(
                        "The setting {name} is {value}: it must be a number from 0.",
                        name=f.name,
                        value=value,
                    )
                )
        if self.queue_cap < 1 or self.memory_budget_mb <= 0 or self.ray_cpus_per_job <= 0:
            raise SpecError(
                Text("queue_cap must be at least 1, memory_budget_mb and ray_cpus_per_job above 0.")
            )
        return self

    @property
    def assumptions(self) -> Assumptions:
        """The figures the cost estimates of runs stand on (engine/cost.py)."""
        return Assumptions(self.cpu_watts_per_core, self.gpu_watts, self.grid_g_per_kwh)

    @property
    def memory_budget_bytes(self) -> int:
        return int(self.memory_budget_mb * 2**20)

    @property
    def disk_quota_bytes(self) -> int | None:
        return int(self.disk_quota_mb * 2**20) if self.disk_quota_mb else None

    @property
    def disk_total_bytes(self) -> int | None:
        return int(self.disk_total_mb * 2**20) if self.disk_total_mb else None

    @property
    def job_seconds(self) -> float | None:
        return self.job_minutes * 60 if self.job_minutes else None

    @property
    def pause_seconds(self) -> float | None:
        return self.pause_minutes * 60 if self.pause_minutes else None

    def running_limit(self, gpu_memory_bytes: int | None) -> int:
        """How many jobs train at once: the setting, or 1 on a CPU, or on a GPU as many batches
        of the memory budget as fit in 80% of its memory (1 to gpu_jobs_cap)."""
        if self.jobs_at_once:
            return self.jobs_at_once
        if not gpu_memory_bytes:
            return 1
        fit = int(0.8 * gpu_memory_bytes // self.memory_budget_bytes)
        return max(1, min(self.gpu_jobs_cap, fit))


def env_name(field: str) -> str:
    return f"PLAYGROUND_{field.upper()}"


def load(file: str | Path | None = None, environ: typing.Mapping[str, str] | None = None):
    """The settings from `file` (default: $PLAYGROUND_SETTINGS or settings.toml beside the app,
    if it exists), then the environment; SpecError names a value that cannot be used."""
    environ = os.environ if environ is None else environ
    file = Path(file or environ.get("PLAYGROUND_SETTINGS") or ROOT / "settings.toml")
    values: dict = {}
    if file.exists():
        try:
            values = tomllib.loads(file.read_text())
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as e:
            raise SpecError(
                Text("The settings file {file} cannot be read: {e}.", file=file, e=e)
            ) from None
    hints = typing.get_type_hints(ServerSettings)
    unknown = sorted(set(values) - set(hints))
    if unknown:
        raise SpecError(
            Text(
                "The settings file {file} has an unknown setting {unknown!r} (known: {join}).",
                file=file,
                unknown=unknown[0],
                join=", ".join(hints),
            )
        )
    for name in hints:
        if env_name(name) in environ:
            values[name] = environ[env_name(name)]
    chosen = {name: _number(name, value, hints[name]) for name, value in values.items()}
    return ServerSettings(**chosen).validate()


def _number(name: str, value: object, kind: type) -> int | float:
    try:
        if isinstance(value, bool):
            raise ValueError
        number = kind(value) if isinstance(value, str) else value
        if kind is int and (not isinstance(number, int) or isinstance(number, bool)):
            raise ValueError
        if kind is float and isinstance(number, int):
            number = float(number)
        if not isinstance(number, kind) or not abs(number) < 1e15:  # nan fails too
            raise ValueError
    except (ValueError, TypeError, OverflowError):
        what = N_("a whole number") if kind is int else "a number"
        raise SpecError(
            Text(
                "The setting {name} is {value!r}: it must be {what}.",
                name=name,
                value=value,
                what=what,
            )
        ) from None
    return number


def server_assumptions() -> Assumptions:
    """The server's settings' figures (the defaults if the settings cannot be read)."""
    try:
        return load().assumptions
    except SpecError:
        return Assumptions()
