"""Train Gensim Word2Vec on purchase sessions and recommend with the learned item vectors.

Training runs **one epoch per** ``Word2Vec.train()`` **call** on an explicit linear learning-rate
schedule. Gensim decays alpha linearly from ``alpha`` to ``min_alpha`` over the epochs of one
``train()`` call; we compute the same schedule ourselves and give each epoch its slice of it.
With all epochs run, the result is the same schedule Gensim would use. What we gain is a
point between epochs where Python is in control: callbacks can evaluate the live vectors, and
:class:`prod2vec.models.callbacks.EarlyStopping` can really stop (Gensim has no way to end a
``train()`` call early). The schedule always spans the planned ``epochs``, so a run that stops
early stops at a higher learning rate than a full run; early stopping then restores the vectors
of the best epoch, and the number of epochs to plan is a hyperparameter to tune.
"""

from __future__ import annotations

import inspect
import math
import re
import sys
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import numpy as np
from gensim.models import KeyedVectors, Word2Vec
from gensim.models.callbacks import CallbackAny2Vec

from prod2vec.data.sessions import check_sessions
from prod2vec.models.recommender import Recommender
from prod2vec.outputs.atomic import atomic_path

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

#: Word2Vec keywords that train_word2vec sets itself (seed and workers are its own arguments)
_SET_BY_TRAINING = {"sentences", "corpus_file", "callbacks", "compute_loss", "seed", "workers"}
#: every other keyword of Gensim's Word2Vec is accepted in ``params``
WORD2VEC_KEYWORDS = frozenset(inspect.signature(Word2Vec).parameters) - _SET_BY_TRAINING

_POSITIVE_INTEGERS = ("vector_size", "window", "epochs", "batch_words")
_NON_NEGATIVE_INTEGERS = ("min_count", "negative")
_FLAGS = ("sg", "hs", "cbow_mean")
_OPTIONAL_POSITIVE_INTEGERS = ("max_vocab_size", "max_final_vocab")


def check_word2vec_settings(settings: Mapping[str, Any]) -> None:
    """Refuse Word2Vec settings Gensim would hang on, ignore, or silently truncate.

    Raises
    ------
    ValueError
        An unknown keyword, or a value out of its range (each named, with the range).
    TypeError
        A float where an integer is needed (``epochs=2.7`` would silently run 2 epochs).
    """
    unknown = sorted(set(settings) - WORD2VEC_KEYWORDS)
    if unknown:
        reserved = sorted(set(unknown) & _SET_BY_TRAINING)
        hint = (
            f" ({', '.join(reserved)}: set by train_word2vec; pass seed= and workers= to it)"
            if reserved
            else ""
        )
        raise ValueError(
            f"Unknown Word2Vec parameters {unknown}{hint}; Gensim's Word2Vec accepts "
            f"{sorted(WORD2VEC_KEYWORDS)}."
        )

    def integer(name: str, low: int) -> None:
        value = settings[name]
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise TypeError(f"{name} must be an integer, got {value!r}.")
        if value < low:
            raise ValueError(f"{name} must be at least {low}, got {value}.")

    for name in _POSITIVE_INTEGERS:
        if name in settings:
            integer(name, 1)
    for name in _NON_NEGATIVE_INTEGERS:
        if name in settings:
            integer(name, 0)
    for name in _OPTIONAL_POSITIVE_INTEGERS:
        if settings.get(name) is not None:
            integer(name, 1)
    for name in _FLAGS:
        if name in settings and settings[name] not in (0, 1):
            raise ValueError(f"{name} must be 0 or 1, got {settings[name]!r}.")
    for name, low, inclusive in (
        ("alpha", 0.0, False),
        ("min_alpha", 0.0, True),
        ("sample", 0.0, True),
    ):
        if name in settings:
            value = settings[name]
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
            ):
                raise TypeError(f"{name} must be a finite number, got {value!r}.")
            if value < low or (value == low and not inclusive):
                raise ValueError(f"{name} must be {'>=' if inclusive else '>'} {low}, got {value}.")
    if "ns_exponent" in settings and not math.isfinite(float(settings["ns_exponent"])):
        raise ValueError(f"ns_exponent must be finite, got {settings['ns_exponent']!r}.")
    if settings.get("min_alpha", 0.0) > settings.get("alpha", math.inf):
        raise ValueError(
            f"min_alpha ({settings['min_alpha']}) must not exceed alpha ({settings['alpha']})."
        )
    if settings.get("negative", 5) == 0 and settings.get("hs", 0) == 0:
        raise ValueError("negative=0 with hs=0 leaves nothing to train: use negative > 0 or hs=1.")


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
        Gensim callbacks, for example those of :mod:`prod2vec.models.callbacks`.
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

    >>> from prod2vec.models.callbacks import EarlyStopping, MetricLogger
    >>> logger = MetricLogger(split.validation, k=10)  # doctest: +SKIP
    >>> stopper = EarlyStopping(logger, metric="Recall@10", patience=5)  # doctest: +SKIP
    >>> model = train_word2vec(split.train, callbacks=[logger, stopper])  # doctest: +SKIP
    """
    settings = {**DEFAULT_PARAMS, **(params or {})}
    check_word2vec_settings(settings)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be an integer >= 1, got {workers!r}.")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an integer, got {seed!r}.")
    check_sessions(sentences)
    epochs = settings.pop("epochs")
    schedule = linear_alpha_schedule(settings["alpha"], settings["min_alpha"], epochs)
    model = Word2Vec(**settings, seed=seed, workers=workers, compute_loss=True)
    model.build_vocab(sentences)
    if not model.wv.index_to_key:
        raise ValueError(
            f"No item occurs at least min_count={settings['min_count']} times; lower min_count."
        )
    epoch_events = [_EpochEvents(callback) for callback in callbacks]
    for callback in callbacks:
        callback.on_train_begin(model)
    with _without_spurious_gensim_reports():
        for epoch in range(epochs):
            model.train(
                sentences,
                total_examples=model.corpus_count,
                epochs=1,
                start_alpha=float(schedule[epoch]),
                end_alpha=float(schedule[epoch + 1]),
                compute_loss=True,
                callbacks=epoch_events,
            )
            if any(getattr(callback, "stop_training", False) for callback in callbacks):
                break
    for callback in callbacks:
        if hasattr(callback, "restore_best"):
            callback.restore_best(model)
    for callback in callbacks:
        callback.on_train_end(model)
    return model


class _EpochEvents(CallbackAny2Vec):
    """Hands Gensim's epoch events to ``callback`` (Gensim 4 fires no batch events).

    Each ``train()`` call of Gensim fires ``on_train_begin`` and ``on_train_end``; training one
    epoch per call would fire them every epoch, so :func:`train_word2vec` fires them itself,
    once per training, and passes Gensim only this forwarder of the epoch events.
    """

    def __init__(self, callback: CallbackAny2Vec) -> None:
        self.callback = callback

    def on_epoch_begin(self, model: Word2Vec) -> None:
        self.callback.on_epoch_begin(model)

    def on_epoch_end(self, model: Word2Vec) -> None:
        self.callback.on_epoch_end(model)


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


#: How an embedding scores a candidate item for a query item (both cosine similarities):
#: ``input-input`` compares the two input vectors (Gensim's ``most_similar``: "bought in
#: similar contexts"); ``input-output`` compares the query's input vector with the candidate's
#: output vector (``syn1neg``), which is what skip-gram is trained to predict: "bought near it".
SCORINGS = ("input-input", "input-output")


class Word2VecRecommender(Recommender):
    """Nearest items to the query item in a Word2Vec embedding, by cosine similarity.

    ``fit`` trains a model with :func:`train_word2vec`; :meth:`from_vectors` wraps vectors
    trained elsewhere or loaded with :func:`load_vectors`. Scores for a whole batch of queries
    are one product of the normalised query rows with a normalised matrix, so there is no
    per-query ``most_similar`` call. Like ``most_similar``, the query item is excluded by
    default; items the model has never seen (or dropped by ``min_count``) are misses.
    Callbacks keep the state of one training: give each ``fit`` new ones.

    Parameters
    ----------
    params : mapping, optional
        Word2Vec settings for :func:`train_word2vec`.
    seed, workers : int
        As in :func:`train_word2vec`.
    callbacks : sequence of CallbackAny2Vec
        Callbacks of this one training.
    label : str
        The name in results tables.
    scoring : str
        One of :data:`SCORINGS`; ``input-output`` needs negative sampling (``negative > 0``).
    """

    def __init__(
        self,
        params: Mapping[str, Any] | None = None,
        seed: int = DEFAULT_SEED,
        workers: int = 1,
        callbacks: Sequence[CallbackAny2Vec] = (),
        label: str = "Word2Vec",
        scoring: str = "input-input",
    ) -> None:
        if scoring not in SCORINGS:
            raise ValueError(f"Unknown scoring {scoring!r}; choose one of {SCORINGS}.")
        self.params = dict(params or {})
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
            raise ValueError(
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


def training_counts(vectors: KeyedVectors) -> np.ndarray:
    """How often each item occurred in training, in the order of ``vectors`` (0 if unknown)."""
    return np.asarray(vectors.expandos.get("count", np.zeros(len(vectors))), dtype=np.int64)


class VectorFileError(ValueError):
    """A file is not a vectors file written by :func:`save_vectors`."""


def save_vectors(
    vectors: KeyedVectors, path: str | Path, output_weights: np.ndarray | None = None
) -> Path:
    """Save item vectors as a numpy ``.npz`` archive that loads without running any code.

    The archive holds ``keys`` (item ids), ``vectors``, ``counts`` (training frequencies) and,
    if given, ``output_weights`` (Word2Vec's ``syn1neg``, for scoring items as skip-gram
    predicts them). Nothing is pickled, unlike Gensim's native ``.save``; it is written through
    a temporary file and a rename.

    Parameters
    ----------
    vectors : gensim.models.KeyedVectors
        Usually ``model.wv``.
    path : str or Path
        Where to write (``.npz`` by convention).
    output_weights : numpy.ndarray, optional
        One row per item, in the order of ``vectors``.
    """
    keys = np.asarray(vectors.index_to_key, dtype=str)
    arrays = {
        "keys": keys,
        "vectors": np.asarray(vectors.vectors),
        "counts": training_counts(vectors),
    }
    if output_weights is not None:
        if np.shape(output_weights)[0] != len(keys):
            raise ValueError(
                f"output_weights has {np.shape(output_weights)[0]} rows for {len(keys)} items."
            )
        arrays["output_weights"] = np.asarray(output_weights)
    path = Path(path)
    with atomic_path(path) as temporary, temporary.open("wb") as handle:
        np.savez(handle, **arrays)
    return path


def _read_vector_file(path: str | Path) -> dict[str, np.ndarray]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No saved vectors at {path}; save them with save_vectors().")
    hint = "Save the vectors again with prod2vec.models.word2vec.save_vectors()."
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
        raise VectorFileError(
            f"{path} is not a vectors file written by save_vectors ({error}). Nothing in it "
            f"was run. {hint}"
        ) from error
    keys, vectors = arrays.get("keys"), arrays.get("vectors")
    counts = arrays.get("counts")
    problems = []
    if keys is None or vectors is None or counts is None:
        problems.append(f"it holds {sorted(arrays)}, not keys, vectors and counts")
    elif keys.ndim != 1 or keys.dtype.kind != "U" or vectors.ndim != 2:
        problems.append("keys must be a 1-D string array and vectors a 2-D array")
    elif not (len(keys) == len(vectors) == len(counts)) or len(set(keys)) != len(keys):
        problems.append("keys, vectors and counts differ in length, or keys repeat")
    elif "output_weights" in arrays and arrays["output_weights"].shape[0] != len(keys):
        problems.append("output_weights has another number of rows than there are keys")
    if problems:
        raise VectorFileError(f"{path} is not a valid vectors file: {problems[0]}. {hint}")
    return arrays


def load_vectors(path: str | Path) -> KeyedVectors:
    """Load item vectors saved by :func:`save_vectors`; loading runs no code from the file.

    Raises
    ------
    FileNotFoundError
        Nothing at ``path``.
    VectorFileError
        Anything else: a pickle (Gensim's native format included), a truncated or foreign file.
    """
    arrays = _read_vector_file(path)
    vectors = KeyedVectors(vector_size=arrays["vectors"].shape[1], count=0)
    vectors.add_vectors(arrays["keys"].tolist(), arrays["vectors"])
    vectors.allocate_vecattrs(["count"], [np.int64])
    vectors.expandos["count"][:] = arrays["counts"]
    return vectors


def load_output_weights(path: str | Path) -> np.ndarray | None:
    """The output weights saved with the vectors at ``path``, or None if none were saved."""
    return _read_vector_file(path).get("output_weights")
