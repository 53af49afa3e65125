"""A workaround for the spurious error reports Gensim 4.4 prints to stderr while training.

Gensim 4.4's Cython BLAS wrappers (``our_dot_float``/``our_dot_double``) print a report when a
dot product is exactly -1.0: Cython takes -1 for its error sentinel, finds no exception, and
reports one anyway, in three writes to ``sys.stderr`` (not through ``sys.unraisablehook``). The
value is used unharmed. It shows on CPUs whose OpenBLAS ``sdot`` returns a float (Gensim's
``FAST_VERSION`` 1, for example with ``OPENBLAS_CORETYPE=Prescott``).
:func:`without_spurious_gensim_reports` drops exactly these lines and passes everything else on.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

#: the line of a spurious report (Gensim writes it in three pieces)
SPURIOUS_GENSIM_REPORT = re.compile(
    r"Exception ignored in: 'gensim\.models\.word2vec_inner\.our_dot_\w+'"
)
_REPORT_PREFIX = "Exception ignored in: "


class _StderrWithoutSpuriousReports:
    """Forwards writes to ``target``, dropping whole lines that are a spurious Gensim report.

    A line that may still become such a report (it begins like one) is held until it ends;
    everything else is forwarded at once.
    """

    def __init__(self, target: TextIO) -> None:
        self._target = target
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        while self._pending:
            line, newline, rest = self._pending.partition("\n")
            if not newline:
                if not (_REPORT_PREFIX.startswith(line) or line.startswith(_REPORT_PREFIX)):
                    self._target.write(line)
                    self._pending = ""
                break
            if not SPURIOUS_GENSIM_REPORT.fullmatch(line):
                self._target.write(line + newline)
            self._pending = rest
        return len(text)

    def release(self) -> None:
        """Forward whatever unfinished line is held."""
        if self._pending:
            self._target.write(self._pending)
            self._pending = ""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)


@contextmanager
def without_spurious_gensim_reports() -> Iterator[None]:
    """Filter :data:`SPURIOUS_GENSIM_REPORT` lines out of ``sys.stderr`` inside the block.

    ``sys.stderr`` is put back on leaving unless someone else replaced it meanwhile, and any
    unfinished line held back is written out.
    """
    original = sys.stderr
    filtered = _StderrWithoutSpuriousReports(original)
    sys.stderr = filtered
    try:
        yield
    finally:
        if sys.stderr is filtered:
            sys.stderr = original
        filtered.release()
