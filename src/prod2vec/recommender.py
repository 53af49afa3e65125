"""The one recommender interface every model in the project implements.

A recommender is fitted on training sessions and then, for a batch of query items, returns the
top-K item ids per query as a 2-D array (padded with :data:`prod2vec.metrics.PAD`). Subclasses
only say how to score the catalogue for a batch of known queries (:meth:`Recommender._scores`);
unknown queries, excluding the query item, tie-breaking and top-K selection live here once.

Conventions, shared by all models:

* The catalogue (``items_``) is ordered by training frequency, most frequent first, then by
  item id. **Ties in score are broken in that order**: the more popular item wins.
* A score of ``-inf`` means "not a candidate" (for count-based models: never co-occurred).
  Rows with fewer than K candidates are padded rather than filled with arbitrary items.
* ``exclude_query=True`` (the default) never recommends the query item itself, like Gensim's
  ``most_similar`` and the original tutorial.
* An unknown query item gets an all-padding row: a miss that still counts in the metrics
  (except for models whose scores ignore the query, such as the most-popular baseline).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from prod2vec.metrics import PAD


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
    lengths = np.fromiter((len(session) for session in sessions), dtype=np.int64)
    if lengths.sum() == 0:
        raise ValueError("No training data: the sessions hold no items.")
    flat = np.array([item for session in sessions for item in session], dtype=str)
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


class Recommender(ABC):
    """Fit on sessions, then recommend the top-K items for a batch of query items."""

    #: item ids in tie-break order (most popular first); set by :meth:`_set_catalogue`
    items_: np.ndarray
    #: False for models whose scores ignore the query: they answer unknown queries too
    uses_query: bool = True

    @property
    def name(self) -> str:
        """A short label for tables and charts."""
        return type(self).__name__

    @abstractmethod
    def fit(self, sessions: Sequence[Sequence[str]]) -> Recommender:
        """Learn from training sessions (lists of item ids in time order); return ``self``."""

    @abstractmethod
    def _scores(self, query_index: np.ndarray) -> np.ndarray:
        """Dense ``(len(query_index), n_items)`` float scores; ``-inf`` marks non-candidates."""

    def _set_catalogue(self, items: np.ndarray) -> None:
        self.items_ = np.asarray(items, dtype=str)
        self._position = pd.Index(self.items_)

    def recommend(
        self,
        queries: Sequence[str],
        k: int = 10,
        exclude_query: bool = True,
        batch_size: int = 1024,
    ) -> np.ndarray:
        """Top-``k`` item ids for every query, shape ``(len(queries), k)``, padded with PAD."""
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}.")
        query_index = self.index_of(queries)
        result = np.full((len(query_index), k), PAD, dtype=self.items_.dtype)
        known = query_index >= 0
        answered = np.flatnonzero(known) if self.uses_query else np.arange(len(query_index))
        for start in range(0, len(answered), batch_size):
            rows = answered[start : start + batch_size]
            scores = np.array(self._scores(query_index[rows]))  # a writable copy
            if exclude_query:
                in_catalogue = known[rows]
                scores[np.flatnonzero(in_catalogue), query_index[rows][in_catalogue]] = -np.inf
            result[rows] = self._top_k(scores, k)
        return result

    def target_ranks(
        self,
        queries: Sequence[str],
        targets: Sequence[str],
        exclude_query: bool = True,
        cutoff: int | None = None,
    ) -> np.ndarray:
        """1-based rank of each target in its query's full ranking; ``inf`` if never ranked.

        The ranking is the one :meth:`recommend` would return with an unlimited ``k`` (score
        descending, ties to the earlier catalogue item), so ``rank <= k`` exactly when the
        target is in the top-``k`` list. It needs no sorting: the rank is one plus the number of
        items ahead of the target, which makes per-epoch evaluation cheap. With ``cutoff``,
        ranks above it may be reported as ``inf`` (all Recall@K and MRR@K need, with K=cutoff).
        """
        return self.ranks_of(self.index_of(queries), self.index_of(targets), exclude_query, cutoff)

    def index_of(self, items: Sequence[str]) -> np.ndarray:
        """Catalogue position of every item, -1 for items the model does not know."""
        self._check_fitted()
        return self._position.get_indexer(np.asarray(items, dtype=str))

    def ranks_of(
        self,
        query_index: np.ndarray,
        target_index: np.ndarray,
        exclude_query: bool = True,
        cutoff: int | None = None,
        batch_size: int = 512,
    ) -> np.ndarray:
        """:meth:`target_ranks` for catalogue positions (from :meth:`index_of`)."""
        self._check_fitted()
        if len(query_index) != len(target_index):
            raise ValueError(f"{len(query_index)} queries but {len(target_index)} targets.")
        ranks = np.full(len(query_index), np.inf)
        known = query_index >= 0
        answered = (known if self.uses_query else np.ones_like(known)) & (target_index >= 0)
        if exclude_query:
            answered &= query_index != target_index
        rows = np.flatnonzero(answered)
        for start in range(0, len(rows), batch_size):
            batch = rows[start : start + batch_size]
            excluded = np.where(known[batch] & exclude_query, query_index[batch], -1)
            ranks[batch] = _ranks_in_rows(
                self._scores(query_index[batch]), target_index[batch], excluded, cutoff
            )
        return ranks

    def _check_fitted(self) -> None:
        if not hasattr(self, "items_"):
            raise RuntimeError(f"{self.name} is not fitted yet: call fit(sessions) first.")

    def _top_k(self, scores: np.ndarray, k: int) -> np.ndarray:
        """Top-k catalogue items per row, PAD-filled (see :func:`top_k_indices`)."""
        indices = top_k_indices(scores, k)
        top = np.full(indices.shape, PAD, dtype=self.items_.dtype)
        found = indices >= 0
        top[found] = self.items_[indices[found]]
        return top


def _ranks_in_rows(
    scores: np.ndarray, targets: np.ndarray, excluded: np.ndarray, cutoff: int | None
) -> np.ndarray:
    """Rank of column ``targets[r]`` in each row by (score desc, column asc); inf if not finite.

    Columns ``excluded[r]`` (when >= 0) are left out of the ranking. One pass counts the
    strictly better columns; the tie-break pass runs only on rows that can still rank within
    ``cutoff`` (all rows if None); the others are reported as ``inf``.
    """
    rows = np.arange(len(targets))
    target_score = scores[rows, targets]
    ahead = _count_per_row(scores > target_score[:, None])
    has_excluded = excluded >= 0
    excluded_column = np.maximum(excluded, 0)
    ahead -= has_excluded & (scores[rows, excluded_column] > target_score)
    resolve = np.flatnonzero(ahead < cutoff) if cutoff is not None else rows
    tied_before = (scores[resolve] == target_score[resolve, None]) & (
        np.arange(scores.shape[1]) < targets[resolve, None]
    )
    tied_before[np.arange(len(resolve)), excluded_column[resolve]] &= ~has_excluded[resolve]
    ranks = np.full(len(targets), np.inf)
    ranks[resolve] = ahead[resolve] + _count_per_row(tied_before) + 1.0
    ranks[~np.isfinite(target_score)] = np.inf
    return ranks


def _count_per_row(flags: np.ndarray) -> np.ndarray:
    """True values per row of a boolean matrix (summing bytes: ~5x faster than count_nonzero)."""
    accumulator = np.uint16 if flags.shape[1] < np.iinfo(np.uint16).max else np.int64
    return flags.view(np.uint8).sum(axis=1, dtype=accumulator).astype(np.int64)


def top_k_indices(scores: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the ``k`` best finite scores per row, by (score desc, column asc).

    Shape ``(n_rows, k)``; -1 where a row has fewer than ``k`` finite scores. The fast path is
    one ``argpartition``; rows where the k-th best score is tied with a score left outside
    are redone exactly, so the result never depends on how ``argpartition`` splits a tie.
    """
    n_rows, n_items = scores.shape
    result = np.full((n_rows, k), -1, dtype=np.int64)
    kth = min(k, n_items)
    if kth == 0 or n_rows == 0:
        return result
    columns = np.argpartition(scores, n_items - kth, axis=1)[:, n_items - kth :]
    values = np.take_along_axis(scores, columns, axis=1)
    order = np.lexsort((columns, -values), axis=1)
    columns = np.take_along_axis(columns, order, axis=1)
    values = np.take_along_axis(values, order, axis=1)
    result[:, :kth] = np.where(np.isfinite(values), columns, -1)
    threshold = values[:, -1:]
    tied_outside = (scores == threshold).sum(axis=1) > (values == threshold).sum(axis=1)
    for row in np.flatnonzero(tied_outside & np.isfinite(threshold[:, 0])):
        result[row] = _exact_top_k(scores[row], k)
    return result


def _exact_top_k(row: np.ndarray, k: int) -> np.ndarray:
    candidates = np.flatnonzero(np.isfinite(row))
    ranked = candidates[np.lexsort((candidates, -row[candidates]))][:k]
    return np.concatenate([ranked, np.full(k - len(ranked), -1, dtype=np.int64)])
