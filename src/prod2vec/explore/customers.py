"""Customer vectors (the customer2vec idea): a customer is the average of their products.

Three weightings of a customer's purchases (each item's unit vector):

* ``mean``: every purchase alike, the customer's long-run taste;
* ``idf``: weighted by inverse item frequency, ``log(customers / customers who bought it)``,
  so that the best sellers everyone buys do not make all customers look alike;
* ``recency``: weighted ``0.5 ** (purchases since / half_life)``, so that what a customer
  bought last counts most, which is what their next purchase depends on.

Which is best depends on the use, and is measured, not assumed (:func:`next_item_recall`).
Customers are grouped with k-means on unit vectors, the number of segments chosen by the
silhouette score (:func:`choose_segments`).
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from functools import reduce

import numpy as np
import pandas as pd
import scipy.sparse as sp
from gensim.models import KeyedVectors
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

from prod2vec.data.interactions import ITEM, USER
from prod2vec.evaluation.metrics import per_query_metrics
from prod2vec.models.ranking import ranks_in_rows
from prod2vec.models.word2vec import unit_vectors

WEIGHTINGS = ("mean", "idf", "recency")


def customer_vectors(
    histories: pd.Series, vectors: KeyedVectors, weighting: str = "mean", half_life: float = 5.0
) -> pd.DataFrame:
    """One unit vector per customer: the (weighted) mean of the vectors of their items.

    Parameters
    ----------
    histories : pandas.Series
        Item lists indexed by customer (repeat purchases count again).
    vectors : KeyedVectors
        Item vectors; items without one are skipped.
    weighting : str
        ``mean``, ``idf`` or ``recency`` (see the module's docstring).
    half_life : float
        For ``recency``: after this many later purchases an item counts half.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer, one column per dimension; customers with no known item are left
        out.
    """
    if weighting not in WEIGHTINGS:
        raise ValueError(f"Unknown weighting {weighting!r}; choose one of {WEIGHTINGS}.")
    lengths = histories.map(len).to_numpy()
    flat = pd.Index(vectors.index_to_key).get_indexer(
        np.concatenate([np.asarray(items, dtype=str) for items in histories])
    )
    owners = np.repeat(np.arange(len(histories)), lengths)
    known = flat >= 0
    weights = np.ones(len(flat))
    if weighting == "recency":
        ends = np.repeat(np.cumsum(lengths), lengths)
        purchases_since = ends - 1 - np.arange(len(flat))
        weights = 0.5 ** (purchases_since / half_life)
    counts = sp.csr_matrix(
        (weights[known], (owners[known], flat[known])),
        shape=(len(histories), len(vectors)),
    )
    if weighting == "idf":
        buyers = np.asarray((counts > 0).sum(axis=0)).ravel()
        weights = np.log(len(histories) / np.maximum(buyers, 1))
        counts = counts @ sp.diags(weights)
    totals = counts @ unit_vectors(vectors.vectors)
    has_items = np.asarray(counts.sum(axis=1)).ravel() > 0
    return pd.DataFrame(unit_vectors(totals[has_items]), index=histories.index[has_items])


def next_item_recall(
    customers: pd.DataFrame, targets: pd.Series, vectors: KeyedVectors, k: int = 10
) -> float:
    """Recall@k of each customer's next item, ranked by cosine to the customer's vector."""
    shared = customers.index.intersection(targets.index)
    target_index = pd.Index(vectors.index_to_key).get_indexer(targets.loc[shared].to_numpy())
    scores = customers.loc[shared].to_numpy() @ unit_vectors(vectors.vectors).T
    ranks = np.full(len(shared), np.inf)
    known = target_index >= 0
    excluded = np.full(int(known.sum()), -1)
    ranks[known] = ranks_in_rows(scores[known], target_index[known], excluded, cutoff=k)
    return float(per_query_metrics(ranks, k)[f"Recall@{k}"].mean())


def most_similar_customers(customers: pd.DataFrame, customer: object, k: int = 5) -> pd.Series:
    """The ``k`` customers whose vectors are closest (cosine) to ``customer``'s."""
    similarity = customers.to_numpy() @ customers.loc[customer].to_numpy()
    order = np.argsort(-similarity, kind="stable")
    order = order[customers.index[order] != customer][:k]
    return pd.Series(similarity[order], index=customers.index[order], name="cosine")


def choose_segments(
    customers: pd.DataFrame,
    candidates: Sequence[int] = range(2, 11),
    seed: int = 0,
    sample_size: int = 3000,
) -> tuple[np.ndarray, pd.Series]:
    """k-means segments, with the number of segments that has the best silhouette score.

    Returns
    -------
    tuple of (numpy.ndarray, pandas.Series)
        The segment of every customer (for the chosen k) and the silhouette score of every
        candidate k (on the same random sample of customers).
    """
    points = customers.to_numpy()
    scores, labellings = {}, {}
    for n_segments in candidates:
        labels = KMeans(n_clusters=n_segments, n_init=10, random_state=seed).fit_predict(points)
        labellings[n_segments] = labels
        scores[n_segments] = silhouette_score(
            points, labels, sample_size=min(sample_size, len(points)), random_state=seed
        )
    silhouettes = pd.Series(scores, name="silhouette").rename_axis("segments")
    return labellings[int(silhouettes.idxmax())], silhouettes


def segment_profiles(
    segments: pd.Series,
    interactions: pd.DataFrame,
    labels: pd.Series,
    top: int = 3,
    *,
    spend: Sequence[str] = (),
    mix: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Who is in each segment: size, typical products and, if the data has them, spend and mixes.

    Parameters
    ----------
    segments : pandas.Series
        Segment by customer.
    interactions : pandas.DataFrame
        Interactions with ``user``, ``item`` and the columns ``spend`` and ``mix`` name.
    labels : pandas.Series
        Description by item.
    top : int
        Products, and values of each mix, listed per segment.
    spend : sequence of str
        Columns whose product is what a row cost (units and price per unit, say); none: no
        ``median spend`` column.
    mix : mapping of str to str, optional
        Output column name by interaction column of a customer attribute (a region, say),
        the attribute read from each customer's first row.

    Returns
    -------
    pandas.DataFrame
        One row per segment: ``customers``, ``share``, ``typical products`` (the highest lift:
        share of the segment's customers who bought it over the share of all customers),
        ``median spend`` (with ``spend``; the median over the segment's customers of their
        total) and a column per ``mix`` (its most common values, with shares).
    """
    rows = interactions[interactions[USER].isin(segments.index)].assign(
        segment=lambda frame: frame[USER].map(segments)
    )
    if spend:
        rows = rows.assign(spend=reduce(operator.mul, (rows[column] for column in spend)))
    buyers = rows.drop_duplicates([USER, ITEM])
    overall = buyers.groupby(ITEM).size() / segments.size
    first_rows = rows.drop_duplicates(USER).set_index(USER)
    profiles = []
    for segment, members in segments.groupby(segments):
        bought = buyers[buyers["segment"] == segment]
        share = bought.groupby(ITEM).size() / len(members)
        lift = (share[share >= 0.05] / overall).dropna().sort_values(ascending=False)
        profile = {
            "segment": segment,
            "customers": len(members),
            "share": len(members) / segments.size,
            "typical products": "; ".join(labels.reindex(lift.index[:top]).fillna("?")),
        }
        if spend:
            totals = rows[rows["segment"] == segment].groupby(USER)["spend"].sum()
            profile["median spend"] = float(totals.median())
        for name, column in (mix or {}).items():
            values = first_rows.loc[members.index, column].value_counts(normalize=True).head(top)
            profile[name] = ", ".join(f"{value} {part:.0%}" for value, part in values.items())
        profiles.append(profile)
    return pd.DataFrame(profiles).set_index("segment")
