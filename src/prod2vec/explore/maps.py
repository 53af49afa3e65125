"""A 2-D map of every product vector (UMAP), with clusters named by their descriptions.

UMAP (McInnes et al., 2018) keeps each product's nearest neighbours near it on the page, which
is what a reader wants from a map of embeddings; PCA keeps global variance instead and
squeezes most products into one blob, and t-SNE is slower with less faithful global layout.
The cosine metric matches how the vectors are compared everywhere else.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from umap import UMAP

from prod2vec.explore.descriptions import description_words


def item_map(vectors: np.ndarray, seed: int = 0, n_neighbors: int = 15) -> np.ndarray:
    """2-D UMAP coordinates of ``vectors`` (one row per item), cosine metric, reproducible.

    With a seed UMAP runs single-threaded, so the same machine gives the same map; another
    CPU may move points slightly (floating point), never the neighbourhoods.
    """
    reducer = UMAP(
        n_components=2,
        n_neighbors=n_neighbors,
        min_dist=0.1,
        metric="cosine",
        random_state=seed,
        n_jobs=1,
    )
    return reducer.fit_transform(np.asarray(vectors, dtype=np.float32))


def map_clusters(coordinates: np.ndarray, n_clusters: int = 12, seed: int = 0) -> np.ndarray:
    """k-means regions of the map: a cluster number per item."""
    kmeans = KMeans(n_clusters=n_clusters, n_init=10, random_state=seed)
    return kmeans.fit_predict(coordinates)


def cluster_names(
    descriptions: pd.Series,
    clusters: np.ndarray,
    words: int = 3,
    min_items: int = 4,
    stop_words: Collection[str] = (),
) -> dict[int, str]:
    """Name each cluster by the description words most typical of it.

    A word scores ``p * log(p / q)``, with ``p`` its share of the cluster's items and ``q``
    its share of all items (words in fewer than ``min_items`` of the cluster's items are
    skipped): common in the cluster *and* rarer elsewhere, so a cluster is named by what sets
    it apart ("CHRISTMAS", "LUNCH BAG"), neither by words every cluster has nor by one odd item.

    Parameters
    ----------
    descriptions : pandas.Series
        The label of every item, in the order of ``clusters`` (missing: no words).
    clusters : numpy.ndarray
        The cluster of every item.
    words : int
        Words per name, most typical first.
    min_items : int
        Fewest of a cluster's items a word must describe to name it.
    stop_words : collection of str
        Upper-case words never used in a name
        (:func:`~prod2vec.explore.descriptions.description_words`).

    Returns
    -------
    dict of int to str
        Name by cluster; ``(mixed)`` for a cluster no word qualifies for.
    """
    word_sets = [set(description_words(text, stop_words)) for text in descriptions.fillna("")]
    total = len(word_sets)
    overall = Counter(word for item_words in word_sets for word in item_words)
    names = {}
    for cluster in np.unique(clusters):
        members = np.flatnonzero(clusters == cluster)
        inside = Counter(word for index in members for word in word_sets[index])
        typical = sorted(
            (word for word, count in inside.items() if count >= min_items),
            key=lambda word: (
                -_typicality(inside[word] / len(members), overall[word] / total),
                word,
            ),
        )
        names[int(cluster)] = " ".join(typical[:words]) or "(mixed)"
    return names


def _typicality(share_inside: float, share_overall: float) -> float:
    return share_inside * np.log(share_inside / share_overall)
