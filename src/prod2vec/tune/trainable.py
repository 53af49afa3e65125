"""One trial of a sweep: train Word2Vec, report validation metrics to Ray Tune every epoch.

Reporting after every epoch is what lets a scheduler such as ASHA stop a weak trial between
epochs instead of after it has trained in full.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import pandas as pd
import ray
from gensim.models import Word2Vec
from gensim.models.callbacks import CallbackAny2Vec
from ray import tune

from prod2vec.configuration import Configuration
from prod2vec.defaults import K
from prod2vec.evaluation.metrics import metric_key, metric_label
from prod2vec.models.callbacks import MetricLogger
from prod2vec.models.word2vec import DEFAULT_SEED, train_word2vec
from prod2vec.tune.space import word2vec_settings


class TuneReporter(CallbackAny2Vec):
    """Hands the latest metrics of a :class:`~prod2vec.models.callbacks.MetricLogger` to Ray Tune.

    Put it after its logger. Each report holds the epoch, Recall@K and MRR@K, the CPU
    seconds the trial's process has used since training began (Gensim's threads included),
    and the Ray node it runs on.
    """

    def __init__(self, logger: MetricLogger) -> None:
        self.logger = logger
        self._cpu_at_start = 0.0

    def on_train_begin(self, model: Word2Vec) -> None:
        self._cpu_at_start = time.process_time()

    def on_epoch_end(self, model: Word2Vec) -> None:
        latest, k = self.logger.rows[-1], self.logger.k
        tune.report(
            {
                "epoch": latest["epoch"],
                metric_key("recall", k): latest[metric_label("recall", k)],
                metric_key("mrr", k): latest[metric_label("mrr", k)],
                "cpu_seconds": time.process_time() - self._cpu_at_start,
                "node": ray.get_runtime_context().get_node_id(),
            }
        )


def train_trial(
    config: dict[str, Any],
    train: Sequence[Sequence[str]],
    validation: pd.DataFrame,
    k: int = K,
    workers: int = 1,
) -> None:
    """Ray Tune function trainable: one configuration, reported after every epoch.

    ``train`` and ``validation`` come through the object store (``tune.with_parameters``),
    never re-read from files per trial; ``workers`` matches the trial's CPU share.

    Parameters
    ----------
    config : dict
        The trial's config: Word2Vec settings of :mod:`~prod2vec.tune.space`, ``scoring`` and
        the Word2Vec ``seed``.
    train, validation
        Training sessions and validation pairs (``query``, ``target``).
    k : int
        The cut-off K of the reported metrics.
    workers : int
        Gensim worker threads.

    Raises
    ------
    ConfigurationError
        Settings or a scoring that cannot train (the trial errors before its first epoch).
    """
    configuration = Configuration(word2vec_settings(config), scoring=config["scoring"])
    logger = MetricLogger(validation, k=k, scoring=configuration.scoring)
    train_word2vec(
        train,
        configuration.word2vec,
        callbacks=[logger, TuneReporter(logger)],
        seed=int(config.get("seed", DEFAULT_SEED)),
        workers=workers,
    )
