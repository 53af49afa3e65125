"""Turn transactions into sessions, and sessions into a next-item train/validation/test split.

A *session* here is one customer's whole purchase history: their StockCodes in time order
(rows of one invoice share a timestamp and keep their order in the file). Sessions play the
role of sentences and items the role of words when Word2Vec learns product embeddings.

The split follows the original tutorial's protocol for next-event prediction: every session
minus its last item is training data; from randomly chosen sessions, the pair (second-to-last
item, last item) is a query with the one target a model should recommend.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from prod2vec.data import validate_transactions

Session = list[str]


def sessionize(frame: pd.DataFrame) -> pd.Series:
    """One session per customer: a Series of StockCode lists indexed by CustomerID (ascending).

    Rows are ordered by InvoiceDate with a stable sort, so rows of the same invoice keep their
    order in the file.
    """
    validate_transactions(frame)
    if frame.empty:
        raise ValueError("The transaction table is empty; there are no sessions to build.")
    if frame["CustomerID"].isna().any():
        raise ValueError(
            f"{int(frame['CustomerID'].isna().sum())} rows have no CustomerID, so they belong to "
            "no session. Clean the table first: prod2vec.cleaning.clean_transactions()."
        )
    ordered = frame.sort_values("InvoiceDate", kind="stable")
    ordered = ordered.sort_values("CustomerID", kind="stable")
    sessions = ordered.groupby("CustomerID", sort=True)["StockCode"].agg(list)
    sessions.index = sessions.index.astype("int64")
    return sessions.rename("items")


def corpus_stats(sessions: Sequence[Sequence[str]]) -> dict[str, int]:
    """Number of sessions, distinct items and tokens (item occurrences)."""
    tokens = [item for session in sessions for item in session]
    return {"sessions": len(sessions), "items": len(set(tokens)), "tokens": len(tokens)}


@dataclass(frozen=True)
class SessionSplit:
    """Training sessions and held-out (query, target) pairs for next-item prediction.

    ``test`` and ``validation`` are frames with columns ``customer_id``, ``query`` (the
    second-to-last item of the session) and ``target`` (its last item). The two sets come
    from disjoint sessions.
    """

    train: list[Session]
    test: pd.DataFrame
    validation: pd.DataFrame
    seed: int


def split_sessions(
    sessions: pd.Series,
    n_test: int = 1000,
    n_validation: int = 1000,
    seed: int = 123,
) -> SessionSplit:
    """Hold out the last item of every session; sample test and validation pairs.

    Every session without its last item is training data (so the query of each held-out pair
    is the last training item of its session, as in the original protocol). ``n_test +
    n_validation`` distinct sessions are drawn without replacement with
    ``numpy.random.default_rng(seed)``: the first ``n_test`` give the test pairs, the others
    the validation pairs. The same seed always gives the same split.
    """
    if not isinstance(sessions, pd.Series):
        raise TypeError("sessions must be the pandas Series returned by sessionize().")
    if n_test < 1 or n_validation < 0:
        raise ValueError(f"Need n_test >= 1 and n_validation >= 0, got {n_test}, {n_validation}.")
    lengths = sessions.map(len).to_numpy()
    if (lengths < 2).any():
        short = sessions.index[lengths < 2].tolist()
        raise ValueError(
            f"{len(short)} sessions have fewer than 2 items (customers {short[:5]}...): they "
            "give no (query, target) pair. Keep customers with at least 3 rows "
            "(clean_transactions does) or drop the short sessions first."
        )
    wanted = n_test + n_validation
    if wanted > len(sessions):
        raise ValueError(
            f"Cannot draw {n_test} test + {n_validation} validation pairs from "
            f"{len(sessions)} sessions; ask for at most {len(sessions)} in total."
        )
    chosen = np.random.default_rng(seed).choice(len(sessions), size=wanted, replace=False)
    held_out = sessions.iloc[chosen]
    pairs = pd.DataFrame(
        {
            "customer_id": held_out.index.to_numpy(),
            "query": [session[-2] for session in held_out],
            "target": [session[-1] for session in held_out],
        }
    )
    return SessionSplit(
        train=[list(session[:-1]) for session in sessions],
        test=pairs.iloc[:n_test].reset_index(drop=True),
        validation=pairs.iloc[n_test:].reset_index(drop=True),
        seed=seed,
    )
