"""What every benchmark does with its figures: print them and write them, with their provenance.

Each benchmark declares the files its figures depend on (``DEPENDS_ON``: itself, this file and
the package modules it measures or feeds its inputs through; a folder stands for every ``.py``
file git sees under it). :func:`report` writes, beside the figures, a ``provenance`` block: the
commit measured, the command, the machine, and the git blob hash of every dependency file as it
was on disk, so ``benchmarks/stale.py`` can tell later, from the files alone, whether any of them
changed since.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from prod2vec.outputs.atomic import write_json_atomic
from prod2vec.paths import benchmark_results_dir
from prod2vec.provenance import command_line as program_command_line

RESULTS_DIR = benchmark_results_dir()
#: the checkout these benchmarks belong to: dependency paths are relative to it
ROOT = Path(__file__).resolve().parents[1]


def command_line() -> str:
    """The command that ran this benchmark, to record next to its figures."""
    return program_command_line([Path(sys.argv[0]).as_posix(), *sys.argv[1:]], program="python")


def machine() -> str:
    """The processor architecture, its core count and Python's version, in one line."""
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def git(root: Path, *arguments: str) -> str:
    """The output of ``git arguments`` run in ``root``.

    Raises
    ------
    OSError
        If git cannot be run at all.
    subprocess.CalledProcessError
        If git fails, for example because ``root`` is not in a repository.
    """
    return subprocess.run(
        ["git", *arguments], cwd=root, capture_output=True, text=True, check=True
    ).stdout


def dependency_files(depends_on: Iterable[str], root: Path = ROOT) -> list[str]:
    """The files ``depends_on`` names, folders expanded, as sorted paths relative to ``root``.

    Parameters
    ----------
    depends_on : iterable of str
        Paths relative to ``root``: files, or folders standing for every ``.py`` file under them
        that git tracks or would track (untracked files not ignored).
    root : Path
        The repository's top folder.

    Returns
    -------
    list of str
        Every named file and every file found in a named folder, once each. A named path that is
        neither a file nor a folder stays in the list (its hash is then None: missing).
    """
    files, folders = set(), []
    for path in depends_on:
        if (root / path).is_dir():
            folders.append(path)
        else:
            files.add(Path(path).as_posix())
    if folders:
        listed = git(
            root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *folders
        )
        files.update(name for name in listed.split("\0") if name.endswith(".py"))
    return sorted(files)


def blob_hashes(files: Sequence[str], root: Path = ROOT) -> dict[str, str | None]:
    """The git blob hash of each file's content on disk (``git hash-object``); None if missing.

    Parameters
    ----------
    files : sequence of str
        Paths relative to ``root``.
    root : Path
        The repository's top folder.

    Returns
    -------
    dict
        Each path of ``files`` to its blob hash, or to None when there is no such file.
    """
    present = [path for path in files if (root / path).is_file()]
    hashes = git(root, "hash-object", "--", *present).split() if present else []
    return {path: None for path in files} | dict(zip(present, hashes, strict=True))


def provenance(depends_on: Sequence[str], root: Path = ROOT) -> dict[str, Any]:
    """What a result was measured on: commit, command, machine and its dependency files' hashes.

    Parameters
    ----------
    depends_on : sequence of str
        The benchmark's dependency files and folders, relative to ``root``.
    root : Path
        The repository's top folder.

    Returns
    -------
    dict
        ``commit`` (``git rev-parse HEAD``), ``dirty`` (the dependency files whose content
        differs from that commit's), ``command``, ``machine``, ``depends_on`` as declared and
        ``sources`` (each dependency file to its blob hash). Without git, ``git_unavailable``
        says why, in place of ``commit``, ``dirty`` and ``sources``.
    """
    recorded: dict[str, Any] = {
        "command": command_line(),
        "machine": machine(),
        "depends_on": list(depends_on),
    }
    try:
        commit = git(root, "rev-parse", "HEAD").strip()
        sources = blob_hashes(dependency_files(depends_on, root), root)
        committed = {}
        for entry in git(root, "ls-tree", "-r", "-z", commit, "--", *sources).split("\0"):
            if entry:
                details, path = entry.split("\t", 1)
                committed[path] = details.split()[2]
    except (OSError, subprocess.CalledProcessError) as error:
        reason = getattr(error, "stderr", None) or str(error)
        return {"git_unavailable": reason.strip(), **recorded}
    dirty = [path for path, blob in sources.items() if blob != committed.get(path)]
    return {"commit": commit, "dirty": dirty, **recorded, "sources": sources}


def report(result: dict[str, Any], output: Path, depends_on: Sequence[str]) -> None:
    """Print ``result`` one figure a line; write it, with its provenance, to ``output`` as JSON.

    Parameters
    ----------
    result : dict
        The benchmark's figures.
    output : Path
        The JSON file to write (atomically).
    depends_on : sequence of str
        The benchmark's dependency files and folders, relative to the repository's top folder:
        recorded with their hashes under ``provenance`` (see :func:`provenance`).
    """
    width = max(map(len, result))
    for key, value in result.items():
        print(f"{key:>{width}}: {value}")
    write_json_atomic({**result, "provenance": provenance(depends_on)}, output)
    print(f"written to {output}")
