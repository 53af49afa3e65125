"""Writing files safely: through a temporary file beside the target and an atomic rename.

A crash, an exception or Ctrl-C in the middle of a write never leaves a half-written file
under the final name, so a cache or result that exists is always complete. A temporary folder
that a killed process (``kill -9``, a power cut) could not remove records who made it, and the
next :func:`atomic_folder` beside it removes it once that process is gone.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from prod2vec.errors import ProjectFileError

#: the file inside each temporary folder of :func:`atomic_folder` naming the process that
#: made it (``{"pid": ..., "host": ...}``), so a later run can tell a folder left by a killed
#: process from one still being written
TEMPORARY_MARKER = ".prod2vec-temporary.json"
_FOLDER_SUFFIXES = (".tmp", ".old")


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


def _new_temporary_folder(path: Path, suffix: str) -> Path:
    """A new folder beside ``path`` holding the marker that names this process."""
    folder = _new_sibling(path, suffix, folder=True)
    owner = {"pid": os.getpid(), "host": socket.gethostname()}
    try:
        (folder / TEMPORARY_MARKER).write_text(json.dumps(owner) + "\n")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def _temporary_name(path: Path) -> re.Pattern[str]:
    """How :func:`atomic_folder` names its temporary folders beside ``path``."""
    suffixes = "|".join(re.escape(suffix) for suffix in _FOLDER_SUFFIXES)
    return re.compile(rf"\.{re.escape(path.name)}\.[0-9a-f]{{12}}({suffixes})")


def _process_is_alive(pid: int) -> bool:
    if os.name != "posix":  # os.kill would end the process there: assume it is alive
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _left_by_a_dead_process(folder: Path) -> bool:
    """Whether ``folder``'s marker names a process of this machine that no longer runs."""
    try:
        owner = json.loads((folder / TEMPORARY_MARKER).read_text())
        pid, host = owner["pid"], owner["host"]
    except (OSError, ValueError, TypeError, KeyError):
        return False
    if host != socket.gethostname() or type(pid) is not int or pid <= 0:
        return False
    return not _process_is_alive(pid)


def remove_stale_temporaries(path: str | Path) -> list[Path]:
    """Remove the temporary folders that killed runs of :func:`atomic_folder` left beside ``path``.

    Only folders named as :func:`atomic_folder` names them, holding its marker, made on this
    machine by a process that is no longer alive. A folder holding a previous ``path`` is kept
    while ``path`` is missing: the run was killed between two renames, and it may be all that
    is left.

    Parameters
    ----------
    path : str or Path
        The folder :func:`atomic_folder` writes.

    Returns
    -------
    list of Path
        The folders removed.
    """
    path = Path(path)
    if not path.parent.is_dir():
        return []
    pattern = _temporary_name(path)
    removed = []
    for candidate in path.parent.iterdir():
        match = pattern.fullmatch(candidate.name)
        if match is None or candidate.is_symlink() or not candidate.is_dir():
            continue
        if match.group(1) == ".old" and not path.exists():
            continue
        if _left_by_a_dead_process(candidate):
            shutil.rmtree(candidate, ignore_errors=True)
            removed.append(candidate)
    return removed


@contextmanager
def _interrupts_held_back() -> Iterator[None]:
    """Deliver Ctrl-C (SIGINT) only after the block, so it never cuts a pair of renames in half."""
    if threading.current_thread() is not threading.main_thread() or not callable(
        signal.getsignal(signal.SIGINT)
    ):
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            signal.raise_signal(signal.SIGINT)


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
def atomic_folder(
    path: str | Path, overwrite: bool = False, marker: str | None = None
) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``path``; it becomes ``path`` if the block succeeds.

    On any failure, Ctrl-C included, the temporary folder is removed, so ``path`` is either
    complete or untouched; temporary folders that killed runs left beside ``path`` are removed
    first (:func:`remove_stale_temporaries`). An existing ``path`` is refused unless
    ``overwrite``; then it is replaced only at the end.

    Parameters
    ----------
    path : str or Path
        The folder to write.
    overwrite : bool
        Whether an existing ``path`` may be replaced.
    marker : str, optional
        The name of a file only this kind of folder holds: an existing ``path`` without it is
        never replaced (it is not one this code wrote).

    Raises
    ------
    ProjectFileError
        ``path`` may not or cannot be written, or writing failed; the message names ``path``
        and the file under it, never the temporary folder.
    """
    path = Path(path)
    check_can_write_folder(path, overwrite, replace=True)
    _check_replaceable(path, marker)
    remove_stale_temporaries(path)
    temporary = None
    try:
        temporary = _new_temporary_folder(path, ".tmp")
        yield temporary
        (temporary / TEMPORARY_MARKER).unlink()
        with _interrupts_held_back():
            if path.exists():
                check_can_write_folder(path, overwrite, replace=True)
                _check_replaceable(path, marker)
                previous = _new_temporary_folder(path, ".old")
                os.replace(path, previous / path.name)
                try:
                    os.replace(temporary, path)
                except OSError:
                    os.replace(previous / path.name, path)
                    raise
            else:
                previous = None
                os.replace(temporary, path)
        if previous is not None:
            shutil.rmtree(previous, ignore_errors=True)
    except OSError as error:
        raise ProjectFileError(
            f"Could not write {_as_named_by_the_user(error, temporary, path)} "
            f"({error.strerror or error}): nothing was written to {path}. Free some space or "
            "choose another folder, then run again."
        ) from error
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)


def _check_replaceable(path: Path, marker: str | None) -> None:
    if marker is not None and path.is_dir() and not (path / marker).is_file():
        raise ProjectFileError(
            f"{path} was not written by prod2vec (it holds no {marker}), so it is never "
            "replaced: choose another folder, or remove it yourself."
        )


def _as_named_by_the_user(error: OSError, temporary: Path | None, path: Path) -> Path:
    """The file an error is about, under ``path`` rather than the temporary folder."""
    if error.filename is None or temporary is None:
        return path
    failed = Path(os.fsdecode(error.filename))
    return path / failed.relative_to(temporary) if failed.is_relative_to(temporary) else path


def check_can_write_folder(
    path: str | Path,
    overwrite: bool,
    *,
    what: str = "output folder",
    fix: str = "Choose another output folder.",
    replace: bool = False,
) -> None:
    """Make sure files can be written into the folder ``path``, before any work is done.

    An existing folder is refused unless ``overwrite``; a file is always refused. Whether the
    system lets files be created is tried by creating and removing a temporary file in ``path``
    if it exists, else in its parent (created if needed): ``path`` itself is left for
    :func:`atomic_folder` to create.

    Parameters
    ----------
    path : str or Path
        The folder.
    overwrite : bool
        Whether an existing folder may be written into (or replaced).
    what, fix : str
        What the folder is, and how to choose another, for the error message.
    replace : bool
        The folder is written whole, beside itself (:func:`atomic_folder`), rather than into:
        its parent is tried as well.

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
    tried = [path] if path.exists() else []
    if replace or not path.exists():
        tried.append(path.parent)
    for folder in tried:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as error:
            raise ProjectFileError(
                f"Cannot write to the {what} {path} ({error.strerror or error}). {fix}"
            ) from error
