"""Where the project's folders are: one resolver, from the working tree, overridable.

The *project folder* is ``$PROD2VEC_PROJECT_DIR`` if set, else the nearest folder at or above
the working directory whose ``pyproject.toml`` names the ``prod2vec`` project (so a notebook
running in ``notebooks/`` finds its checkout), else the working directory itself. Everything
the notebooks and commands read or write is placed relative to it, never relative to where
the package happens to be installed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_PROJECT_NAME = re.compile(r'^name\s*=\s*"prod2vec"\s*$', re.MULTILINE)


def project_dir() -> Path:
    """The project folder (see the module docstring)."""
    return _found_project_dir() or Path.cwd().resolve()


def _found_project_dir() -> Path | None:
    if env := os.environ.get("PROD2VEC_PROJECT_DIR"):
        return Path(env).expanduser().resolve()
    working = Path.cwd().resolve()
    return next(
        (folder for folder in (working, *working.parents) if _is_prod2vec_project(folder)), None
    )


def _is_prod2vec_project(folder: Path) -> bool:
    manifest = folder / "pyproject.toml"
    try:
        return bool(_PROJECT_NAME.search(manifest.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError):
        return False


def data_dir() -> Path:
    """The dataset cache: ``$PROD2VEC_DATA_DIR`` if set, else the project's ``data/``.

    Outside any project (the package installed and used elsewhere) the cache is shared in
    ``~/.cache/prod2vec`` rather than written into whatever folder is current.
    """
    if env := os.environ.get("PROD2VEC_DATA_DIR"):
        return Path(env).expanduser()
    found = _found_project_dir()
    return found / "data" if found else Path.home() / ".cache" / "prod2vec"


def images_dir() -> Path:
    """Figures the notebooks save for the README: ``$PROD2VEC_IMAGES_DIR``, else ``images/``.

    ``make test`` points it at a temporary folder: re-running the notebooks as tests never
    rewrites the committed figures.
    """
    if env := os.environ.get("PROD2VEC_IMAGES_DIR"):
        return Path(env).expanduser()
    return project_dir() / "images"


def models_dir() -> Path:
    """Trained vectors written by notebooks and commands (gitignored): ``models/``."""
    return project_dir() / "models"


def hpo_dir() -> Path:
    """Committed hyperparameter-sweep results: ``data/hpo/`` in the project folder.

    Unlike the dataset cache, these are the project's own results, made by the commands they
    record, so they live in the project even when ``$PROD2VEC_DATA_DIR`` moves the cache.
    """
    return project_dir() / "data" / "hpo"


def benchmark_results_dir() -> Path:
    """Figures written by the scripts under ``benchmarks/``: ``benchmarks/results/``."""
    return project_dir() / "benchmarks" / "results"
