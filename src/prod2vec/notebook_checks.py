"""Key figures a notebook records, so that its tests can check a rerun within stated tolerances.

The notebooks are tested by re-running them (``nbval``) and comparing every cell's outputs with
the committed ones. That comparison is exact, which is right for what is exact by construction
(counts, cleaning reports, count-based baselines, tables read from committed files) and wrong
for anything computed from floating-point training: Gensim's training calls BLAS, whose kernels
differ between CPUs and sum in different orders, so the trained vectors, and everything computed
from them, differ slightly from one CPU to another.

A cell whose visible output comes from training is therefore tagged ``nbval-ignore-output``
and calls :func:`record` for each key figure it shows. A record is an output of its own MIME
type, :data:`MIMETYPE`, which renderers (JupyterLab, GitHub, nbconvert) do not display. The
project's pytest plugin (``tests/notebook_plugin.py``) compares each rerun's records with the
committed ones by :func:`compare_records`, within the record's :class:`Tolerance`:

======================  ==========================================================
:data:`EXACT`           equal (counts, ids, anything exact by construction)
:data:`METRIC`          within 0.01 absolute (Recall@K, MRR@K: 10 of 1,000 pairs)
:data:`EPOCHS`          within 5 epochs (best epoch, epochs run: patience is 5)
:data:`LOSS`            within 1% relative (Gensim's training loss)
:data:`NEIGHBOURS`      at least 75% of a ranked list found again (nearest items)
:data:`SMALL_COUNT`     within 1 (a small count from training: clusters chosen, items shared)
======================  ==========================================================

Records are also read back from a committed notebook (:func:`notebook_records`,
:func:`recorded_results`): the README's results table is written from them.

Example, in a notebook cell tagged ``nbval-ignore-output``::

    record("best epoch", stopper.best_epoch, EPOCHS)
    record("neighbours of 85123A", list(neighbours), NEIGHBOURS)
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

#: MIME type of a record output; renderers that do not know it show nothing.
MIMETYPE = "application/vnd.prod2vec.record+json"

Kind = Literal["exact", "absolute", "relative", "overlap"]


@dataclass(frozen=True)
class Tolerance:
    """How far a rerun's value may be from the recorded one.

    ``kind`` is ``"exact"`` (equal), ``"absolute"`` (``|rerun - recorded| <= amount``),
    ``"relative"`` (``|rerun - recorded| <= amount * |recorded|``) or ``"overlap"`` (for
    ranked lists: at least ``amount`` of the recorded items appear in the rerun's list, which
    has the same length). ``"absolute"`` and ``"relative"`` also compare two lists of numbers
    of the same length, such as an interval, element by element.
    """

    kind: Kind = "exact"
    amount: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in ("exact", "absolute", "relative", "overlap"):
            raise ValueError(f"Unknown tolerance kind {self.kind!r}.")
        if self.amount < 0 or (self.kind == "overlap" and self.amount > 1):
            raise ValueError(f"Bad amount {self.amount} for a {self.kind!r} tolerance.")

    def accepts(self, recorded: Any, rerun: Any) -> bool:
        """Whether ``rerun`` is close enough to ``recorded``."""
        if self.kind == "exact":
            return recorded == rerun
        if self.kind == "overlap":
            if not _is_list(recorded) or not _is_list(rerun) or len(recorded) != len(rerun):
                return False
            if not recorded:
                return True
            return len(set(recorded) & set(rerun)) >= math.ceil(self.amount * len(recorded))
        if _is_list(recorded) and _is_list(rerun) and len(recorded) == len(rerun):
            return all(map(self._close, recorded, rerun))
        return self._close(recorded, rerun)

    def _close(self, recorded: Any, rerun: Any) -> bool:
        if not _is_number(recorded) or not _is_number(rerun):
            return False
        allowed = self.amount * (abs(recorded) if self.kind == "relative" else 1.0)
        return abs(rerun - recorded) <= allowed

    def describe(self) -> str:
        """The tolerance in words, for failure messages."""
        return {
            "exact": "exactly",
            "absolute": f"within {self.amount:g}",
            "relative": f"within {self.amount:.0%}",
            "overlap": f"with at least {self.amount:.0%} of the items in common",
        }[self.kind]

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "amount": self.amount}


EXACT = Tolerance("exact")
METRIC = Tolerance("absolute", 0.01)
EPOCHS = Tolerance("absolute", 5)
LOSS = Tolerance("relative", 0.01)
NEIGHBOURS = Tolerance("overlap", 0.75)
SMALL_COUNT = Tolerance("absolute", 1)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_list(value: Any) -> bool:
    return isinstance(value, list)


def _plain(value: Any) -> Any:
    """``value`` as plain JSON (numpy scalars and arrays, pandas Series become Python)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, np.ndarray | pd.Series | pd.Index | tuple):
        value = list(value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"Cannot record a non-finite number ({value}).")
        return value
    raise TypeError(
        f"Cannot record a {type(value).__name__}: record numbers, strings, or lists of them."
    )


def record_output(name: str, value: Any, tolerance: Tolerance = EXACT) -> dict[str, Any]:
    """The display data of one record (what :func:`record` displays).

    Beside the record, an empty ``text/plain``: front ends that do not know the record's type
    (JupyterLab, VS Code, GitHub) show that, nothing, instead of a notice.
    """
    if not isinstance(name, str) or not name:
        raise ValueError("A record needs a non-empty name.")
    record = {"name": name, "value": _plain(value), "tolerance": tolerance.to_json()}
    return {MIMETYPE: record, "text/plain": ""}


def record(name: str, value: Any, tolerance: Tolerance = EXACT) -> None:
    """Record a key figure of this cell for the notebook tests (invisible when rendered).

    Parameters
    ----------
    name : str
        What the figure is; unique within the cell.
    value : number, str, or list of them
        The figure as shown to the reader (numpy and pandas values are converted).
    tolerance : Tolerance
        How far a rerun on another machine may be from it: :data:`EXACT`, :data:`METRIC`,
        :data:`EPOCHS`, :data:`LOSS`, :data:`NEIGHBOURS` or your own.
    """
    from IPython.display import display  # only ever called inside a kernel

    display(record_output(name, value, tolerance), raw=True)


INTERVAL = "95% interval"


def record_results(results: pd.DataFrame, tolerance: Tolerance = METRIC) -> None:
    """Record every (model, metric) value of a tidy results table, and its interval.

    ``results`` is an ``evaluation.results_table``. Each row gives two records, ``"<metric>:
    <model>"`` (the value) and ``"<metric> 95% interval: <model>"`` (``[low, high]``);
    :func:`recorded_results` reads them back.
    """
    for row in results.itertuples(index=False):
        record(f"{row.metric}: {row.model}", row.value, tolerance)
        record(f"{row.metric} {INTERVAL}: {row.model}", [row.ci_low, row.ci_high], tolerance)


@dataclass(frozen=True)
class Record:
    """One recorded figure, read back from a cell's outputs."""

    name: str
    value: Any
    tolerance: Tolerance


def records_in(outputs: Iterable[Mapping[str, Any]]) -> list[Record]:
    """The records among a cell's outputs, in order."""
    found = []
    for output in outputs:
        payload = output.get("data", {}).get(MIMETYPE)
        if payload is not None:
            tolerance = Tolerance(**payload["tolerance"])
            found.append(Record(payload["name"], payload["value"], tolerance))
    return found


def notebook_records(notebook: str | Path) -> dict[str, Any]:
    """Every figure a committed notebook records, by name, in the order they were recorded.

    Parameters
    ----------
    notebook : str or Path
        An ``.ipynb`` file, executed (its outputs hold the records).

    Returns
    -------
    dict
        Record name to recorded value.

    Raises
    ------
    ValueError
        If two cells record the same name, which would make a name ambiguous.
    """
    cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    found: dict[str, Any] = {}
    for cell in cells:
        for item in records_in(cell.get("outputs", [])):
            if item.name in found:
                raise ValueError(f"{notebook}: {item.name!r} is recorded twice; rename one.")
            found[item.name] = item.value
    return found


def recorded_results(records: Mapping[str, Any]) -> pd.DataFrame:
    """The results table that :func:`record_results` recorded, read back from its records.

    Parameters
    ----------
    records : Mapping
        Record names to values, as :func:`notebook_records` returns them.

    Returns
    -------
    pandas.DataFrame
        Columns ``model``, ``metric``, ``value``, ``ci_low``, ``ci_high``, in recorded order;
        the form of ``evaluation.results_table``.
    """
    rows = []
    for name, interval in records.items():
        metric, interval_mark, model = name.partition(f" {INTERVAL}: ")
        if interval_mark:
            rows.append((model, metric, records[f"{metric}: {model}"], *interval))
    if not rows:
        raise ValueError("No results were recorded: the notebook never called record_results.")
    return pd.DataFrame(rows, columns=["model", "metric", "value", "ci_low", "ci_high"])


def compare_records(
    recorded: Sequence[Mapping[str, Any]], rerun: Sequence[Mapping[str, Any]]
) -> list[str]:
    """Problems found comparing a rerun cell's records with the recorded ones (empty: fine).

    The rerun's tolerance applies (it is the current code's); both sides must record the same
    names. Each problem names the figure, both values and the tolerance.
    """
    before = {item.name: item for item in records_in(recorded)}
    after = {item.name: item for item in records_in(rerun)}
    problems = [f"{name!r} is no longer recorded" for name in before if name not in after]
    problems += [f"{name!r} is new: re-run the notebook" for name in after if name not in before]
    for name, now in after.items():
        if name in before and not now.tolerance.accepts(before[name].value, now.value):
            problems.append(
                f"{name!r}: recorded {before[name].value!r}, rerun gave {now.value!r}; "
                f"they must agree {now.tolerance.describe()}"
            )
    return problems
