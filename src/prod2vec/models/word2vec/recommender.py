"""The Word2Vec recommender: nearest items to the query item in an embedding, by cosine."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from gensim.models import KeyedVectors
from gensim.models.callbacks import CallbackAny2Vec

from prod2vec.defaults import MODEL_SEED
from prod2vec.errors import ConfigurationError
from prod2vec.models.recommender import Recommender
from prod2vec.models.word2vec.settings import DEFAULT_PARAMS, check_scoring
from prod2vec.models.word2vec.training import train_word2vec


def unit_vectors(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), computed from the live array."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, np.finfo(vectors.dtype).tiny)


def training_counts(vectors: KeyedVectors) -> np.ndarray:
    """How often each item occurred in training, in the order of ``vectors`` (0 if unknown)."""
    return np.asarray(vectors.expandos.get("count", np.zeros(len(vectors))), dtype=np.int64)


class Word2VecRecommender(Recommender):
    """Nearest items to the query item in a Word2Vec embedding, by cosine similarity.

    ``fit`` trains a model with :func:`~prod2vec.models.word2vec.training.train_word2vec`;
    :meth:`from_vectors` wraps vectors trained elsewhere or loaded with
    :func:`~prod2vec.models.word2vec.vector_files.load_vectors`. Scores for a whole batch of
    queries are one product of the normalised query rows with a normalised matrix, so there is no
    per-query ``most_similar`` call. Like ``most_similar``, the query item is excluded by
    default; items the model has never seen (or dropped by ``min_count``) are misses.
    Callbacks keep the state of one training: give each ``fit`` new ones.

    Parameters
    ----------
    params : mapping, optional
        Word2Vec settings for :func:`~prod2vec.models.word2vec.training.train_word2vec`.
    seed, workers : int
        As in :func:`~prod2vec.models.word2vec.training.train_word2vec`.
    callbacks : sequence of CallbackAny2Vec
        Callbacks of this one training.
    label : str
        The name in results tables.
    scoring : str
        One of :data:`~prod2vec.models.word2vec.settings.SCORINGS`; ``input-output`` needs
        negative sampling (``negative > 0``).

    Raises
    ------
    ConfigurationError
        The scoring does not check (:func:`~prod2vec.models.word2vec.settings.check_scoring`);
        from :meth:`use_vectors`, ``input-output`` scoring without output weights.
    """

    def __init__(
        self,
        params: Mapping[str, Any] | None = None,
        seed: int = MODEL_SEED,
        workers: int = 1,
        callbacks: Sequence[CallbackAny2Vec] = (),
        label: str = "Word2Vec",
        scoring: str = "input-input",
    ) -> None:
        self.params = dict(params or {})
        check_scoring(scoring, {**DEFAULT_PARAMS, **self.params})
        self.seed = seed
        self.workers = workers
        self.callbacks = list(callbacks)
        self.label = label
        self.scoring = scoring

    @property
    def name(self) -> str:
        return self.label

    @classmethod
    def from_vectors(
        cls,
        vectors: KeyedVectors,
        label: str = "Word2Vec",
        output_weights: np.ndarray | None = None,
        scoring: str = "input-input",
    ) -> Word2VecRecommender:
        """A recommender over already trained vectors (and output weights, for input-output)."""
        recommender = cls(label=label, scoring=scoring)
        recommender.use_vectors(vectors, output_weights)
        return recommender

    def fit(self, sessions: Sequence[Sequence[str]]) -> Word2VecRecommender:
        self.model_ = train_word2vec(
            sessions, self.params, callbacks=self.callbacks, seed=self.seed, workers=self.workers
        )
        self.use_vectors(self.model_.wv, getattr(self.model_, "syn1neg", None))
        return self

    def use_vectors(self, vectors: KeyedVectors, output_weights: np.ndarray | None = None) -> None:
        """Recommend from ``vectors`` (kept by reference: call :meth:`refresh` after updates).

        The catalogue is put in the interface's order, training count descending, then item
        id, whatever order Gensim keeps its vocabulary in (its own order reverses ties), so
        ties break as for every model. Vectors without counts are ordered by item id.
        ``output_weights`` (``syn1neg``, rows in the order of ``vectors``) are needed for the
        ``input-output`` scoring.
        """
        if self.scoring == "input-output" and (
            output_weights is None or len(output_weights) != len(vectors)
        ):
            raise ConfigurationError(
                "The input-output scoring needs the output weights (syn1neg) of every item: "
                "train with negative > 0, or load them with load_output_weights()."
            )
        self.vectors_ = vectors
        self.output_weights_ = output_weights
        keys = np.asarray(vectors.index_to_key, dtype=str)
        self._rows = np.lexsort((keys, -training_counts(vectors)))
        self._set_catalogue(keys[self._rows])
        self.refresh()

    def refresh(self) -> None:
        """Recompute the normalised matrices from the current weights (never a stale cache)."""
        self._unit = unit_vectors(self.vectors_.vectors[self._rows])
        self._candidates = (
            unit_vectors(self.output_weights_[self._rows])
            if self.scoring == "input-output"
            else self._unit
        )

    def _scores(self, query_index: np.ndarray) -> np.ndarray:
        return self._unit[query_index] @ self._candidates.T

    def weighted_scores(self, weights: sp.csr_matrix) -> np.ndarray:
        # the context vector is normalised like a query's, so one item scores as _scores does
        context = unit_vectors(np.asarray(weights @ self._unit, dtype=self._unit.dtype))
        scores = np.asarray(context @ self._candidates.T, dtype=np.float64)
        scores[weights.getnnz(axis=1) == 0] = -np.inf
        return scores
