"""Which benchmark results still describe the code: fresh, stale, or without provenance.

Every result written by ``benchmarks/common.py`` records the git blob hash of each file it
depends on. A result is *fresh* when those files are all as they were when it was measured,
*stale* when any changed, went missing or appeared (a new file in a declared folder), and has
*no provenance* when it was written before results recorded their sources (or without git).

    python benchmarks/stale.py            # a listing: always exits 0
    python benchmarks/stale.py --strict   # exits 1 unless every result is fresh

Only the files on disk are compared, not the history, so a result measured with uncommitted
changes is fresh as long as the files still hold what was measured.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from common import RESULTS_DIR, ROOT, blob_hashes, dependency_files


def changes(provenance: dict[str, Any], root: Path = ROOT) -> dict[str, list[str]]:
    """The dependency files that differ from what a result's ``provenance`` recorded.

    Parameters
    ----------
    provenance : dict
        A result's ``provenance`` block, with ``depends_on`` and ``sources``.
    root : Path
        The repository's top folder, which the recorded paths are relative to.

    Returns
    -------
    dict
        ``changed`` (another content now), ``missing`` (recorded, or declared, and not on disk)
        and ``new`` (on disk under a declared folder and not recorded), each a sorted list of
        paths; all empty when the result is fresh.
    """
    recorded = provenance["sources"]
    current = blob_hashes(dependency_files(provenance["depends_on"], root), root)
    return {
        "changed": sorted(
            path
            for path, blob in current.items()
            if blob is not None and recorded.get(path) not in (None, blob)
        ),
        "missing": sorted(
            {path for path, blob in current.items() if blob is None}
            | (recorded.keys() - current.keys())
        ),
        "new": sorted(
            path for path, blob in current.items() if blob is not None and not recorded.get(path)
        ),
    }


def classify(result_file: Path, root: Path = ROOT) -> tuple[str, str]:
    """Whether the result in ``result_file`` is fresh, stale or without provenance, and why.

    Parameters
    ----------
    result_file : Path
        A benchmark's JSON result.
    root : Path
        The repository's top folder, which its recorded paths are relative to.

    Returns
    -------
    tuple of str
        The status (``"fresh"``, ``"stale"``, ``"no provenance"`` or ``"unreadable"``) and a
        detail: the commit measured, the files that changed, or what is missing.
    """
    try:
        result = json.loads(result_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return "unreadable", str(error)
    recorded = result.get("provenance") if isinstance(result, dict) else None
    if recorded is None:
        return "no provenance", "written before results recorded their sources"
    if "sources" not in recorded:
        return "no provenance", f"git was unavailable: {recorded.get('git_unavailable')}"
    found = changes(recorded, root)
    if any(found.values()):
        return "stale", "; ".join(
            f"{kind}: {', '.join(paths)}" for kind, paths in found.items() if paths
        )
    detail = f"measured at {recorded['commit'][:12]}"
    if recorded["dirty"]:
        detail += f" with uncommitted changes in {', '.join(recorded['dirty'])}"
    return "fresh", detail


def main(argv: Sequence[str] | None = None) -> int:
    """List every result's status; return 0, or with ``--strict`` 1 unless all are fresh.

    Parameters
    ----------
    argv : sequence of str, optional
        The command-line arguments (default: this process's).

    Returns
    -------
    int
        The exit code.
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=RESULTS_DIR, help="the results folder")
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository's top folder")
    parser.add_argument("--strict", action="store_true", help="exit 1 unless all are fresh")
    args = parser.parse_args(argv)

    results = sorted(args.results.glob("*.json"))
    if not results:
        print(f"no results in {args.results}")
    statuses = []
    for result_file in results:
        try:
            status, detail = classify(result_file, args.root)
        except (OSError, subprocess.CalledProcessError) as error:
            print(f"cannot compare the files without git: {error}")
            return int(args.strict)
        statuses.append(status)
        print(f"{result_file.name}: {status} ({detail})")
    return int(args.strict and any(status != "fresh" for status in statuses))


if __name__ == "__main__":
    sys.exit(main())
