"""What a run costs, next to what it learned: floating-point operations, energy and CO2.

FLOPs are counted, not guessed: PyTorch's `FlopCounterMode` watches one training step (forward
and backward) of the model on the meta device, so nothing is computed and no memory is taken,
and the count per sample times the samples trained on is the run's. Validation is not counted.

Energy and CO2 are estimates, and say so with their assumptions. On an NVIDIA GPU the board's
own energy counter (NVML) is read at the start and the end of the job (the board's whole draw:
jobs sharing it are each charged all of it). On a CPU: the CPU time the job's own thread used
(not the wall time: on a busy server a small job waited for cores and was charged for the
waiting) x the threads it trains with x a per-core power that is a server setting
(`cpu_watts_per_core`). CO2: energy x the grid's
intensity (`grid_g_per_kwh`, a server setting). CodeCarbon was considered: it measures a whole
machine or process, and jobs here are threads of one server process, so it cannot tell one
person's job from another's.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch.utils.flop_counter import FlopCounterMode

from playground.engine.i18n import _

SUMMARY_KEYS = ("flops", "energy_wh", "co2_g", "samples")
logger = logging.getLogger(__name__)


def count_flops(task, spec, config, frozen: frozenset[str] = frozenset()) -> float:
    """The task's FLOPs per training sample (`frozen`: parameters that get no gradient); 0 if
    counting fails (the job loses only that)."""
    try:
        return float(task.flops_per_sample(spec, config, frozen))
    except Exception:
        logger.exception("could not count the FLOPs of %s", getattr(spec, "name", spec))
        return 0.0


class _GlobalFlops(FlopCounterMode):
    """PyTorch's FLOP counter without its per-module breakdown. That breakdown's ModuleTracker
    installs process-global module hooks while it counts, and autograd in other threads (a
    page's `autograd.grad`, another person's training step) then passed through them and
    failed ("A leaf node was passed to _will_engine_execute_node..."). The dispatch mode that
    does the counting is the thread's own; this keeps the count there."""

    def __init__(self) -> None:
        super().__init__(display=False)
        self.mod_tracker = _WholeModel()


class _WholeModel:
    """Stands in for ModuleTracker: every FLOP belongs to the whole model ("Global")."""

    parents = ("Global",)

    def __enter__(self) -> _WholeModel:
        return self

    def __exit__(self, *exc) -> None:
        return None


def training_flops(
    make: Callable[[], tuple[torch.nn.Module, Callable[[], torch.Tensor]]],
    frozen: frozenset[str] = frozenset(),
) -> int:
    """FLOPs of one training step (forward and backward) of the model that `make` builds: it
    returns (model, a function giving the step's loss). Called under the meta device. Frozen
    parameters get no gradient, so the backward pass skips their share."""
    with torch.device("meta"):
        model, loss_of = make()
        for name, p in model.named_parameters():
            p.requires_grad_(name not in frozen)
        with _GlobalFlops() as counter:
            loss_of().backward()
    del model
    return int(counter.get_total_flops())


def flops_of(work: Callable[[], object]) -> int:
    """FLOPs that `work()` runs, counted in this thread only (say, one image's sampling)."""
    with _GlobalFlops() as counter:
        work()
    return int(counter.get_total_flops())


@dataclass(frozen=True)
class Assumptions:
    """The figures an estimate stands on (from the server's settings)."""

    cpu_watts_per_core: float = 12.0
    gpu_watts: float = 300.0  # a GPU whose driver gives no energy reading
    grid_g_per_kwh: float = 475.0  # the world's average electricity, IEA 2019

    def text(self) -> str:
        return _(
            "estimates: the CPU time the job used x {watts} W a core (or the GPU's own "
            "readings), {grid} g CO2 per kWh"
        ).format(watts=f"{self.cpu_watts_per_core:g}", grid=f"{self.grid_g_per_kwh:g}")


class EnergyMeter:
    """Reads a GPU's energy counter at start and end, or times a CPU's work at its power."""

    def __init__(self, device: torch.device | str, assumptions: Assumptions) -> None:
        self.device, self.assumptions = torch.device(device), assumptions
        self.source = "cpu"
        self._thread, self._cpu_start = threading.get_ident(), time.thread_time()
        self._handle, self._start_mj = None, None
        if self.device.type == "cuda":
            self.source = "gpu-rated"
            with contextlib.suppress(Exception):  # no pynvml, or a board without the counter
                import pynvml

                pynvml.nvmlInit()
                index = self.device.index or 0
                self._handle = pynvml.nvmlDeviceGetHandleByIndex(index)
                self._start_mj = pynvml.nvmlDeviceGetTotalEnergyConsumption(self._handle)
                self.source = "gpu-nvml"

    def cpu_seconds(self) -> float | None:
        """CPU time the job's thread has used since the meter was made (in that thread), or
        None when asked from another thread."""
        if threading.get_ident() != self._thread:
            return None
        return time.thread_time() - self._cpu_start

    def watt_hours(self, seconds: float) -> float:
        """Energy of `seconds` of training (the counter's reading since the start on NVML; on a
        CPU, the CPU time the thread used where it is asked in that thread)."""
        if self._start_mj is not None:
            with contextlib.suppress(Exception):
                import pynvml

                now = pynvml.nvmlDeviceGetTotalEnergyConsumption(self._handle)
                return (now - self._start_mj) / 3.6e6
        if self.device.type == "cuda":
            return seconds * self.assumptions.gpu_watts / 3600
        used = self.cpu_seconds()
        watts = torch.get_num_threads() * self.assumptions.cpu_watts_per_core
        return (seconds if used is None else used) * watts / 3600


def cpu_or_rated_wh(device: str, seconds: float, a: Assumptions, cpu_seconds=None) -> float:
    """Energy of `seconds` of training from the settings' figures (live, before the end's
    reading): `device` as jobs name it ("cpu (2 threads)", "cuda:0 (...)"); on a CPU, the
    CPU time the job's thread used where it is known (`cpu_seconds`)."""
    if device.startswith("cuda"):
        return seconds * a.gpu_watts / 3600
    used = seconds if cpu_seconds is None else cpu_seconds
    return used * torch.get_num_threads() * a.cpu_watts_per_core / 3600


def costs(flops_per_sample: float, samples: float, watt_hours: float, a: Assumptions) -> dict:
    """The summary's keys: flops, energy_wh, co2_g, samples."""
    return {
        "flops": float(flops_per_sample * samples),
        "energy_wh": round(watt_hours, 4),
        "co2_g": round(watt_hours / 1000 * a.grid_g_per_kwh, 4),
        "samples": round(samples),  # a count: rate x time may fall just short of it
    }


def flops_text(flops: float | None) -> str:
    """1.2 TFLOP, 340 GFLOP, ... ("-" if unknown)."""
    if not flops:
        return "-"
    for unit, size in (("PFLOP", 1e15), ("TFLOP", 1e12), ("GFLOP", 1e9), ("MFLOP", 1e6)):
        if flops >= size:
            return f"{flops / size:.3g} {unit}"
    return f"{flops:.0f} FLOP"


def cost_text(summary: dict) -> str:
    """ "2.1 TFLOP, 0.41 Wh, 0.19 g CO2" of a summary (empty if it has none)."""
    if not summary.get("flops") and summary.get("energy_wh") is None:
        return ""
    return _("{flops}, {wh} Wh, {co2} g CO2").format(
        flops=flops_text(summary.get("flops")),
        wh=f"{summary.get('energy_wh') or 0:.3g}",
        co2=f"{summary.get('co2_g') or 0:.3g}",
    )
