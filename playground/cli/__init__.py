"""The command line, `python -m playground`: train any task, export and import runs; each task's
own commands come from its folder (tasks/<name>/commands.py).

May import: tasks, serving, exchange, engine.
"""
