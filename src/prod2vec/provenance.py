"""What made a result: the command that ran, and the versions it ran with."""

from __future__ import annotations

import platform
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

#: the packages a result depends on, recorded when installed
PACKAGES = ("gensim", "numpy", "scipy", "pandas", "ray", "optuna", "prod2vec")


def command_line(argv: Sequence[str] | None = None, program: str = "python -m prod2vec") -> str:
    """The command that ran, to record beside what it wrote (default: this process's)."""
    return " ".join([program, *(sys.argv[1:] if argv is None else argv)])


def software_versions(packages: Sequence[str] = PACKAGES) -> dict[str, str]:
    """Python's version and every installed one of ``packages`` (missing ones are left out)."""
    versions = {"python": platform.python_version()}
    for package in packages:
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            continue
    return versions
