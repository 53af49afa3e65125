"""Ctrl-C as a user gives it: SIGINT to a real `python -m prod2vec` process, mid-stage."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def sigint_as_in_a_terminal() -> None:
    """Let SIGINT interrupt, even where the tests run with it ignored (a background job)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt_pipeline(arguments: list[str], when: str, pause: float, folder: Path) -> str:
    """Run ``python -m prod2vec pipeline arguments`` in ``folder``; send SIGINT ``pause`` seconds
    after ``when`` first appears on its stderr; return the stderr once it exited with 130."""
    log = folder / "stderr.txt"
    command = [sys.executable, "-m", "prod2vec", "pipeline", *arguments]
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    with log.open("w") as stderr:
        process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env=environment,
            cwd=folder,
            preexec_fn=sigint_as_in_a_terminal,
        )
        deadline = time.monotonic() + 120
        while when not in log.read_text():
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        time.sleep(pause)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 130
    return log.read_text()
