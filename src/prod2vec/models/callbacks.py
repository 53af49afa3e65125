"""Gensim training callbacks: per-epoch validation metrics, per-epoch loss, early stopping.

Use them with :func:`prod2vec.models.word2vec.train_word2vec`, which runs one epoch per ``train()``
call so that a :class:`TrainingControl` (:class:`EarlyStopping`, :class:`StopAfterEpoch`) can
stop between epochs; ``TrainingControl`` is defined with that loop and importable from here to
write others. Order matters: put the :class:`MetricLogger` before the
:class:`EarlyStopping` that watches it.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from gensim.models import Word2Vec
from gensim.models.callbacks import CallbackAny2Vec

from prod2vec.defaults import K
from prod2vec.evaluation.metrics import metric_label, per_query_metrics
from prod2vec.models.word2vec import TrainingControl, Word2VecRecommender, check_scoring


class MetricLogger(CallbackAny2Vec):
    """Recall@K and MRR@K on (query, target) pairs after every epoch, from the live vectors.

    It does not copy the model: a :class:`~prod2vec.models.word2vec.Word2VecRecommender` holds a
    reference to ``model.wv`` and renormalises the current vectors each epoch (Gensim caches
    vector norms and would otherwise rank with stale ones). Metrics come from the rank of each
    target (:meth:`~prod2vec.models.recommender.Recommender.target_ranks`), which gives the same
    numbers as top-K lists without sorting. ``history`` has one row per epoch
    with the metrics, the learning rate, the seconds since training began and the
    seconds spent evaluating. ``alpha`` is Gensim's ``min_alpha_yet_reached``: the lowest
    learning rate used so far (Gensim sets the rate per batch of words).

    Parameters
    ----------
    pairs : pandas.DataFrame
        Validation pairs, columns ``query`` and ``target``.
    k : int
        The cut-off K of the metrics.
    exclude_query : bool
        Never recommend the query item itself.
    scoring : str
        As for :class:`~prod2vec.models.word2vec.Word2VecRecommender`.

    Raises
    ------
    ConfigurationError
        An unknown scoring (:func:`~prod2vec.models.word2vec.check_scoring`).
    """

    def __init__(
        self,
        pairs: pd.DataFrame,
        k: int = K,
        exclude_query: bool = True,
        scoring: str = "input-input",
    ) -> None:
        check_scoring(scoring)
        self.pairs = pairs
        self.k = k
        self.exclude_query = exclude_query
        self.scoring = scoring
        self.rows: list[dict[str, float]] = []
        self._recommender: Word2VecRecommender | None = None
        self._started: float | None = None

    @property
    def history(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows).set_index("epoch") if self.rows else pd.DataFrame()

    def on_train_begin(self, model: Word2Vec) -> None:
        if self._started is None:
            self._started = time.perf_counter()

    def on_epoch_end(self, model: Word2Vec) -> None:
        started = time.perf_counter()
        if self._recommender is None:
            # the vocabulary is fixed during training: look the pairs up once
            self._recommender = Word2VecRecommender.from_vectors(
                model.wv, output_weights=getattr(model, "syn1neg", None), scoring=self.scoring
            )
            self._pair_index = (
                self._recommender.index_of(self.pairs["query"]),
                self._recommender.index_of(self.pairs["target"]),
            )
        elif self._recommender.vectors_ is not model.wv:
            raise RuntimeError(
                "This MetricLogger already watched another model; callbacks keep the state of "
                "one training, so create new ones (and a new EarlyStopping) for each run."
            )
        else:
            self._recommender.refresh()
        ranks = self._recommender.ranks_of(*self._pair_index, self.exclude_query, cutoff=self.k)
        metrics = per_query_metrics(ranks, self.k)
        finished = time.perf_counter()
        self.rows.append(
            {
                "epoch": len(self.rows) + 1,
                **{name: float(values.mean()) for name, values in metrics.items()},
                "alpha": float(model.min_alpha_yet_reached),
                "elapsed_seconds": finished - (self._started or started),
                "eval_seconds": finished - started,
            }
        )

    def latest(self, metric: str) -> float:
        if not self.rows:
            raise RuntimeError("No epoch has been evaluated yet.")
        if metric not in self.rows[-1]:
            raise KeyError(f"Unknown metric {metric!r}; logged: {sorted(self.rows[-1])}.")
        return self.rows[-1][metric]


class LossLogger(CallbackAny2Vec):
    """Gensim's training loss per epoch.

    ``model.get_latest_training_loss()`` is a running sum since the start of the current
    ``train()`` call, so the loss of an epoch is the difference between the readings at its end
    and at its beginning. That works both with one ``train()`` call per epoch (the sum restarts
    at 0 every call) and with one call for all epochs. Caveats: it is a single-precision sum that
    loses precision on large corpora, it covers only the sampled negative pairs, and its scale
    depends on window, negative and corpus size, so compare it between epochs of one run, not
    between runs.
    """

    def __init__(self) -> None:
        self.losses: list[float] = []
        self._at_epoch_begin = 0.0

    def on_epoch_begin(self, model: Word2Vec) -> None:
        self._at_epoch_begin = float(model.get_latest_training_loss())

    def on_epoch_end(self, model: Word2Vec) -> None:
        self.losses.append(float(model.get_latest_training_loss()) - self._at_epoch_begin)


class EarlyStopping(TrainingControl):
    """Stop when a validation metric has not improved by ``min_delta`` for ``patience`` epochs.

    Watches a :class:`MetricLogger` (which must come first in the callbacks list). On every
    improvement it copies every trainable array (the input vectors and the output weights of
    negative sampling, ``syn1neg``, and of hierarchical softmax, ``syn1``: arrays, not the
    model), and :meth:`restore_best` puts them back when training ends, so the model is that of
    ``best_epoch``. ``stopped_epoch`` is the last epoch that ran (None if it never stopped).
    """

    def __init__(
        self,
        monitor: MetricLogger,
        metric: str = metric_label("recall", K),
        patience: int = 3,
        min_delta: float = 0.0,
    ) -> None:
        if patience < 1:
            raise ValueError(f"patience must be at least 1, got {patience}.")
        if min_delta < 0:
            raise ValueError(f"min_delta must be >= 0, got {min_delta}.")
        self.monitor = monitor
        self.metric = metric
        self.patience = patience
        self.min_delta = min_delta
        self.best_value = -np.inf
        self.best_epoch = 0
        self.stopped_epoch: int | None = None
        self.stop_training = False
        self._epochs_seen = 0
        self._best_weights: dict[str, np.ndarray] = {}

    def on_epoch_end(self, model: Word2Vec) -> None:
        self._epochs_seen += 1
        if len(self.monitor.rows) != self._epochs_seen:
            raise RuntimeError(
                "EarlyStopping saw an epoch its MetricLogger did not evaluate: pass the "
                "MetricLogger before the EarlyStopping in the callbacks list."
            )
        value = self.monitor.latest(self.metric)
        if value > self.best_value + self.min_delta:
            self.best_value, self.best_epoch = value, self._epochs_seen
            self._best_weights = {
                name: array.copy() for name, array in trainable_arrays(model).items()
            }
        elif self._epochs_seen - self.best_epoch >= self.patience:
            self.stop_training = True
            self.stopped_epoch = self._epochs_seen

    def restore_best(self, model: Word2Vec) -> None:
        """Put back the weights of ``best_epoch`` (a no-op if no epoch ran)."""
        if not self._best_weights:
            return
        for name, array in trainable_arrays(model).items():
            array[...] = self._best_weights[name]
        model.wv.norms = None  # Gensim's cached norms belong to the last epoch's vectors


class StopAfterEpoch(TrainingControl):
    """Stop training after ``epoch`` epochs of a longer planned schedule.

    To retrain a configuration for the number of epochs at which it peaked on validation,
    without validation pairs (``train_word2vec`` keeps the planned schedule's learning rates).
    """

    def __init__(self, epoch: int) -> None:
        if epoch < 1:
            raise ValueError(f"epoch must be at least 1, got {epoch}.")
        self.epoch = epoch
        self.stop_training = False
        self._epochs_seen = 0

    def on_epoch_end(self, model: Word2Vec) -> None:
        self._epochs_seen += 1
        self.stop_training = self._epochs_seen >= self.epoch


def trainable_arrays(model: Word2Vec) -> dict[str, np.ndarray]:
    """The arrays training changes: input vectors, and the output weights the model has."""
    arrays = {"vectors": model.wv.vectors}
    for name in ("syn1neg", "syn1"):
        if isinstance(getattr(model, name, None), np.ndarray):
            arrays[name] = getattr(model, name)
    return arrays


def training_history(metrics: MetricLogger, losses: LossLogger | None = None) -> pd.DataFrame:
    """One row per epoch: validation metrics, learning rate, timings and (if given) the loss."""
    history = metrics.history.copy()
    if losses is not None:
        if len(losses.losses) != len(history):
            raise ValueError(
                f"{len(losses.losses)} losses for {len(history)} evaluated epochs: pass both "
                "loggers to the same training run."
            )
        history["loss"] = losses.losses
    return history
