"""Optional extras: stage subpackages check that their heavy dependencies are installed."""

from __future__ import annotations

import importlib


def require(extra: str, *modules: str) -> None:
    """Import ``modules``, or raise an ImportError saying which extra installs them.

    Parameters
    ----------
    extra : str
        The name of the extra in ``pyproject.toml`` (``tune``, ``explore``).
    *modules : str
        Modules the stage needs.
    """
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as error:
            raise ImportError(
                f"prod2vec.{extra} needs {module!r}, which is not installed: "
                f"pip install 'prod2vec[{extra}]' (make setup installs every extra)."
            ) from error
