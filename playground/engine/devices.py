"""Where a job trains and how fast: the device (cuda > mps > cpu), its name in words, copies
of weights that pages can use while training goes on, and the GPU fast path (bf16 autocast and
fewer host synchronisations) that a task's loop may take."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch
from torch import nn

from playground.engine.i18n import Text
from playground.engine.records import SpecError


def pick_device(name: str = "auto") -> torch.device:
    """cuda > mps > cpu for 'auto'; a named device must exist, or SpecError says so."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise SpecError(
            Text(
                "Device {name} was chosen, but this machine has no CUDA GPU: choose auto or cpu.",
                name=name,
            )
        )
    if name.startswith("cuda:") and int(name[5:]) >= torch.cuda.device_count():
        raise SpecError(
            Text(
                "Device {name} was chosen, but this machine has {device_count} GPU(s).",
                name=name,
                device_count=torch.cuda.device_count(),
            )
        )
    if name == "mps" and not torch.backends.mps.is_available():
        raise SpecError(Text("Device mps was chosen, but Apple's Metal is not available here."))
    return torch.device(name)


def device_name(device: torch.device) -> str:
    """The device in a user's words: 'cuda (NVIDIA H200)', 'cpu (2 threads)' or 'mps'."""
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":  # English where it is stored, the reader's words where it is shown
        return Text("cpu ({n} threads)", n=torch.get_num_threads())
    return device.type


def gpu_memory() -> int | None:
    """Bytes of memory on the GPU that 'auto' trains on, or None without CUDA."""
    if not torch.cuda.is_available():
        return None
    return torch.cuda.get_device_properties(0).total_memory


def devices() -> list[str]:
    """Device choices on this machine: auto, cpu, then each GPU there is."""
    found = ["auto", "cpu"]
    if torch.cuda.is_available():
        found += ["cuda"] + [f"cuda:{i}" for i in range(1, torch.cuda.device_count())]
    if torch.backends.mps.is_available():
        found.append("mps")
    return found


def weights_copy(model: nn.Module) -> dict[str, torch.Tensor]:
    """A CPU copy of the model's state, safe to use while training goes on."""
    return {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}


READ_EVERY_GPU = 8  # steps between host synchronisations for the metrics on a GPU


@dataclass(frozen=True)
class FastPath:
    """What a job does to go fast where it can: bf16 autocast and reading the loss and
    accuracy back every few steps (the same records, a little later). Off on the CPU and on
    Apple's GPUs (no gain, or no bf16 autocast there); on a CUDA GPU by default, bf16 only
    where the GPU has it."""

    autocast: torch.dtype | None = None
    read_every: int = 1

    @classmethod
    def for_device(cls, device: torch.device, bf16: bool | None = None) -> FastPath:
        if device.type != "cuda":
            return cls()
        if bf16 is None:
            bf16 = torch.cuda.is_bf16_supported()
        return cls(torch.bfloat16 if bf16 else None, READ_EVERY_GPU)

    def autocast_context(self, device: torch.device):
        if self.autocast is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=device.type, dtype=self.autocast)
