"""Online Retail rows as the project's interactions, and product descriptions by StockCode."""

from __future__ import annotations

import pandas as pd

from prod2vec.data.interactions import ITEM, TIME, USER, validate_interactions
from prod2vec.errors import InputDataError
from prod2vec.online_retail.source import validate_transactions


def to_interactions(transactions: pd.DataFrame) -> pd.DataFrame:
    """Cleaned Online Retail rows as an interactions frame (:mod:`prod2vec.data.interactions`).

    ``CustomerID`` becomes ``user`` (an integer), ``StockCode`` becomes ``item`` and
    ``InvoiceDate`` becomes ``time``; ``invoice``, ``quantity``, ``unit_price`` and ``country``
    are kept as optional columns. Row order is kept.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Rows in the Online Retail schema, every one with a CustomerID (any cleaning recipe of
        :mod:`prod2vec.online_retail.cleaning` ensures that).
    """
    validate_transactions(transactions)
    if (anonymous := int(transactions["CustomerID"].isna().sum())) > 0:
        raise InputDataError(
            f"{anonymous} rows have no CustomerID, so they belong to no user. Clean the table "
            "first: prod2vec.online_retail.clean_transactions()."
        )
    frame = pd.DataFrame(
        {
            USER: transactions["CustomerID"].astype("int64"),
            ITEM: transactions["StockCode"],
            TIME: transactions["InvoiceDate"],
            "invoice": transactions["InvoiceNo"],
            "quantity": transactions["Quantity"],
            "unit_price": transactions["UnitPrice"],
            "country": transactions["Country"],
        }
    )
    return validate_interactions(frame)


def item_descriptions(transactions: pd.DataFrame) -> pd.Series:
    """The most frequent Description of every StockCode (white space trimmed), by StockCode.

    Some codes carry several descriptions (typos, later renames); the most frequent wins,
    ties going to the first in alphabetical order. Use it as the labels of
    :func:`prod2vec.data.item_labels.describe_items`.
    """
    validate_transactions(transactions)
    described = transactions.dropna(subset=["Description"])
    counts = (
        described.assign(Description=described["Description"].str.strip())
        .groupby(["StockCode", "Description"])
        .size()
        .rename("rows")
        .reset_index()
        .sort_values(["StockCode", "rows", "Description"], ascending=[True, False, True])
    )
    descriptions = counts.drop_duplicates("StockCode").set_index("StockCode")["Description"]
    return descriptions.rename_axis(ITEM).rename("description")
