"""The reference protocol every notebook and benchmark evaluates on, defined once.

The original tutorial's setting: the Online Retail table cleaned with the ``reference`` recipe,
one session per customer, each session's last item held out, and (second-to-last, last) pairs
of 1,000 test and 1,000 validation sessions drawn with seed 123.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from prod2vec.data.sessions import SessionSplit, sessionize, split_sessions
from prod2vec.online_retail import clean_transactions, load_online_retail, to_interactions

RECIPE = "reference"
SPLIT_SEED = 123
N_TEST = 1000
N_VALIDATION = 1000


@dataclass(frozen=True)
class PreparedData:
    """The cleaned Online Retail rows (descriptions come from them) and the split."""

    transactions: pd.DataFrame
    split: SessionSplit


def prepare_sessions(
    recipe: str = RECIPE,
    seed: int = SPLIT_SEED,
    n_test: int = N_TEST,
    n_validation: int = N_VALIDATION,
    raw: pd.DataFrame | None = None,
) -> PreparedData:
    """Load (or take) the raw Online Retail table, clean it with ``recipe``, sessionize, split.

    Parameters
    ----------
    recipe : str
        A cleaning recipe of :mod:`prod2vec.online_retail.cleaning`.
    seed, n_test, n_validation : int
        The split's seed and sizes (:func:`prod2vec.data.sessions.split_sessions`).
    raw : pandas.DataFrame, optional
        The raw table; loaded with :func:`prod2vec.online_retail.load_online_retail` if None.
    """
    transactions, sessions = clean_sessions(recipe, raw)
    split = split_sessions(sessions, n_test=n_test, n_validation=n_validation, seed=seed)
    return PreparedData(transactions, split)


def clean_sessions(
    recipe: str = RECIPE, raw: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.Series]:
    """The cleaned Online Retail rows and their sessions, one per customer, before any split.

    Splitting them with :func:`prod2vec.data.sessions.split_sessions` gives what
    :func:`prepare_sessions` gives; several split seeds need cleaning and sessionizing once.

    Parameters
    ----------
    recipe : str
        A cleaning recipe of :mod:`prod2vec.online_retail.cleaning`.
    raw : pandas.DataFrame, optional
        The raw table; loaded with :func:`prod2vec.online_retail.load_online_retail` if None.

    Returns
    -------
    tuple of (pandas.DataFrame, pandas.Series)
        The cleaned rows, and the sessions (:func:`prod2vec.data.sessions.sessionize`).
    """
    raw = load_online_retail() if raw is None else raw
    transactions, _ = clean_transactions(raw, recipe)
    return transactions, sessionize(to_interactions(transactions))
