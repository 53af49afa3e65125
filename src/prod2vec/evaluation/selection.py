"""Model selection on the validation pairs: never on the test pairs.

:func:`select_by_validation` picks the best of several fitted candidates; :func:`fit_baselines`
uses it to choose the window of each windowed baseline.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from prod2vec.data.integer_sessions import EncodedSessions, encode_sessions
from prod2vec.defaults import K
from prod2vec.evaluation.metrics import metric_label
from prod2vec.evaluation.results import pair_metrics, summarise_pair_metrics
from prod2vec.models.baselines import AssociationRules, CoOccurrence, MostPopular, SequentialRules
from prod2vec.models.recommender import Recommender

#: windows tried for the windowed baselines; the best on the validation pairs is kept
WINDOWS = (1, 2, 3, 5, 10, 20)


def select_by_validation(
    candidates: Iterable[Recommender],
    validation: pd.DataFrame,
    k: int = K,
    say: Callable[[str], None] | None = None,
) -> tuple[Recommender, pd.DataFrame]:
    """The fitted candidate with the best validation Recall@k (ties: MRR@k, then first listed).

    Candidates are scored one at a time and only the best so far is kept, so a generator that
    fits each candidate when asked holds at most two fitted models at once.

    Parameters
    ----------
    candidates : iterable of Recommender
        Fitted models with distinct names.
    validation : pandas.DataFrame
        The validation pairs (``query``, ``target``).
    k : int
        The cut-off K.
    say : callable, optional
        Told one line per candidate as it is scored (its validation Recall@k and seconds).

    Returns
    -------
    tuple of (Recommender, pandas.DataFrame)
        The chosen model, and the validation results of every candidate (tidy, as
        :func:`prod2vec.evaluation.results.results_table`).
    """
    recall, mrr = metric_label("recall", k), metric_label("mrr", k)
    per_model: dict[str, pd.DataFrame] = {}
    best: tuple[tuple[float, float, int], Recommender] | None = None
    started = time.perf_counter()
    for position, model in enumerate(candidates):
        metrics = pair_metrics(model, validation, k=k)
        per_model[model.name] = metrics
        rank_key = (-metrics[recall].mean(), -metrics[mrr].mean(), position)
        if best is None or rank_key < best[0]:
            best = (rank_key, model)
        if say is not None:
            seconds, started = time.perf_counter() - started, time.perf_counter()
            say(f"{model.name}: validation {recall} {-rank_key[0]:.3f} ({seconds:.1f} s)")
    if best is None:
        raise ValueError("No candidates to select from.")
    return best[1], summarise_pair_metrics(per_model)


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
    say: Callable[[str], None] | None = None,
) -> BaselineSuite:
    """Fit every baseline; pick the window of the windowed ones on the validation pairs.

    The training sessions are checked and encoded once, and every model is counted from that
    one encoding; the counts of each family are summed once up to its largest window
    (:meth:`~prod2vec.models.baselines.Windowed.fit_windows`).

    Parameters
    ----------
    train : sequence of sequences of str, or EncodedSessions
        The training sessions, or their :func:`~prod2vec.data.integer_sessions.encode_sessions`.
    validation : pandas.DataFrame
        The validation pairs.
    windows : sequence of int
        Windows tried for :class:`~prod2vec.models.baselines.CoOccurrence` and
        :class:`~prod2vec.models.baselines.SequentialRules`, in ascending order (ties in
        validation go to the smaller window).
    k : int
        The cut-off K of the validation metrics.
    say : callable, optional
        Told one line of progress per model counted and per window scored, for example
        :meth:`prod2vec.progress.Stages.step`.

    Returns
    -------
    BaselineSuite
        MostPopular, AssociationRules and the chosen windowed models, with the window sweep.
    """
    tell = say or (lambda text: None)
    encoded = train if isinstance(train, EncodedSessions) else encode_sessions(train)
    tell(f"{encoded.n_items:,} items, {len(encoded.tokens):,} training tokens")
    sweeps = []
    models: list[Recommender] = []
    for model in (MostPopular(), AssociationRules()):
        started = time.perf_counter()
        models.append(model.fit_encoded(encoded))
        tell(f"{model.name}: counted ({time.perf_counter() - started:.1f} s)")
    for windowed in (CoOccurrence, SequentialRules):
        tell(f"{windowed.__name__}: windows {', '.join(map(str, sorted(set(windows))))}")
        best, sweep = select_by_validation(
            windowed.fit_windows(encoded, windows), validation, k=k, say=say
        )
        tell(f"{windowed.__name__}: chose {best.name}")
        models.append(best)
        sweeps.append(sweep.assign(family=windowed.__name__))
    return BaselineSuite(models, pd.concat(sweeps, ignore_index=True))


@dataclass(frozen=True)
class ServedModelChoice:
    """Which model to serve, chosen on the validation pairs, and the best counting model.

    ``validation`` has one row per model (``model``, Recall@K, MRR@K), best first.
    """

    served: Recommender
    best_baseline: Recommender
    word2vec: Recommender
    validation: pd.DataFrame

    @property
    def word2vec_wins(self) -> bool:
        return self.served is self.word2vec


def choose_served_model(
    word2vec: Recommender,
    baselines: Sequence[Recommender],
    validation: pd.DataFrame,
    k: int = K,
) -> ServedModelChoice:
    """Serve the model with the best validation Recall@K: Word2Vec or a counting model.

    Ties in Recall@K go to the better MRR@K, then to the counting model (simpler to serve and
    to explain). The test pairs play no part.

    Parameters
    ----------
    word2vec : Recommender
        The trained Word2Vec recommender.
    baselines : sequence of Recommender
        The fitted counting models (windows already chosen on validation).
    validation : pandas.DataFrame
        The validation pairs.
    k : int
        The cut-off K.
    """
    recall, mrr = metric_label("recall", k), metric_label("mrr", k)
    models = [*baselines, word2vec]
    rows = []
    for position, model in enumerate(models):
        metrics = pair_metrics(model, validation, k=k)
        rows.append(
            {"model": model.name, recall: metrics[recall].mean(), mrr: metrics[mrr].mean(),
             "position": position}
        )  # fmt: skip
    table = pd.DataFrame(rows).sort_values(
        [recall, mrr, "position"], ascending=[False, False, True], kind="stable"
    )
    served = models[int(table["position"].iloc[0])]
    best_baseline = models[int(table.loc[table["position"] < len(baselines), "position"].iloc[0])]
    return ServedModelChoice(
        served=served,
        best_baseline=best_baseline,
        word2vec=word2vec,
        validation=table.drop(columns="position").reset_index(drop=True),
    )
