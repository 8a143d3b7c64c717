"""The engine: what every task trains with, and nothing of any task.

The Task interface and the registry of task folders (task), user choices as records and their
sentences (records), a settings table that makes a settings dataclass, its form and CLI flags
(settings_table), optimizers, learning-rate schedules, step and epoch records in a bounded log
(metrics), the controls a running job obeys, weight history, devices and the GPU fast path,
memory counted on the meta device, the server's limits (settings) and owners.

May import: torch and the standard library only; nothing else of playground (a task folder is
found by name, never imported).
"""
