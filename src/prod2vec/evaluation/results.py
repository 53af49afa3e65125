"""Evaluate any recommender on (query, target) pairs, with bootstrap confidence intervals."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from prod2vec.evaluation.metrics import per_query_metrics, target_ranks_in_lists
from prod2vec.models.recommender import Recommender


def pair_metrics(
    model: Recommender, pairs: pd.DataFrame, k: int = 10, exclude_query: bool = True
) -> pd.DataFrame:
    """Per (query, target) pair: ``Recall@k`` (hit, 0 or 1) and ``MRR@k`` (1/rank, 0 if missed).

    The metrics come from the model's top-``k`` lists (:meth:`Recommender.recommend`).
    """
    recommendations = model.recommend(pairs["query"], k=k, exclude_query=exclude_query)
    ranks = target_ranks_in_lists(recommendations, pairs["target"])
    return pd.DataFrame(per_query_metrics(ranks, k))


def bootstrap_ci(
    values: np.ndarray, n_resamples: int = 2000, level: float = 0.95, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``values`` (resampling the queries)."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        raise ValueError("Cannot bootstrap an empty sample.")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}.")
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, len(values), size=(n_resamples, len(values)))].mean(axis=1)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def results_table(
    models: Iterable[Recommender],
    pairs: pd.DataFrame,
    k: int = 10,
    exclude_query: bool = True,
    n_resamples: int = 2000,
    seed: int = 0,
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

    Returns
    -------
    pandas.DataFrame
        Columns ``model``, ``metric``, ``value``, ``ci_low``, ``ci_high``.
    """
    per_model = {
        model.name: pair_metrics(model, pairs, k=k, exclude_query=exclude_query) for model in models
    }
    return summarise_pair_metrics(per_model, n_resamples=n_resamples, seed=seed)


def summarise_pair_metrics(
    per_model: dict[str, pd.DataFrame], n_resamples: int = 2000, seed: int = 0
) -> pd.DataFrame:
    """The tidy results table of per-pair metrics already computed (or read from a file).

    Every model is resampled with the same bootstrap indices (same ``seed``), so a model whose
    per-pair metrics come from a file joins a :func:`results_table` on equal terms.
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


def random_guess_recall(n_items: int, k: int = 10, exclude_query: bool = True) -> float:
    """Expected Recall@k of k items drawn uniformly at random from the catalogue."""
    candidates = n_items - 1 if exclude_query else n_items
    return min(k, candidates) / candidates
