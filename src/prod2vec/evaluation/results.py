"""Evaluate any recommender on (query, target) pairs, with bootstrap confidence intervals.

The intervals come from :mod:`prod2vec.evaluation.bootstrap`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import pandas as pd

from prod2vec.defaults import K
from prod2vec.evaluation.bootstrap import N_RESAMPLES, bootstrap_ci, paired_difference_interval
from prod2vec.evaluation.metrics import per_query_metrics, target_ranks_in_lists
from prod2vec.models.recommender import Recommender


def pair_metrics(
    model: Recommender, pairs: pd.DataFrame, k: int = K, exclude_query: bool = True
) -> pd.DataFrame:
    """Per (query, target) pair: ``Recall@k`` (hit, 0 or 1) and ``MRR@k`` (1/rank, 0 if missed).

    The metrics come from the model's top-``k`` lists (:meth:`Recommender.recommend`).
    """
    recommendations = model.recommend(pairs["query"], k=k, exclude_query=exclude_query)
    ranks = target_ranks_in_lists(recommendations, pairs["target"])
    return pd.DataFrame(per_query_metrics(ranks, k))


def results_table(
    models: Iterable[Recommender],
    pairs: pd.DataFrame,
    k: int = K,
    exclude_query: bool = True,
    n_resamples: int = N_RESAMPLES,
    seed: int = 0,
    say: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Tidy table: one row per (model, metric) with the value and its 95% bootstrap interval.

    Every model is resampled with the same bootstrap indices (same ``seed``), so intervals of
    different models are computed on the same resampled test sets.

    Parameters
    ----------
    models : iterable of Recommender
        Fitted models.
    pairs : pandas.DataFrame
        ``query`` and ``target`` columns.
    k : int
        The cut-off K of Recall@K and MRR@K.
    exclude_query : bool
        Never recommend the query item itself.
    n_resamples, seed : int
        Bootstrap resamples and their seed.
    say : callable, optional
        Told one line per model as it is evaluated (with its seconds), for example
        :meth:`prod2vec.progress.Stages.step`.

    Returns
    -------
    pandas.DataFrame
        Columns ``model``, ``metric``, ``value``, ``ci_low``, ``ci_high``.
    """
    per_model = pair_metrics_by_model(models, pairs, k=k, exclude_query=exclude_query, say=say)
    return summarise_pair_metrics(per_model, n_resamples=n_resamples, seed=seed)


def pair_metrics_by_model(
    models: Iterable[Recommender],
    pairs: pd.DataFrame,
    k: int = K,
    exclude_query: bool = True,
    say: Callable[[str], None] | None = None,
) -> dict[str, pd.DataFrame]:
    """Each model's :func:`pair_metrics` on the same pairs, by model name.

    Parameters
    ----------
    models : iterable of Recommender
        Fitted models.
    pairs : pandas.DataFrame
        ``query`` and ``target`` columns.
    k : int
        The cut-off K of Recall@K and MRR@K.
    exclude_query : bool
        Never recommend the query item itself.
    say : callable, optional
        Told one line per model as it is evaluated (with its seconds).

    Returns
    -------
    dict of str to pandas.DataFrame
        Per model name, one column per metric and one row per pair, in the order of ``pairs``.
    """
    per_model = {}
    for model in models:
        started = time.perf_counter()
        per_model[model.name] = pair_metrics(model, pairs, k=k, exclude_query=exclude_query)
        if say is not None:
            say(f"{model.name}: evaluated ({time.perf_counter() - started:.1f} s)")
    return per_model


def paired_differences(
    ours: pd.DataFrame, theirs: pd.DataFrame, n_resamples: int = N_RESAMPLES, seed: int = 0
) -> dict[str, tuple[float, float, float]]:
    """Per metric, ``ours`` minus ``theirs`` on the same pairs, with its paired interval.

    Parameters
    ----------
    ours, theirs : pandas.DataFrame
        Two models' per-pair metrics on the same pairs in the same order (:func:`pair_metrics`).
    n_resamples, seed : int
        Bootstrap resamples and their seed.

    Returns
    -------
    dict of str to tuple of (float, float, float)
        Per metric (column): the mean difference and its 95% paired bootstrap interval (both
        models scored on the same resampled pairs,
        :func:`~prod2vec.evaluation.bootstrap.paired_difference_interval`).
    """
    if len(ours) != len(theirs):
        raise ValueError(f"{len(ours)} pairs against {len(theirs)}: not the same pairs.")
    return {
        metric: paired_difference_interval(
            [ours[metric].to_numpy() - theirs[metric].to_numpy()], n_resamples, seed=seed
        )
        for metric in ours.columns
    }


def summarise_pair_metrics(
    per_model: dict[str, pd.DataFrame], n_resamples: int = N_RESAMPLES, seed: int = 0
) -> pd.DataFrame:
    """The tidy results table of per-pair metrics already computed (or read from a file).

    Every model is resampled with the same bootstrap indices (same ``seed``), so a model whose
    per-pair metrics come from a file joins a :func:`results_table` on equal terms.

    Parameters
    ----------
    per_model : dict of str to pandas.DataFrame
        Per model name, one column per metric and one row per pair (as :func:`pair_metrics`).
    n_resamples, seed : int
        Bootstrap resamples and their seed (:func:`prod2vec.evaluation.bootstrap.bootstrap_ci`).

    Returns
    -------
    pandas.DataFrame
        Columns ``model``, ``metric``, ``value``, ``ci_low``, ``ci_high``.
    """
    rows = []
    for name, metrics in per_model.items():
        for metric in metrics.columns:
            low, high = bootstrap_ci(metrics[metric].to_numpy(), n_resamples, seed=seed)
            rows.append((name, metric, metrics[metric].mean(), low, high))
    return pd.DataFrame(rows, columns=["model", "metric", "value", "ci_low", "ci_high"])


def wide_table(results: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    """One row per model, 'value [low, high]' per metric: the tidy table for reading."""
    text = results.assign(
        cell=lambda table: table.apply(
            lambda row: (
                f"{row.value:.{digits}f} [{row.ci_low:.{digits}f}, {row.ci_high:.{digits}f}]"
            ),
            axis=1,
        )
    )
    return text.pivot(index="model", columns="metric", values="cell").loc[
        results["model"].unique(), results["metric"].unique()
    ]


def markdown_table(frame: pd.DataFrame) -> str:
    """``frame`` as a GitHub Markdown table (every cell as text)."""
    rows = [list(map(str, frame.columns)), *frame.astype(str).to_numpy().tolist()]
    lines = ["| " + " | ".join(row) + " |" for row in rows]
    lines.insert(1, "|" + " --- |" * len(frame.columns))
    return "\n".join(lines)


def random_guess_recall(n_items: int, k: int = K, exclude_query: bool = True) -> float:
    """Expected Recall@k of k items drawn uniformly at random from the catalogue."""
    candidates = n_items - 1 if exclude_query else n_items
    return min(k, candidates) / candidates
