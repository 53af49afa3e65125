"""Writing files safely: through a temporary file beside the target and an atomic rename.

A crash, an exception or Ctrl-C in the middle of a write never leaves a half-written file
under the final name, so a cache or result that exists is always complete.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from prod2vec.errors import ProjectFileError


def _new_sibling(path: Path, suffix: str, folder: bool) -> Path:
    """A new empty file or folder beside ``path``, with the permissions the umask gives.

    Not ``tempfile``'s: its files and folders are private to their owner, and they keep that
    mode once renamed, which a README or a cache shared with a team must not.
    """
    while True:
        candidate = path.parent / f".{path.name}.{secrets.token_hex(6)}{suffix}"
        try:
            if folder:
                os.mkdir(candidate, 0o777)
            else:
                os.close(os.open(candidate, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
        except FileExistsError:
            continue
        return candidate


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = _new_sibling(path, ".tmp", folder=False)
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_parquet_atomic(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` to ``path`` as parquet, atomically."""
    path = Path(path)
    with atomic_path(path) as temporary:
        frame.to_parquet(temporary, index=False)
    return path


def write_csv_atomic(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` to ``path`` as CSV (no index), atomically."""
    path = Path(path)
    with atomic_path(path) as temporary:
        frame.to_csv(temporary, index=False)
    return path


def write_json_atomic(content: Any, path: str | Path) -> Path:
    """Write ``content`` to ``path`` as indented JSON, atomically."""
    path = Path(path)
    text = json.dumps(content, indent=2) + "\n"  # serialise first: a bad value writes nothing
    with atomic_path(path) as temporary:
        temporary.write_text(text)
    return path


@contextmanager
def atomic_folder(path: str | Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``path``; it becomes ``path`` if the block succeeds.

    On any failure the temporary folder is removed, so ``path`` is either complete or untouched.
    An existing ``path`` is refused unless ``overwrite``; then it is replaced only at the end.
    """
    path = Path(path)
    check_can_write_folder(path, overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = _new_sibling(path, ".tmp", folder=True)
    try:
        yield temporary
        if path.exists():
            check_can_write_folder(path, overwrite)
            previous = _new_sibling(path, ".old", folder=True)
            os.replace(path, previous / path.name)
            os.replace(temporary, path)
            shutil.rmtree(previous, ignore_errors=True)
        else:
            os.replace(temporary, path)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def check_can_write_folder(
    path: str | Path,
    overwrite: bool,
    *,
    what: str = "output folder",
    fix: str = "Choose another output folder.",
) -> None:
    """Make sure files can be written into the folder ``path``, before any work is done.

    An existing folder is refused unless ``overwrite``; a file is always refused. Whether the
    system lets files be created is tried in ``path`` if it exists, else in its parent (created
    if needed): ``path`` itself is left for :func:`atomic_folder` to create.

    Parameters
    ----------
    path : str or Path
        The folder.
    overwrite : bool
        Whether an existing folder may be written into (or replaced).
    what, fix : str
        What the folder is, and how to choose another, for the error message.

    Raises
    ------
    ProjectFileError
        Naming the folder, the problem (what the system said) and ``fix``.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ProjectFileError(f"Cannot write to the {what} {path}: it is a file. {fix}")
    if path.exists() and not overwrite:
        raise ProjectFileError(
            f"The {what} {path} already exists: choose another, or allow replacing it "
            "(--overwrite)."
        )
    probed = path if path.exists() else path.parent
    try:
        probed.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=probed):
            pass
    except OSError as error:
        raise ProjectFileError(
            f"Cannot write to the {what} {path} ({error.strerror or error}). {fix}"
        ) from error
