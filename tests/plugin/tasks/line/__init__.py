"""The tests' line-fitting task (see task.py)."""
