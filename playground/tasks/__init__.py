"""One folder per kind of model (a task, engine/task.py): image classification (image), and
whatever comes next. A task folder's `task.py` registers its Task; its `commands.py`, if any,
adds commands to the CLI. Nothing outside a task's folder names what is inside it, except the
pages and ui pieces of that task.

May import: serving, exchange, engine (a task never imports another task).
"""
