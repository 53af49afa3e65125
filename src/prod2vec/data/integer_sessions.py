"""Sessions as integer arrays over a popularity-ordered catalogue, for the count-based models.

The catalogue is sorted by training frequency, most frequent first, then by item id: the order
in which :class:`prod2vec.models.recommender.Recommender` breaks ties.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from prod2vec.data.sessions import check_sessions, flat_items


@dataclass(frozen=True)
class EncodedSessions:
    """Sessions as flat integer arrays over a popularity-ordered catalogue."""

    items: np.ndarray  # (n_items,) item ids, most frequent first, ties by id
    counts: np.ndarray  # (n_items,) training frequency of each item
    tokens: np.ndarray  # (n_tokens,) catalogue index of every item occurrence, session by session
    session_of_token: np.ndarray  # (n_tokens,) session number of every occurrence

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def n_sessions(self) -> int:
        return int(self.session_of_token[-1]) + 1 if len(self.session_of_token) else 0


def encode_sessions(sessions: Sequence[Sequence[str]]) -> EncodedSessions:
    """Flatten sessions into catalogue indices; the catalogue is sorted by (-count, item id)."""
    check_sessions(sessions)
    lengths = np.fromiter((len(session) for session in sessions), dtype=np.int64)
    flat = flat_items(sessions)
    first_seen_codes, first_seen_items = pd.factorize(flat)
    first_seen_items = np.asarray(first_seen_items, dtype=str)
    counts = np.bincount(first_seen_codes)
    order = np.lexsort((first_seen_items, -counts))
    rank_of_code = np.empty_like(order)
    rank_of_code[order] = np.arange(len(order))
    return EncodedSessions(
        items=first_seen_items[order],
        counts=counts[order],
        tokens=rank_of_code[first_seen_codes],
        session_of_token=np.repeat(np.arange(len(lengths)), lengths),
    )
