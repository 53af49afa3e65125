"""The map of a run's products and its regions, drawn as notebook 05 draws them, once.

The UMAP layout takes seconds for a few thousand products, so the application computes it at
start-up (:func:`product_map`) and serves the same page fragment to every visitor.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd
from gensim.models import KeyedVectors

from prod2vec.explore.interactive import map_html
from prod2vec.explore.maps import cluster_names, item_map, map_clusters
from prod2vec.explore.plots import region_colours
from prod2vec.models.word2vec.recommender import training_counts
from prod2vec.serving import NO_LABEL

#: regions of the map (notebook 05's), and the most bought products listed for each
REGIONS = 12
MOST_BOUGHT = 3
#: UMAP's spectral layout needs more products than this; fewer are drawn on a circle
FEWEST_FOR_UMAP = 4


@dataclass(frozen=True)
class Region:
    """One region of the map: its name, colour, size and best sellers."""

    name: str
    colour: str
    products: int
    most_bought: tuple[str, ...]


@dataclass(frozen=True)
class ProductMap:
    """The map as an HTML fragment to hover, its regions, largest first, and its points.

    ``points`` holds ``(item id, description)`` of every circle of ``html``, in the order they
    are drawn: the page reads a clicked point's id here, not from its tooltip (an id may hold
    spaces).
    """

    html: str
    regions: tuple[Region, ...]
    points: tuple[tuple[str, str], ...]


def product_map(
    vectors: KeyedVectors, labels: pd.Series, stop_words: Collection[str] = (), seed: int = 0
) -> ProductMap:
    """The products' UMAP map, its k-means regions named by their descriptions, and a summary.

    Parameters
    ----------
    vectors : gensim.models.KeyedVectors
        The run's Word2Vec vectors, with their training counts (the points' sizes).
    labels : pandas.Series
        Description by item id (products without one are shown by their id).
    stop_words : collection of str
        Upper-case words never used in a region's name
        (:func:`~prod2vec.explore.maps.cluster_names`).
    seed : int
        Seed of UMAP and k-means: the same run gives the same map on the same machine.

    Returns
    -------
    ProductMap
        The fragment of :func:`~prod2vec.explore.interactive.map_html` and every region.
    """
    items = list(vectors.index_to_key)
    given = labels.reindex(items)
    # the pipeline writes "?" for a product without a label: it is shown by its id
    descriptions = given.mask(given == NO_LABEL)
    # a run without labels has its ids as labels: a tooltip shows the id once
    tooltips = descriptions.mask(descriptions == pd.Series(items, index=items))
    purchases = training_counts(vectors)
    if len(items) >= FEWEST_FOR_UMAP:
        coordinates = item_map(vectors.vectors, seed=seed)
    else:  # UMAP fails on 2 or 3 points: they are equally far apart on a circle
        angles = 2 * np.pi * np.arange(len(items)) / len(items)
        coordinates = np.column_stack([np.cos(angles), np.sin(angles)])
    regions = map_clusters(coordinates, n_clusters=min(REGIONS, len(items)), seed=seed)
    names = cluster_names(descriptions, regions, stop_words=stop_words)
    colours = region_colours(names)
    shown = descriptions.fillna(pd.Series(items, index=items)).to_numpy()
    summaries = []
    for region, name in names.items():
        members = np.flatnonzero(regions == region)
        best_sellers = members[np.argsort(-purchases[members], kind="stable")[:MOST_BOUGHT]]
        summaries.append(
            Region(name, colours[region], len(members), tuple(shown[best_sellers].tolist()))
        )
    summaries.sort(key=lambda summary: -summary.products)
    html = map_html(coordinates, items, tooltips.tolist(), regions, names, purchases)
    # map_html draws the points region by region, in the order of the regions' numbers
    shown_descriptions = given.fillna(NO_LABEL).astype(str).tolist()
    points = tuple(
        (items[index], shown_descriptions[index])
        for region in sorted(names)
        for index in np.flatnonzero(regions == region)
    )
    return ProductMap(html, tuple(summaries), points)
