"""Where the project keeps its data cache and figures."""

from __future__ import annotations

import os
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parents[2]


def _in_checkout() -> bool:
    return (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "src" / "prod2vec").is_dir()


def data_dir() -> Path:
    """``$PROD2VEC_DATA_DIR`` if set; else the checkout's ``data/``; else ``~/.cache/prod2vec``."""
    if env := os.environ.get("PROD2VEC_DATA_DIR"):
        return Path(env).expanduser()
    return _CHECKOUT / "data" if _in_checkout() else Path.home() / ".cache" / "prod2vec"


def images_dir() -> Path:
    """The checkout's ``images/`` (figures the README and notebooks reuse), else ``./images``."""
    return _CHECKOUT / "images" if _in_checkout() else Path.cwd() / "images"
