"""Human-readable names for StockCodes, so that recommendations can be read."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from prod2vec.data import validate_transactions


def item_descriptions(frame: pd.DataFrame) -> pd.Series:
    """The most frequent Description of every StockCode (white space trimmed), by StockCode.

    Some codes carry several descriptions (typos, later renames); the most frequent wins,
    ties going to the first in alphabetical order.
    """
    validate_transactions(frame)
    described = frame.dropna(subset=["Description"])
    counts = (
        described.assign(Description=described["Description"].str.strip())
        .groupby(["StockCode", "Description"])
        .size()
        .rename("rows")
        .reset_index()
        .sort_values(["StockCode", "rows", "Description"], ascending=[True, False, True])
    )
    return counts.drop_duplicates("StockCode").set_index("StockCode")["Description"]


def describe_items(items: Sequence[str], descriptions: pd.Series) -> pd.DataFrame:
    """A table of item ids with their descriptions ('?' for unknown ids), in the given order."""
    return pd.DataFrame(
        {"StockCode": list(items), "Description": descriptions.reindex(list(items)).fillna("?")}
    ).reset_index(drop=True)
