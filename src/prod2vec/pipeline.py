"""From the raw table to a split, in one call: what every notebook and command starts from."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from prod2vec.cleaning import CleaningReport, clean_transactions
from prod2vec.data import load_online_retail
from prod2vec.sessions import SessionSplit, sessionize, split_sessions


@dataclass(frozen=True)
class PreparedData:
    """The cleaned table, its cleaning report, the sessions and the split."""

    transactions: pd.DataFrame
    report: CleaningReport
    sessions: pd.Series
    split: SessionSplit


def prepare_sessions(
    recipe: str = "reference",
    seed: int = 123,
    n_test: int = 1000,
    n_validation: int = 1000,
    raw: pd.DataFrame | None = None,
) -> PreparedData:
    """Load (or take) the raw table, clean it with ``recipe``, sessionize and split it."""
    raw = load_online_retail() if raw is None else raw
    transactions, report = clean_transactions(raw, recipe)
    sessions = sessionize(transactions)
    split = split_sessions(sessions, n_test=n_test, n_validation=n_validation, seed=seed)
    return PreparedData(transactions, report, sessions, split)
