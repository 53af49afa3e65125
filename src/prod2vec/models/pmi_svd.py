"""A count-based embedding of the same co-occurrences Word2Vec learns from: PPMI, then SVD.

Levy and Goldberg (NeurIPS 2014, "Neural word embedding as implicit matrix factorization")
showed that skip-gram with negative sampling factorises a shifted pointwise mutual information
(PMI) matrix of the words and their contexts. Factorising that matrix directly, with a
truncated SVD of its positive part (PPMI), gives embeddings of the same counts without any
training loop; it is the control that tells whether Word2Vec's gains come from embedding the
co-occurrences at all, or from how it learns them.

The counts are :class:`~prod2vec.models.baselines.CoOccurrence`'s: item pairs at most
``window`` positions apart in a session, both directions. With ``#(a, b)`` those counts,
``#(a)`` and ``#(b)`` their row and column sums,
``PMI(a, b) = log(#(a, b) sum_c #(c)**alpha / (#(a) #(b)**alpha))`` (``alpha``, the context
smoothing exponent, plays the part of Word2Vec's ``ns_exponent``), and the embedding is
``U sqrt(S)`` of the rank-``dimensions`` SVD of ``max(PMI - log(shift), 0)``. Items are
recommended by cosine similarity, like Word2Vec's input-input scoring; an item that never
co-occurred with another has no vector and is neither recommended nor answered.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import svds

from prod2vec.data.integer_sessions import EncodedSessions
from prod2vec.errors import ConfigurationError
from prod2vec.models.baselines import CountingModel, windowed_counts
from prod2vec.models.word2vec.recommender import unit_vectors


class PmiSvd(CountingModel):
    """Items embedded by a truncated SVD of their positive PMI matrix; cosine recommends.

    Parameters
    ----------
    window : int
        Count item pairs at most this many positions apart (both directions).
    dimensions : int
        Rank of the SVD: the embedding's size (at most the catalogue size minus one).
    context_exponent : float
        Context distribution smoothing (1 is plain PMI; Levy et al. 2015 use 0.75).
    shift : float
        Subtract ``log(shift)`` before keeping the positive part (SGNS with ``negative=k``
        corresponds to ``shift=k``); 1 keeps plain PPMI.
    """

    def __init__(
        self,
        window: int = 3,
        dimensions: int = 64,
        context_exponent: float = 1.0,
        shift: float = 1.0,
    ) -> None:
        if window < 1 or dimensions < 1 or shift < 1 or not 0 < context_exponent <= 1:
            raise ConfigurationError(
                "PmiSvd needs window >= 1, dimensions >= 1, shift >= 1 and 0 < "
                f"context_exponent <= 1; got {window}, {dimensions}, {shift}, {context_exponent}."
            )
        self.window = window
        self.dimensions = dimensions
        self.context_exponent = context_exponent
        self.shift = shift

    @property
    def name(self) -> str:
        return f"PMI+SVD(window={self.window}, dim={self.dimensions})"

    def fit_encoded(self, encoded: EncodedSessions) -> PmiSvd:
        self._set_catalogue(encoded.items)
        following = windowed_counts(encoded, self.window, decay=False)
        counts = (following + following.T).tocsr()
        vectors = _svd_embedding(
            _positive_pmi(counts, self.context_exponent, self.shift), self.dimensions
        )
        self.vectors_ = vectors
        self._unit = unit_vectors(vectors)
        self._has_vector = np.linalg.norm(vectors, axis=1) > 0
        return self

    def _scores(self, query_index: np.ndarray) -> np.ndarray:
        return self._cosines(self._unit[query_index], self._has_vector[query_index])

    def weighted_scores(self, weights: sp.csr_matrix) -> np.ndarray:
        context = unit_vectors(np.asarray(weights @ self._unit))
        return self._cosines(context, np.linalg.norm(context, axis=1) > 0)

    def _cosines(self, queries: np.ndarray, answered: np.ndarray) -> np.ndarray:
        scores = queries @ self._unit.T
        scores[:, ~self._has_vector] = -np.inf
        scores[~answered] = -np.inf
        return scores


def _positive_pmi(counts: sp.csr_matrix, context_exponent: float, shift: float) -> sp.csr_matrix:
    """``max(PMI - log(shift), 0)`` of the stored entries of a symmetric count matrix."""
    entries = counts.tocoo()
    stored = entries.data > 0
    rows, columns, values = entries.row[stored], entries.col[stored], entries.data[stored]
    row_sums = np.asarray(counts.sum(axis=1)).ravel()
    smoothed = np.asarray(counts.sum(axis=0)).ravel() ** context_exponent
    pmi = np.log(values * smoothed.sum() / (row_sums[rows] * smoothed[columns])) - np.log(shift)
    keep = pmi > 0
    return sp.csr_matrix((pmi[keep], (rows[keep], columns[keep])), shape=counts.shape)


def _svd_embedding(matrix: sp.csr_matrix, dimensions: int) -> np.ndarray:
    """``U sqrt(S)`` of the rank-``dimensions`` SVD (fewer if the matrix is smaller), with a
    fixed start vector and signs, so a fit is reproducible; zero rows stay zero."""
    rank = min(dimensions, min(matrix.shape) - 1)
    if rank < 1 or matrix.nnz == 0:
        return np.zeros((matrix.shape[0], max(rank, 1)))
    start = np.full(matrix.shape[0], 1 / np.sqrt(matrix.shape[0]))
    left, singular, _ = svds(matrix.astype(np.float64), k=rank, v0=start)
    order = np.argsort(-singular, kind="stable")
    left, singular = left[:, order], singular[order]
    signs = np.sign(left[np.abs(left).argmax(axis=0), np.arange(rank)])
    return left * signs * np.sqrt(singular)
