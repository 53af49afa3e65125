"""Train Word2Vec one epoch per ``train()`` call on an explicit linear learning-rate schedule.

Gensim decays alpha linearly from ``alpha`` to ``min_alpha`` over the epochs of one ``train()``
call; we compute the same schedule ourselves and give each epoch its slice of it. With all epochs
run, the result is the same schedule Gensim would use. What we gain is a point between epochs
where Python is in control: callbacks can evaluate the live vectors, and a
:class:`TrainingControl` such as :class:`prod2vec.models.callbacks.EarlyStopping` can really stop
(Gensim has no way to end a ``train()`` call early). The schedule always spans the planned
``epochs``, so a run that stops early stops at a higher learning rate than a full run; early
stopping then restores the vectors of the best epoch, and the number of epochs to plan is a
hyperparameter to tune.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from gensim.models import Word2Vec
from gensim.models.callbacks import CallbackAny2Vec

from prod2vec.data.sessions import check_sessions
from prod2vec.defaults import MODEL_SEED
from prod2vec.errors import ConfigurationError
from prod2vec.models.word2vec.gensim_stderr import without_spurious_gensim_reports
from prod2vec.models.word2vec.settings import DEFAULT_PARAMS, check_word2vec_settings


class TrainingControl(CallbackAny2Vec):
    """A callback that may end training between epochs and put back a better state.

    After every epoch :func:`train_word2vec` stops if any control has set ``stop_training``.
    When training ends, stopped or not, it calls :meth:`restore_best` of every control, before
    any callback's ``on_train_end``. Callbacks that are not a ``TrainingControl`` never stop
    training, whatever attributes they have.

    Attributes
    ----------
    stop_training : bool
        Set it to end training after the current epoch.
    """

    stop_training: bool = False

    def restore_best(self, model: Word2Vec) -> None:
        """Put the state to keep back into ``model`` when training ends; by default nothing."""


def linear_alpha_schedule(alpha: float, min_alpha: float, epochs: int) -> np.ndarray:
    """Learning rate at the boundaries of ``epochs`` epochs: ``epochs + 1`` values.

    Parameters
    ----------
    alpha, min_alpha : float
        The rates at the start of the first epoch and at the end of the last.
    epochs : int
        The planned epochs.

    Raises
    ------
    ConfigurationError
        ``epochs`` is below 1.
    """
    if epochs < 1:
        raise ConfigurationError(f"epochs must be at least 1, got {epochs}.")
    return np.linspace(alpha, min_alpha, epochs + 1)


def train_word2vec(
    sentences: Sequence[Sequence[str]],
    params: Mapping[str, Any] | None = None,
    callbacks: Sequence[CallbackAny2Vec] = (),
    seed: int = MODEL_SEED,
    workers: int = 1,
) -> Word2Vec:
    """Train Word2Vec on ``sentences`` (sessions of item ids), one epoch per ``train()`` call.

    After every epoch the loop stops if a :class:`TrainingControl` among the callbacks has set
    ``stop_training``; every control's ``restore_best(model)`` then puts back its best state.

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

    Raises
    ------
    ConfigurationError
        Settings that do not check (:func:`check_word2vec_settings`), a ``seed`` or ``workers``
        that is not a whole number (``workers`` at least 1), or a ``min_count`` no item reaches.
    TypeError
        Sessions that would train wrongly (:func:`prod2vec.data.sessions.check_sessions`).

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
        raise ConfigurationError(f"workers must be an integer >= 1, got {workers!r}.")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigurationError(f"seed must be an integer, got {seed!r}.")
    check_sessions(sentences)
    epochs = settings.pop("epochs")
    schedule = linear_alpha_schedule(settings["alpha"], settings["min_alpha"], epochs)
    model = Word2Vec(**settings, seed=seed, workers=workers, compute_loss=True)
    model.build_vocab(sentences)
    if not model.wv.index_to_key:
        raise ConfigurationError(
            f"No item occurs at least min_count={settings['min_count']} times; lower min_count."
        )
    controls = [callback for callback in callbacks if isinstance(callback, TrainingControl)]
    epoch_events = [_EpochEvents(callback) for callback in callbacks]
    for callback in callbacks:
        callback.on_train_begin(model)
    with without_spurious_gensim_reports():
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
            if any(control.stop_training for control in controls):
                break
    for control in controls:
        control.restore_best(model)
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
