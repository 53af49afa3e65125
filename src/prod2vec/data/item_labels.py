"""Human-readable labels for item ids, so that recommendations can be read."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd


def describe_items(items: Sequence[str], labels: pd.Series) -> pd.DataFrame:
    """A table of item ids and their labels ('?' where unknown), in the given order.

    Parameters
    ----------
    items : sequence of str
        Item ids, for example one row of :meth:`prod2vec.models.recommender.Recommender.recommend`.
    labels : pandas.Series
        Label by item id, for example :func:`prod2vec.online_retail.item_descriptions`.
    """
    items = list(items)
    return pd.DataFrame(
        {"item": items, "description": labels.reindex(items).fillna("?").to_numpy()}
    )
