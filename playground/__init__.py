"""Deep Learning Playground's library: everything but the pages (no Streamlit outside ui/).

The folders are the architecture (ARCHITECTURE.md; pyproject.toml's import-linter contracts
check it): engine (what any task trains with), exchange (run folders, bundles), serving (jobs,
the queue, executors), tasks (one folder per kind of model), explain, concepts, playground2d,
cli, and ui (the only Streamlit code).
"""

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent  # this folder: what Ray's workers import
ROOT = PACKAGE.parent  # the app's folder (app.py, settings.toml, runs/, data/)
ASSETS = PACKAGE / "assets"  # what ships with the app: the MNIST sample, ready models
