"""Count-based next-item recommenders: the baselines an embedding model has to beat.

All of them implement :class:`prod2vec.models.recommender.Recommender` and are built with numpy and
scipy.sparse, with no Python loop over item pairs:

* :class:`MostPopular` ignores the query and recommends the most frequent training items.
* :class:`AssociationRules` is the original tutorial's baseline: every ordered pair of
  positions (i, j), i != j, of a session counts one co-occurrence of (item_i, item_j), as
  ``itertools.permutations(session, 2)`` does, so repeated items count repeatedly.
* :class:`CoOccurrence` counts only pairs at most ``window`` positions apart, in both directions.
* :class:`SequentialRules` counts only pairs where the recommended item comes *after* the query,
  at most ``window`` positions later, weighted 1/distance (Ludewig & Jannach, 2018).

For the count models, items that never co-occurred with the query are not candidates; a row
with fewer than K candidates is padded. Ties in count go to the more popular item (the
interface's catalogue order), then to the smaller item id.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import scipy.sparse as sp

from prod2vec.data.integer_sessions import EncodedSessions, encode_sessions
from prod2vec.errors import ConfigurationError
from prod2vec.models.ranking import sparse_ranks_in_rows, sparse_top_k_indices
from prod2vec.models.recommender import Recommender


class CountingModel(Recommender):
    """A recommender counted from sessions encoded as integers (:func:`encode_sessions`).

    :meth:`fit_encoded` lets several models share one encoding of the same sessions.
    """

    def fit(self, sessions: Sequence[Sequence[str]]) -> CountingModel:
        return self.fit_encoded(encode_sessions(sessions))

    @abstractmethod
    def fit_encoded(self, encoded: EncodedSessions) -> CountingModel:
        """Learn from sessions already encoded by :func:`encode_sessions`; return ``self``."""


class MostPopular(CountingModel):
    """Recommend the K most frequent training items, whatever the query."""

    uses_query = False

    def fit_encoded(self, encoded: EncodedSessions) -> MostPopular:
        self._set_catalogue(encoded.items)
        self.popularity_ = encoded.counts.astype(np.float64)
        return self

    def _scores(self, query_index: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.popularity_, (len(query_index), len(self.popularity_)))

    def weighted_scores(self, weights: sp.csr_matrix) -> np.ndarray:
        return np.tile(self.popularity_, (weights.shape[0], 1))


class ItemToItem(CountingModel):
    """A recommender scoring items by one row of a sparse item x item matrix.

    Subclasses build ``matrix_`` (row: query item, column: recommended item) from the encoded
    sessions; only its positive entries are stored, and only they are candidates. Rankings are
    computed from the stored entries of the queried rows, never from dense catalogue rows.
    """

    matrix_: sp.csr_matrix
    #: rows holding more than this fraction of the catalogue are ranked densely (faster then;
    #: both ways give the same top-K)
    dense_above: float = 0.6

    def fit_encoded(self, encoded: EncodedSessions) -> ItemToItem:
        self._set_catalogue(encoded.items)
        self._keep_positive(self._build(encoded))
        return self

    @abstractmethod
    def _build(self, encoded: EncodedSessions) -> sp.spmatrix:
        """The item x item score matrix."""

    def _keep_positive(self, matrix: sp.spmatrix) -> None:
        """Store ``matrix`` as canonical CSR without its entries <= 0 (never edited in place:
        the counts of a window may be shared with the next, :meth:`Windowed.fit_windows`)."""
        matrix = matrix.tocsr()
        if not matrix.has_canonical_format or (matrix.data <= 0).any():
            matrix = matrix.copy()
            matrix.sum_duplicates()
            matrix.data[matrix.data <= 0] = 0
            matrix.eliminate_zeros()
        self.matrix_ = matrix

    def _scores(self, query_index: np.ndarray) -> np.ndarray:
        return self._candidate_scores(self.matrix_[query_index])

    def weighted_scores(self, weights: sp.csr_matrix) -> np.ndarray:
        return self._candidate_scores(weights @ self.matrix_)

    @staticmethod
    def _candidate_scores(rows: sp.csr_matrix) -> np.ndarray:
        scores = rows.toarray()
        scores[scores <= 0] = -np.inf
        return scores

    def _scoring_bytes(self, query_index: np.ndarray) -> np.ndarray:
        # sorting a stored entry takes its row, column, value and a few sort keys
        return 48 * np.diff(self.matrix_.indptr)[query_index]

    def _top_k_indices(self, query_index: np.ndarray, excluded: np.ndarray, k: int) -> np.ndarray:
        rows = self.matrix_[query_index]
        if rows.nnz > self.dense_above * rows.shape[0] * rows.shape[1]:
            return super()._top_k_indices(query_index, excluded, k)
        return sparse_top_k_indices(rows, excluded, k)

    def _ranks(
        self,
        query_index: np.ndarray,
        target_index: np.ndarray,
        excluded: np.ndarray,
        cutoff: int | None,
    ) -> np.ndarray:
        return sparse_ranks_in_rows(self.matrix_[query_index], target_index, excluded, cutoff)


def session_item_counts(encoded: EncodedSessions) -> sp.csr_matrix:
    """Sparse (sessions x items) matrix: how often each session holds each item."""
    ones = np.ones(len(encoded.tokens), dtype=np.float64)
    shape = (encoded.n_sessions, encoded.n_items)
    return sp.csr_matrix((ones, (encoded.session_of_token, encoded.tokens)), shape=shape)


def windowed_counts(encoded: EncodedSessions, window: int, decay: bool) -> sp.csr_matrix:
    """Sparse (earlier item x later item) counts of pairs at most ``window`` positions apart.

    Each pair counts 1, or 1/distance with ``decay``. Built one distance at a time and summed
    into the item x item matrix, so memory grows with the tokens, not with tokens x window.
    """
    ((_, counts),) = windowed_counts_sweep(encoded, [window], decay)
    return counts


def windowed_counts_sweep(
    encoded: EncodedSessions, windows: Iterable[int], decay: bool
) -> Iterator[tuple[int, sp.csr_matrix]]:
    """``(window, windowed_counts(encoded, window, decay))`` for each window, ascending.

    One pass over the distances serves every window: the counts of a window are the running
    sum at its distance, the very sum :func:`windowed_counts` computes (so bit-identical).
    """
    wanted = sorted(set(windows))
    if wanted and wanted[0] < 1:
        raise ConfigurationError(f"window must be at least 1, got {wanted[0]}.")
    shape = (encoded.n_items,) * 2
    total = sp.csr_matrix(shape, dtype=np.float64)
    for offset in range(1, max(wanted, default=0) + 1):
        same_session = encoded.session_of_token[:-offset] == encoded.session_of_token[offset:]
        earlier = encoded.tokens[:-offset][same_session]
        later = encoded.tokens[offset:][same_session]
        weights = np.full(len(earlier), 1.0 / offset if decay else 1.0)
        total = total + sp.csr_matrix((weights, (earlier, later)), shape=shape)
        if offset in wanted:
            yield offset, total


class AssociationRules(ItemToItem):
    """Whole-session co-occurrence counts, exactly as ``permutations(session, 2)`` counts them.

    With C the session x item count matrix, the number of ordered position pairs (i != j)
    holding items (a, b) is ``(C.T @ C)[a, b]`` for a != b and ``sum_s C[s,a] * (C[s,a] - 1)``
    on the diagonal: one sparse product instead of a loop over n(n-1) pairs per session.
    """

    def _build(self, encoded: EncodedSessions) -> sp.spmatrix:
        counts = session_item_counts(encoded)
        pairs = (counts.T @ counts).tocsr()
        pairs.setdiag(pairs.diagonal() - encoded.counts)
        return pairs


class Windowed(ItemToItem):
    """An item-to-item model that only counts pairs at most ``window`` positions apart."""

    #: weight pairs 1/distance (else 1)
    decay: bool = False

    def __init__(self, window: int = 5) -> None:
        self.window = window

    @property
    def name(self) -> str:
        return f"{type(self).__name__}(window={self.window})"

    def _build(self, encoded: EncodedSessions) -> sp.spmatrix:
        return self._from_following(windowed_counts(encoded, self.window, decay=self.decay))

    @abstractmethod
    def _from_following(self, following: sp.csr_matrix) -> sp.spmatrix:
        """The score matrix, from :func:`windowed_counts` (earlier item x later item)."""

    @classmethod
    def fit_windows(cls, encoded: EncodedSessions, windows: Iterable[int]) -> Iterator[Windowed]:
        """One model per window (ascending), as ``cls(window).fit_encoded(encoded)`` gives.

        The counts are summed once up to the largest window (:func:`windowed_counts_sweep`),
        and the models share one catalogue; each model is made only when it is asked for.
        """
        first = None
        for window, following in windowed_counts_sweep(encoded, windows, cls.decay):
            model = cls(window)
            if first is None:
                model._set_catalogue(encoded.items)
                first = model
            else:
                model.items_, model._position = first.items_, first._position
            model._keep_positive(model._from_following(following))
            yield model


class CoOccurrence(Windowed):
    """Co-occurrence counts of items at most ``window`` positions apart, in both directions."""

    def _from_following(self, following: sp.csr_matrix) -> sp.spmatrix:
        return following + following.T


class SequentialRules(Windowed):
    """Items that follow the query within ``window`` positions, weighted 1/distance."""

    decay = True

    def _from_following(self, following: sp.csr_matrix) -> sp.spmatrix:
        return following
