"""What every benchmark does with its figures: print them and write them, with the command."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path
from typing import Any

from prod2vec.outputs.atomic import write_json_atomic
from prod2vec.paths import benchmark_results_dir

RESULTS_DIR = benchmark_results_dir()


def command_line() -> str:
    """The command that ran this benchmark, to record next to its figures."""
    return "python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]])


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def report(result: dict[str, Any], output: Path) -> None:
    """Print ``result`` one figure a line and write it to ``output`` as JSON."""
    width = max(map(len, result))
    for key, value in result.items():
        print(f"{key:>{width}}: {value}")
    write_json_atomic(result, output)
    print(f"written to {output}")
