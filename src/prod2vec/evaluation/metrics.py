"""Ranking metrics for next-item prediction with one target per query, computed batch-wise.

Every model in the project returns a top-K matrix of item ids, one row per query, padded with
:data:`PAD` where it has fewer than K items to offer (for example when the query item is unknown
to it). A query whose target is not in its row is a miss and stays in the denominator.

With one relevant item per query, Recall@K equals HitRate@K: the share of queries whose target
is among the K recommendations. MRR@K is the mean of 1/rank of the target, 0 for a miss.

Whether the query item itself may be recommended is decided when the top-K lists are made
(``exclude_query`` of :meth:`prod2vec.models.recommender.Recommender.recommend`), not here. Gensim's
``most_similar`` never returns the query word, and the original tutorial's numbers use that
convention, so the project excludes the query by default. On this data it matters: a customer
buying the same item twice in a row is common, so allowing the query raises every model's score.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Filler for top-K rows with fewer than K items; never equal to an item id.
PAD = ""

#: the metrics every model is scored by, as their names are displayed
METRICS = ("Recall", "MRR")


def metric_label(metric: str, k: int) -> str:
    """A metric as tables show it: ``metric_label("recall", 10)`` is ``"Recall@10"``."""
    return f"{_canonical(metric)}@{k}"


def metric_key(metric: str, k: int, prefix: str = "") -> str:
    """A metric as files and Ray name it: ``recall_at_10``; ``best_recall_at_10`` with a prefix."""
    key = f"{_canonical(metric).lower()}_at_{k}"
    return f"{prefix}_{key}" if prefix else key


def _canonical(metric: str) -> str:
    for name in METRICS:
        if metric.lower() == name.lower():
            return name
    raise ValueError(f"Unknown metric {metric!r}; the project measures {METRICS}.")


def target_ranks_in_lists(recommendations: np.ndarray, targets: Sequence[str]) -> np.ndarray:
    """Per query, the 1-based position of its target in its list; ``inf`` where it is absent.

    Parameters
    ----------
    recommendations : numpy.ndarray
        ``(n_queries, m)`` item ids, one ranked list per query, padded with :data:`PAD`.
    targets : sequence of str
        One target per query.
    """
    recommendations = np.asarray(recommendations)
    targets = np.asarray(targets)
    if recommendations.ndim != 2:
        raise ValueError(
            f"recommendations must be a 2-D (queries x ranks) array, got shape "
            f"{recommendations.shape}."
        )
    if len(targets) == 0 or recommendations.shape[0] == 0:
        raise ValueError("No queries to evaluate: recommendations and targets are empty.")
    if recommendations.shape[0] != len(targets):
        raise ValueError(
            f"{recommendations.shape[0]} rows of recommendations for {len(targets)} targets; "
            "give one row per target."
        )
    hits = (recommendations == targets[:, None]) & (recommendations != PAD)
    return np.where(hits.any(axis=1), hits.argmax(axis=1) + 1.0, np.inf)


def reciprocal_ranks(ranks: np.ndarray, k: int) -> np.ndarray:
    """Per query 1/rank where the 1-based ``rank <= k``, else 0.0 (``inf`` ranks are misses)."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}.")
    ranks = np.asarray(ranks, dtype=np.float64)
    if ranks.size == 0:
        raise ValueError("No queries to evaluate: ranks are empty.")
    return np.where(ranks <= k, 1.0 / ranks, 0.0)


def per_query_metrics(ranks: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """``Recall@k`` (hit: 1.0 or 0.0) and ``MRR@k`` (1/rank, 0.0 for a miss) per query.

    Parameters
    ----------
    ranks : numpy.ndarray
        1-based rank of each query's target (``inf``: never ranked), from
        :func:`target_ranks_in_lists` or
        :meth:`prod2vec.models.recommender.Recommender.target_ranks`.
    k : int
        The cut-off K.
    """
    reciprocal = reciprocal_ranks(ranks, k)
    return {f"Recall@{k}": (reciprocal > 0).astype(np.float64), f"MRR@{k}": reciprocal}


def recall_at_k(recommendations: np.ndarray, targets: Sequence[str], k: int = 10) -> float:
    """Share of queries whose target is among the first ``k`` recommendations."""
    ranks = target_ranks_in_lists(recommendations, targets)
    return float(per_query_metrics(ranks, k)[f"Recall@{k}"].mean())


def mrr_at_k(recommendations: np.ndarray, targets: Sequence[str], k: int = 10) -> float:
    """Mean reciprocal rank of the target within the first ``k`` recommendations."""
    return float(reciprocal_ranks(target_ranks_in_lists(recommendations, targets), k).mean())
