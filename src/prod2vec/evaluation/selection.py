"""Model selection on the validation pairs: never on the test pairs.

:func:`select_by_validation` picks the best of several fitted candidates; :func:`fit_baselines`
uses it to choose the window of each windowed baseline.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from prod2vec.data.integer_sessions import EncodedSessions, encode_sessions
from prod2vec.defaults import K
from prod2vec.evaluation.metrics import metric_label
from prod2vec.evaluation.results import results_table
from prod2vec.models.baselines import AssociationRules, CoOccurrence, MostPopular, SequentialRules
from prod2vec.models.recommender import Recommender

#: windows tried for the windowed baselines; the best on the validation pairs is kept
WINDOWS = (1, 2, 3, 5, 10, 20)


def select_by_validation(
    candidates: Iterable[Recommender], validation: pd.DataFrame, k: int = K
) -> tuple[Recommender, pd.DataFrame]:
    """The fitted candidate with the best validation Recall@k (ties: MRR@k, then first listed).

    Parameters
    ----------
    candidates : iterable of Recommender
        Fitted models with distinct names.
    validation : pandas.DataFrame
        The validation pairs (``query``, ``target``).
    k : int
        The cut-off K.

    Returns
    -------
    tuple of (Recommender, pandas.DataFrame)
        The chosen model, and the validation results of every candidate (tidy, as
        :func:`prod2vec.evaluation.results.results_table`).
    """
    candidates = list(candidates)
    if not candidates:
        raise ValueError("No candidates to select from.")
    table = results_table(candidates, validation, k=k)
    wide = table.pivot(index="model", columns="metric", values="value")
    recall, mrr = wide[metric_label("recall", k)], wide[metric_label("mrr", k)]
    ranking = [
        (-recall[model.name], -mrr[model.name], position)
        for position, model in enumerate(candidates)
    ]
    return candidates[min(ranking)[2]], table


@dataclass(frozen=True)
class BaselineSuite:
    """The fitted baselines, and the validation results that chose their windows."""

    models: list[Recommender]
    window_sweep: pd.DataFrame


def fit_baselines(
    train: Sequence[Sequence[str]] | EncodedSessions,
    validation: pd.DataFrame,
    windows: Sequence[int] = WINDOWS,
    k: int = K,
) -> BaselineSuite:
    """Fit every baseline; pick the window of the windowed ones on the validation pairs.

    The training sessions are checked and encoded once, and every model is counted from that
    one encoding.

    Parameters
    ----------
    train : sequence of sequences of str, or EncodedSessions
        The training sessions, or their :func:`~prod2vec.data.integer_sessions.encode_sessions`.
    validation : pandas.DataFrame
        The validation pairs.
    windows : sequence of int
        Windows tried for :class:`~prod2vec.models.baselines.CoOccurrence` and
        :class:`~prod2vec.models.baselines.SequentialRules`.
    k : int
        The cut-off K of the validation metrics.

    Returns
    -------
    BaselineSuite
        MostPopular, AssociationRules and the chosen windowed models, with the window sweep.
    """
    encoded = train if isinstance(train, EncodedSessions) else encode_sessions(train)
    sweeps = []
    models: list[Recommender] = [
        MostPopular().fit_encoded(encoded),
        AssociationRules().fit_encoded(encoded),
    ]
    for windowed in (CoOccurrence, SequentialRules):
        best, sweep = select_by_validation(
            (windowed(window).fit_encoded(encoded) for window in windows), validation, k=k
        )
        models.append(best)
        sweeps.append(sweep.assign(family=windowed.__name__))
    return BaselineSuite(models, pd.concat(sweeps, ignore_index=True))
