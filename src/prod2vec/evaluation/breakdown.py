"""Where a model wins: metrics by how often the query item was bought, and catalogue coverage.

A single Recall@10 averages over queries of every kind. Embeddings are expected to help most
where counts are thin (rare query items, which co-occurred with few others) and to spread
recommendations over more of the catalogue; this module measures both, with paired bootstrap
intervals against a reference model scored on the same pairs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from prod2vec.defaults import K
from prod2vec.evaluation.bootstrap import N_RESAMPLES, bootstrap_ci, paired_difference_interval
from prod2vec.evaluation.metrics import PAD
from prod2vec.models.recommender import Recommender

#: lower edges of the query-frequency bands: training occurrences of the query item
BAND_EDGES = (1, 10, 50, 200)
UNSEEN = "not in training"


def frequency_bands(
    queries: Sequence[str], train_counts: pd.Series, edges: Sequence[int] = BAND_EDGES
) -> pd.Series:
    """Each query's band of training frequency, as an ordered categorical.

    Parameters
    ----------
    queries : sequence of str
        Query item ids.
    train_counts : pandas.Series
        Training occurrences by item id.
    edges : sequence of int
        Rising lower edges of the bands (the first is 1); the last band is open.

    Returns
    -------
    pandas.Series
        Labels such as ``"1-9"``, ``"10-49"`` or ``"200+"`` (and :data:`UNSEEN` for items not
        in training), one per query, in the order of ``queries``.
    """
    edges = list(edges)
    if edges[0] != 1 or any(low >= high for low, high in zip(edges, edges[1:], strict=False)):
        raise ValueError(f"edges must rise from 1, got {edges}.")
    labels = [f"{low}-{high - 1}" for low, high in zip(edges, edges[1:], strict=False)]
    labels.append(f"{edges[-1]}+")
    counts = pd.Series(queries).map(train_counts).fillna(0).to_numpy()
    band = np.searchsorted(edges, counts, side="right") - 1
    named = np.where(band >= 0, np.asarray(labels, dtype=object)[np.maximum(band, 0)], UNSEEN)
    return pd.Series(pd.Categorical(named, categories=[UNSEEN, *labels], ordered=True))


def metrics_by_band(
    per_model: Mapping[str, pd.DataFrame],
    bands: pd.Series,
    reference: str,
    n_resamples: int = N_RESAMPLES,
    seed: int = 0,
) -> pd.DataFrame:
    """Every model's metrics within each band, and its paired difference from ``reference``.

    Parameters
    ----------
    per_model : mapping of str to pandas.DataFrame
        Per model name, per-pair metrics on the same pairs
        (:func:`~prod2vec.evaluation.results.pair_metrics_by_model`).
    bands : pandas.Series
        The band of each pair (:func:`frequency_bands`), in the same order.
    reference : str
        The model the others are compared with, pair by pair.
    n_resamples, seed : int
        Bootstrap resamples and their seed.

    Returns
    -------
    pandas.DataFrame
        One row per (band, model, metric) of the bands that hold pairs (``band`` ordered as
        the bands are): ``pairs``, ``value``,
        ``ci_low``, ``ci_high``, and ``difference``, ``difference_low``, ``difference_high``
        (the model minus ``reference``; 0 for the reference itself).
    """
    if reference not in per_model:
        raise ValueError(f"reference {reference!r} is not one of {sorted(per_model)}.")
    rows = []
    codes = bands.to_numpy()
    for band in bands.cat.categories:
        in_band = codes == band
        if not in_band.any():
            continue
        theirs = per_model[reference][in_band]
        for name, metrics in per_model.items():
            ours = metrics[in_band]
            for metric in metrics.columns:
                values = ours[metric].to_numpy()
                low, high = bootstrap_ci(values, n_resamples, seed=seed)
                difference, difference_low, difference_high = paired_difference_interval(
                    [values - theirs[metric].to_numpy()], n_resamples, seed=seed
                )
                rows.append(
                    {
                        "band": band,
                        "model": name,
                        "metric": metric,
                        "pairs": int(in_band.sum()),
                        "value": values.mean(),
                        "ci_low": low,
                        "ci_high": high,
                        "difference": difference,
                        "difference_low": difference_low,
                        "difference_high": difference_high,
                    }
                )
    table = pd.DataFrame(rows)
    present = [band for band in bands.cat.categories if band in set(table["band"])]
    return table.assign(band=pd.Categorical(table["band"], categories=present, ordered=True))


def catalogue_coverage(model: Recommender, queries: Sequence[str], k: int = K) -> float:
    """The share of the model's catalogue that appears in at least one top-``k`` list.

    Parameters
    ----------
    model : Recommender
        A fitted model.
    queries : sequence of str
        The queries whose lists are pooled (each distinct query once).
    k : int
        List length.

    Returns
    -------
    float
        Distinct recommended items over catalogue items.
    """
    lists = model.recommend(pd.unique(np.asarray(queries, dtype=str)), k=k)
    recommended = np.unique(lists[lists != PAD])
    return len(recommended) / len(model.items_)
