"""The one recommender interface every model in the project implements.

A recommender is fitted on training sessions and then, for a batch of query items, returns the
top-K item ids per query as a 2-D array (padded with
:data:`prod2vec.evaluation.metrics.PAD`). Subclasses only say how to score the catalogue for a
batch of known queries (:meth:`Recommender._scores`); unknown queries, excluding the query
item, tie-breaking, top-K selection and batching live here once. Queries are scored in batches
whose dense scores fit :attr:`Recommender.score_memory_budget`, so memory does not grow with
queries x catalogue; a model whose scores are sparse may override the ranking of a batch
(``_top_k_indices``, ``_ranks``) and what a query costs (``_scoring_bytes``).

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
from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from prod2vec.data.interactions import as_item_ids
from prod2vec.defaults import K
from prod2vec.evaluation.metrics import PAD
from prod2vec.models.ranking import ranks_in_rows, top_k_indices


class Recommender(ABC):
    """Fit on sessions, then recommend the top-K items for a batch of query items."""

    #: item ids in tie-break order (most popular first); set by :meth:`_set_catalogue`
    items_: np.ndarray
    #: False for models whose scores ignore the query: they answer unknown queries too
    uses_query: bool = True
    #: bytes the scores of one batch of queries may take; batches are cut to fit it
    score_memory_budget: int = 64 * 2**20

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

    def weighted_scores(self, weights: sp.csr_matrix) -> np.ndarray:
        """Dense scores of weighted contexts: each row of ``weights`` mixes catalogue items.

        Parameters
        ----------
        weights : scipy.sparse.csr_matrix
            ``(n_contexts, n_items)`` weights, columns in ``items_`` order. A row with one
            entry of weight 1 scores as a query of that item does.

        Returns
        -------
        numpy.ndarray
            ``(n_contexts, n_items)`` float scores, a new writable array; ``-inf`` marks
            non-candidates (an empty row has no candidates unless the model ignores queries).
        """
        raise TypeError(f"{type(self).__name__} does not score weighted contexts.")

    def _set_catalogue(self, items: np.ndarray) -> None:
        self.items_ = np.asarray(items, dtype=str)
        self._position = pd.Index(self.items_)

    def recommend(
        self,
        queries: Sequence[str],
        k: int = K,
        exclude_query: bool = True,
        batch_size: int = 1024,
    ) -> np.ndarray:
        """Top-``k`` item ids for every query, shape ``(len(queries), k)``, padded with PAD.

        Queries are scored ``batch_size`` at a time at most, fewer where a batch's scores
        would exceed :attr:`score_memory_budget`.
        """
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}.")
        query_index = self.index_of(queries)
        result = np.full((len(query_index), k), PAD, dtype=self.items_.dtype)
        known = query_index >= 0
        answered = np.flatnonzero(known) if self.uses_query else np.arange(len(query_index))
        excluded = np.where(known & exclude_query, query_index, -1)
        for rows in self._batches(query_index, answered, batch_size):
            result[rows] = self._ids(self._top_k_indices(query_index[rows], excluded[rows], k))
        return result

    def scores(self, queries: Sequence[str]) -> np.ndarray:
        """Every catalogue item's score (columns in :attr:`items_` order) for each query.

        ``-inf`` marks items that are not candidates; a row of an unknown query is all
        ``-inf`` (unless the model ignores the query).
        """
        query_index = self.index_of(queries)
        result = np.full((len(query_index), len(self.items_)), -np.inf)
        rows = np.flatnonzero(query_index >= 0) if self.uses_query else np.arange(len(result))
        if len(rows):
            result[rows] = self._scores(query_index[rows])
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
        return self._position.get_indexer(as_item_ids(items))

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
        excluded = np.where(known & exclude_query, query_index, -1)
        for rows in self._batches(query_index, np.flatnonzero(answered), batch_size):
            ranks[rows] = self._ranks(query_index[rows], target_index[rows], excluded[rows], cutoff)
        return ranks

    def _check_fitted(self) -> None:
        if not hasattr(self, "items_"):
            raise RuntimeError(f"{self.name} is not fitted yet: call fit(sessions) first.")

    def _batches(
        self, query_index: np.ndarray, rows: np.ndarray, batch_size: int
    ) -> Iterator[np.ndarray]:
        """``rows`` in consecutive batches of at most ``batch_size`` whose scoring fits the budget.

        A batch holds at least one row, however costly (:meth:`_scoring_bytes`).
        """
        spent = np.cumsum(self._scoring_bytes(query_index[rows]))
        start = 0
        while start < len(rows):
            allowed = (spent[start - 1] if start else 0) + self.score_memory_budget
            stop = int(np.searchsorted(spent, allowed, side="right"))
            stop = min(max(stop, start + 1), start + batch_size)
            yield rows[start:stop]
            start = stop

    def _scoring_bytes(self, query_index: np.ndarray) -> np.ndarray:
        """Memory that scoring each query takes: one dense float64 row of the catalogue."""
        return np.full(len(query_index), 8 * len(self.items_), dtype=np.int64)

    def _top_k_indices(self, query_index: np.ndarray, excluded: np.ndarray, k: int) -> np.ndarray:
        """Catalogue positions of the top ``k`` per known query (see :func:`top_k_indices`).

        Columns ``excluded[r]`` (when >= 0) are never recommended.
        """
        scores = np.array(self._scores(query_index))  # a writable copy
        with_excluded = np.flatnonzero(excluded >= 0)
        scores[with_excluded, excluded[with_excluded]] = -np.inf
        return top_k_indices(scores, k)

    def _ranks(
        self,
        query_index: np.ndarray,
        target_index: np.ndarray,
        excluded: np.ndarray,
        cutoff: int | None,
    ) -> np.ndarray:
        """Ranks of known targets for known queries (see :func:`ranks_in_rows`)."""
        return ranks_in_rows(self._scores(query_index), target_index, excluded, cutoff)

    def _ids(self, indices: np.ndarray) -> np.ndarray:
        """Item ids of catalogue positions, PAD where the position is -1."""
        top = np.full(indices.shape, PAD, dtype=self.items_.dtype)
        found = indices >= 0
        top[found] = self.items_[indices[found]]
        return top
