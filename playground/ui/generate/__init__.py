"""The Generate page: models that make digits (playground/tasks/generate)."""
