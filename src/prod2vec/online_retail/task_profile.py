"""What the next-item task asks on Online Retail: the invoice lines behind each held-out pair.

A held-out pair is the last two items of a customer's session (:func:`prod2vec.data.sessions.
split_sessions`), so it is two rows of the cleaned table: :func:`pair_rows` finds them, in the
order :func:`prod2vec.data.sessions.sessionize` reads them. :func:`pair_profile` says for every
pair whether query and target are lines of one invoice, and whether the target is a
cancellation line, postage or another non-product code (by the cleaning rules that remove such
rows); :func:`profile_shares` summarises those flags over all pairs and per kind of pair.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from prod2vec.data.interactions import USER
from prod2vec.errors import InputDataError
from prod2vec.online_retail.cleaning import RULES
from prod2vec.online_retail.source import validate_transactions

#: StockCodes of postage lines (``POSTAGE``, ``DOTCOM POSTAGE``)
POSTAGE_CODES = ("POST", "DOT")

#: the flags of :func:`pair_profile` that describe the target, and how a table names them
TARGET_FLAGS = {
    "cancellation_target": "target is a cancellation line",
    "postage_target": "target is postage",
    "non_product_target": "target is not a product",
}


def pair_rows(transactions: pd.DataFrame, pairs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of ``transactions`` that are the query and the target of every held-out pair.

    A customer's session is their rows ordered by InvoiceDate, rows of one time keeping their
    table order (as :func:`prod2vec.data.sessions.sessionize` orders them, one session per
    customer); a pair's query is its second-to-last row and its target its last.

    Parameters
    ----------
    transactions : pandas.DataFrame
        The cleaned Online Retail rows the sessions were made from.
    pairs : pandas.DataFrame
        Held-out pairs with columns ``user``, ``query`` and ``target``
        (:class:`prod2vec.data.sessions.SessionSplit`).

    Returns
    -------
    tuple of (pandas.DataFrame, pandas.DataFrame)
        The query rows and the target rows, in the Online Retail schema, indexed like ``pairs``.

    Raises
    ------
    InputDataError
        A pair whose user has no rows, or whose last two rows are not its query and target:
        the pairs were not split from sessions of these rows.
    """
    validate_transactions(transactions)
    ordered = transactions.sort_values(["CustomerID", "InvoiceDate"], kind="stable")
    last_two = ordered.groupby("CustomerID", sort=False).tail(2)
    customers = pairs[USER].to_numpy()
    query_rows = last_two.drop_duplicates("CustomerID", keep="first").set_index("CustomerID")
    target_rows = last_two.drop_duplicates("CustomerID", keep="last").set_index("CustomerID")
    query_rows = query_rows.reindex(customers).set_index(pairs.index)
    target_rows = target_rows.reindex(customers).set_index(pairs.index)
    matches = (query_rows["StockCode"] == pairs["query"]) & (
        target_rows["StockCode"] == pairs["target"]
    )
    if not matches.all():
        first = pairs[~matches].iloc[0]
        raise InputDataError(
            f"{int((~matches).sum())} of {len(pairs):,} pairs are not the last two rows of "
            f"their customer (first: user {first[USER]}, {first['query']!r} -> "
            f"{first['target']!r}): split the sessions of these same rows."
        )
    return query_rows, target_rows


def pair_profile(transactions: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """For every held-out pair: are query and target one invoice's lines, and what is the target.

    Parameters
    ----------
    transactions : pandas.DataFrame
        The cleaned Online Retail rows the sessions were made from.
    pairs : pandas.DataFrame
        Held-out pairs (``user``, ``query``, ``target``), as :func:`pair_rows` takes them.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``pairs``, boolean columns ``same_invoice`` (query and target share an
        InvoiceNo), ``cancellation_target`` (the target's invoice is a cancellation, as the
        ``cancellations`` cleaning rule finds it), ``postage_target`` (its StockCode is one of
        :data:`POSTAGE_CODES`) and ``non_product_target`` (the ``non_product_codes`` rule would
        remove it: postage, carriage, manual lines, fees).
    """
    query_rows, target_rows = pair_rows(transactions, pairs)
    keeps_cancellation = RULES["cancellations"][1]
    keeps_product = RULES["non_product_codes"][1]
    return pd.DataFrame(
        {
            "same_invoice": query_rows["InvoiceNo"] == target_rows["InvoiceNo"],
            "cancellation_target": ~keeps_cancellation(target_rows).astype(bool),
            "postage_target": target_rows["StockCode"].isin(POSTAGE_CODES),
            "non_product_target": ~keeps_product(target_rows).astype(bool),
        },
        index=pairs.index,
    )


def profile_shares(profile: pd.DataFrame) -> pd.DataFrame:
    """How many pairs lie in one invoice or across two, and the shares of each kind of target.

    Parameters
    ----------
    profile : pandas.DataFrame
        A :func:`pair_profile`.

    Returns
    -------
    pandas.DataFrame
        Rows ``all pairs``, ``same invoice`` and ``across invoices``; columns ``pairs`` (how
        many), ``share of pairs`` and, within the row's pairs, the share of each target flag
        (named as :data:`TARGET_FLAGS` names them).
    """
    groups = {
        "all pairs": np.ones(len(profile), dtype=bool),
        "same invoice": profile["same_invoice"].to_numpy(),
        "across invoices": ~profile["same_invoice"].to_numpy(),
    }
    shares = pd.DataFrame(
        {name: profile.loc[rows, list(TARGET_FLAGS)].mean() for name, rows in groups.items()}
    ).T.rename(columns=TARGET_FLAGS)
    pairs = pd.Series({name: int(rows.sum()) for name, rows in groups.items()})
    shares.insert(0, "share of pairs", pairs / len(profile))
    shares.insert(0, "pairs", pairs)
    return shares.rename_axis("held-out pairs")
