"""Customer vectors (the customer2vec idea): a customer is the average of their products.

Three weightings of a customer's purchases (each item's unit vector):

* ``mean``: every purchase alike, the customer's long-run taste;
* ``idf``: weighted by inverse item frequency, ``log(customers / customers who bought it)``,
  so that the best sellers everyone buys do not make all customers look alike;
* ``recency``: weighted ``0.5 ** (purchases since / half_life)``, so that what a customer
  bought last counts most, which is what their next purchase depends on.

Which is best depends on the use, and is measured, not assumed (:func:`next_item_metrics`).
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
from prod2vec.defaults import K
from prod2vec.evaluation.metrics import per_query_metrics
from prod2vec.explore.neighbours import bought_matrix
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


def next_item_metrics(
    customers: pd.DataFrame, targets: pd.Series, vectors: KeyedVectors, k: int = K
) -> pd.DataFrame:
    """Per customer, Recall@k and MRR@k of their next item ranked by cosine to their vector.

    Parameters
    ----------
    customers : pandas.DataFrame
        Unit customer vectors indexed by customer (:func:`customer_vectors`).
    targets : pandas.Series
        Each customer's next item, indexed by customer.
    vectors : KeyedVectors
        The item vectors the customer vectors were built from; every item is a candidate
        (nothing is excluded), and an unknown target is a miss.
    k : int
        List length.

    Returns
    -------
    pandas.DataFrame
        Indexed by the customers in both ``customers`` and ``targets``, in ``customers``'
        order; columns ``Recall@k`` and ``MRR@k``.
    """
    shared = customers.index[customers.index.isin(targets.index)]
    target_index = pd.Index(vectors.index_to_key).get_indexer(targets.loc[shared].to_numpy())
    scores = customers.loc[shared].to_numpy() @ unit_vectors(vectors.vectors).T
    ranks = np.full(len(shared), np.inf)
    known = target_index >= 0
    excluded = np.full(int(known.sum()), -1)
    ranks[known] = ranks_in_rows(scores[known], target_index[known], excluded, cutoff=k)
    return pd.DataFrame(per_query_metrics(ranks, k), index=shared)


def centred(customers: pd.DataFrame) -> pd.DataFrame:
    """Customer vectors minus their mean, re-normalised to unit length.

    Every customer's mean vector leans towards the taste all customers share (the best
    sellers), so uncentred vectors are all alike by cosine; centring compares what sets each
    customer apart.
    """
    values = customers.to_numpy()
    return pd.DataFrame(unit_vectors(values - values.mean(axis=0)), index=customers.index)


def look_alike_overlap(
    customers: pd.DataFrame, later: pd.Series, seed: int = 0, batch: int = 1024
) -> pd.DataFrame:
    """How much each customer's later purchases overlap their closest look-alike's, and a
    random other customer's: does looking alike on past purchases predict future ones?

    Parameters
    ----------
    customers : pandas.DataFrame
        Unit customer vectors built from purchases *before* ``later``'s.
    later : pandas.Series
        Each customer's later purchases (item lists), indexed by customer; customers missing
        here, or without later purchases, are left out (as are their look-alikes).
    seed : int
        Seed of the random partners (a random permutation: nobody is their own partner).
    batch : int
        Customers scored at a time (memory grows with ``batch`` x customers).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer: ``look_alike`` (the closest other customer by cosine),
        ``look_alike_overlap`` and ``random_overlap`` (Jaccard overlaps of the sets of later
        purchases).
    """
    later = later[later.map(len) > 0]
    customers = customers[customers.index.isin(later.index)]
    if len(customers) < 2:
        raise ValueError("Look-alikes need at least two customers with later purchases.")
    matrix = customers.to_numpy()
    closest = np.empty(len(matrix), dtype=np.int64)
    for start in range(0, len(matrix), batch):
        similarity = matrix[start : start + batch] @ matrix.T
        rows = np.arange(similarity.shape[0])
        similarity[rows, start + rows] = -np.inf
        closest[start : start + batch] = similarity.argmax(axis=1)
    # each customer's partner is the next one in a random order: nobody is their own
    order = np.random.default_rng(seed).permutation(len(matrix))
    random_partner = np.empty_like(order)
    random_partner[order] = np.roll(order, -1)
    bought, _ = bought_matrix(later.loc[customers.index].tolist())
    return pd.DataFrame(
        {
            "look_alike": customers.index[closest],
            "look_alike_overlap": _jaccard(bought, closest),
            "random_overlap": _jaccard(bought, random_partner),
        },
        index=customers.index,
    )


def _jaccard(bought: sp.csr_matrix, partner: np.ndarray) -> np.ndarray:
    """Jaccard overlap of each row's set with its partner row's."""
    shared = np.asarray(bought.multiply(bought[partner]).sum(axis=1)).ravel()
    sizes = np.asarray(bought.sum(axis=1)).ravel()
    return shared / (sizes + sizes[partner] - shared)


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
