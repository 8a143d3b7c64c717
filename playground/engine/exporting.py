"""What every task's ONNX export shares: torch.export is not thread-safe, so one export runs at a
time in a process, whichever task's model it is (two locks, one a task, let two run at once)."""

from __future__ import annotations

import threading

ONE_AT_A_TIME = threading.Lock()
