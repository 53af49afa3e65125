"""Train Gensim Word2Vec on purchase sessions and recommend with the learned item vectors.

Training runs **one epoch per** ``Word2Vec.train()`` **call** on an explicit linear learning-rate
schedule. Gensim decays alpha linearly from ``alpha`` to ``min_alpha`` over the epochs of one
``train()`` call; we compute the same schedule ourselves and give each epoch its slice of it.
With all epochs run, the result is the same schedule Gensim would use. What we gain is a
point between epochs where Python is in control: callbacks can evaluate the live vectors, and
:class:`prod2vec.callbacks.EarlyStopping` can really stop (Gensim has no way to end a
``train()`` call early). The schedule always spans the planned ``epochs``, so a run that stops
early stops at a higher learning rate than a full run; early stopping then restores the vectors
of the best epoch, and the number of epochs to plan is a hyperparameter to tune.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import numpy as np
from gensim.models import KeyedVectors, Word2Vec
from gensim.models.callbacks import CallbackAny2Vec

from prod2vec.files import atomic_path
from prod2vec.recommender import Recommender

#: Gensim's defaults, spelled out: CBOW, 100 dimensions, window 5, items seen fewer than 5 times
#: dropped, 5 epochs. Made for large text corpora, not for 400k purchases.
OUT_OF_THE_BOX: dict[str, Any] = {
    "vector_size": 100,
    "window": 5,
    "min_count": 5,
    "sg": 0,
    "hs": 0,
    "negative": 5,
    "ns_exponent": 0.75,
    "sample": 1e-3,
    "alpha": 0.025,
    "min_alpha": 0.0001,
    "epochs": 5,
}

#: The project's starting point for purchase data: skip-gram, every item kept, more epochs.
DEFAULT_PARAMS: dict[str, Any] = {
    **OUT_OF_THE_BOX,
    "vector_size": 64,
    "window": 5,
    "min_count": 1,
    "sg": 1,
    "epochs": 30,
}

DEFAULT_SEED = 42


def linear_alpha_schedule(alpha: float, min_alpha: float, epochs: int) -> np.ndarray:
    """Learning rate at the boundaries of ``epochs`` epochs: ``epochs + 1`` values."""
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}.")
    return np.linspace(alpha, min_alpha, epochs + 1)


def train_word2vec(
    sentences: Sequence[Sequence[str]],
    params: Mapping[str, Any] | None = None,
    callbacks: Sequence[CallbackAny2Vec] = (),
    seed: int = DEFAULT_SEED,
    workers: int = 1,
) -> Word2Vec:
    """Train Word2Vec on ``sentences`` (sessions of item ids), one epoch per ``train()`` call.

    After every epoch the loop stops if a callback has set ``stop_training``; callbacks with a
    ``restore_best(model)`` method are then asked to put back their best state.

    Parameters
    ----------
    sentences : sequence of sequences of str
        The training sessions.
    params : mapping, optional
        Word2Vec keyword arguments; keys given here override :data:`DEFAULT_PARAMS`.
    callbacks : sequence of CallbackAny2Vec
        Gensim callbacks, for example those of :mod:`prod2vec.callbacks`.
    seed : int
        Gensim's seed of the initial vectors and of sampling.
    workers : int
        Worker threads. With one worker and a fixed ``seed``, two runs on the same CPU kernels
        give identical vectors; more workers are faster but the order of updates varies.

    Returns
    -------
    gensim.models.Word2Vec
        The trained model (the best epoch's weights if an early stopper restored them).

    Examples
    --------
    Stop when validation Recall@10 has not improved for 5 epochs, keep the best epoch:

    >>> from prod2vec.callbacks import EarlyStopping, MetricLogger
    >>> logger = MetricLogger(split.validation, k=10)  # doctest: +SKIP
    >>> stopper = EarlyStopping(logger, metric="Recall@10", patience=5)  # doctest: +SKIP
    >>> model = train_word2vec(split.train, callbacks=[logger, stopper])  # doctest: +SKIP
    """
    settings = {**DEFAULT_PARAMS, **(params or {})}
    unknown = set(settings) - set(OUT_OF_THE_BOX)
    if unknown:
        raise ValueError(
            f"Unknown Word2Vec parameters {sorted(unknown)}; known: {sorted(OUT_OF_THE_BOX)}."
        )
    if not any(len(sentence) for sentence in sentences):
        raise ValueError("No training data: the sentences hold no items.")
    epochs = int(settings.pop("epochs"))
    schedule = linear_alpha_schedule(settings["alpha"], settings["min_alpha"], epochs)
    model = Word2Vec(**settings, seed=seed, workers=workers, compute_loss=True)
    model.build_vocab(sentences)
    if not model.wv.index_to_key:
        raise ValueError(
            f"No item occurs at least min_count={settings['min_count']} times; lower min_count."
        )
    with _without_spurious_gensim_reports():
        for epoch in range(epochs):
            model.train(
                sentences,
                total_examples=model.corpus_count,
                epochs=1,
                start_alpha=float(schedule[epoch]),
                end_alpha=float(schedule[epoch + 1]),
                compute_loss=True,
                callbacks=list(callbacks),
            )
            if any(getattr(callback, "stop_training", False) for callback in callbacks):
                break
    for callback in callbacks:
        if hasattr(callback, "restore_best"):
            callback.restore_best(model)
    return model


#: What Gensim 4.4's Cython BLAS wrappers (``our_dot_float``/``our_dot_double``) print when a
#: dot product is exactly -1.0: Cython takes -1 for its error sentinel, finds no exception, and
#: reports one anyway, in three writes to ``sys.stderr`` (not through ``sys.unraisablehook``).
#: The value is used unharmed. It shows on CPUs whose OpenBLAS ``sdot`` returns a float
#: (Gensim's ``FAST_VERSION`` 1, for example with ``OPENBLAS_CORETYPE=Prescott``).
SPURIOUS_GENSIM_REPORT = re.compile(
    r"Exception ignored in: 'gensim\.models\.word2vec_inner\.our_dot_\w+'"
)
_REPORT_PREFIX = "Exception ignored in: "


class _StderrWithoutSpuriousReports:
    """Forwards writes to ``target``, dropping whole lines that are a spurious Gensim report.

    A line that may still become such a report (it begins like one) is held until it ends;
    everything else is forwarded at once.
    """

    def __init__(self, target: TextIO) -> None:
        self._target = target
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        while self._pending:
            line, newline, rest = self._pending.partition("\n")
            if not newline:
                if not (_REPORT_PREFIX.startswith(line) or line.startswith(_REPORT_PREFIX)):
                    self._target.write(line)
                    self._pending = ""
                break
            if not SPURIOUS_GENSIM_REPORT.fullmatch(line):
                self._target.write(line + newline)
            self._pending = rest
        return len(text)

    def release(self) -> None:
        """Forward whatever unfinished line is held."""
        if self._pending:
            self._target.write(self._pending)
            self._pending = ""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)


@contextmanager
def _without_spurious_gensim_reports() -> Iterator[None]:
    original = sys.stderr
    filtered = _StderrWithoutSpuriousReports(original)
    sys.stderr = filtered
    try:
        yield
    finally:
        if sys.stderr is filtered:
            sys.stderr = original
        filtered.release()


def unit_vectors(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), computed from the live array."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, np.finfo(vectors.dtype).tiny)


class Word2VecRecommender(Recommender):
    """Cosine nearest neighbours of the query item in a Word2Vec embedding.

    ``fit`` trains a model with :func:`train_word2vec`; :meth:`from_vectors` wraps vectors
    trained elsewhere or loaded with :func:`load_vectors`. Scores for a whole batch of queries
    are one product of the normalised query rows with the normalised matrix, so there is no
    per-query ``most_similar`` call. Like ``most_similar``, the query item is excluded by
    default; items the model has never seen (or dropped by ``min_count``) are misses.
    Callbacks keep the state of one training: give each ``fit`` new ones.
    """

    def __init__(
        self,
        params: Mapping[str, Any] | None = None,
        seed: int = DEFAULT_SEED,
        workers: int = 1,
        callbacks: Sequence[CallbackAny2Vec] = (),
        label: str = "Word2Vec",
    ) -> None:
        self.params = dict(params or {})
        self.seed = seed
        self.workers = workers
        self.callbacks = list(callbacks)
        self.label = label

    @property
    def name(self) -> str:
        return self.label

    @classmethod
    def from_vectors(cls, vectors: KeyedVectors, label: str = "Word2Vec") -> Word2VecRecommender:
        """A recommender over already trained vectors."""
        recommender = cls(label=label)
        recommender.use_vectors(vectors)
        return recommender

    def fit(self, sessions: Sequence[Sequence[str]]) -> Word2VecRecommender:
        self.model_ = train_word2vec(
            sessions, self.params, callbacks=self.callbacks, seed=self.seed, workers=self.workers
        )
        self.use_vectors(self.model_.wv)
        return self

    def use_vectors(self, vectors: KeyedVectors) -> None:
        """Recommend from ``vectors`` (kept by reference: call :meth:`refresh` after updates).

        The catalogue is put in the interface's order, training count descending, then item
        id, whatever order Gensim keeps its vocabulary in (its own order reverses ties), so
        ties break as for every model. Vectors without counts are ordered by item id.
        """
        self.vectors_ = vectors
        keys = np.asarray(vectors.index_to_key, dtype=str)
        counts = np.asarray(vectors.expandos.get("count", np.zeros(len(keys))), dtype=np.int64)
        self._rows = np.lexsort((keys, -counts))
        self._set_catalogue(keys[self._rows])
        self.refresh()

    def refresh(self) -> None:
        """Recompute the normalised matrix from the current vectors (never a stale cache)."""
        self._unit = unit_vectors(self.vectors_.vectors[self._rows])

    def _scores(self, query_index: np.ndarray) -> np.ndarray:
        return self._unit[query_index] @ self._unit.T


def save_vectors(vectors: KeyedVectors, path: str | Path) -> Path:
    """Save in Gensim's native KeyedVectors format, as one file, through a temp file + rename."""
    path = Path(path)
    with atomic_path(path) as temporary, temporary.open("wb") as handle:
        vectors.save(handle)
    return path


def load_vectors(path: str | Path) -> KeyedVectors:
    """Load vectors saved by :func:`save_vectors` (Gensim's ``KeyedVectors.load``)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No saved vectors at {path}; save them with save_vectors().")
    loaded = KeyedVectors.load(str(path))
    if not isinstance(loaded, KeyedVectors):
        raise TypeError(
            f"{path} holds a {type(loaded).__name__}, not KeyedVectors; save model.wv instead."
        )
    return loaded
