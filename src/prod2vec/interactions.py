"""The one data boundary: interactions in a canonical frame, validated once where data enters.

Every source of data (the Online Retail adapter, :mod:`prod2vec.online_retail`; readers of other
tables later) turns its own table into an *interactions* frame, one row per event:

==========  =========================================================================
``user``    who: an id with no missing values (integers or strings)
``item``    what: a non-empty string, the one item-id type of the whole project
``time``    optional, ``datetime64``: when; a user's events are ordered by it
==========  =========================================================================

plus any optional columns a source wants to keep (quantity, price, country, ...). Sessions,
models and evaluation only ever see these names (:data:`USER`, :data:`ITEM`, :data:`TIME`),
never a source's own column names.
"""

from __future__ import annotations

import pandas as pd

USER = "user"
ITEM = "item"
TIME = "time"


class InteractionsError(ValueError):
    """A table is not a valid interactions frame."""


def validate_interactions(frame: pd.DataFrame) -> pd.DataFrame:
    """Check that ``frame`` is an interactions frame; return it unchanged if it is.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per event with columns ``user``, ``item`` and optionally ``time``.

    Returns
    -------
    pandas.DataFrame
        ``frame`` itself.

    Raises
    ------
    InteractionsError
        Naming every problem found and how to fix it.
    """
    if not isinstance(frame, pd.DataFrame):
        raise InteractionsError(f"Expected a pandas DataFrame, got {type(frame).__name__}.")
    problems: list[str] = []
    missing = [column for column in (USER, ITEM) if column not in frame.columns]
    if missing:
        problems.append(f"missing columns {missing} (have {list(frame.columns)})")
    if frame.empty:
        problems.append("no rows")
    for column in (USER, ITEM):
        if column in frame.columns and (absent := int(frame[column].isna().sum())):
            problems.append(f"{absent} rows without a {column}")
    if ITEM in frame.columns and not frame.empty:
        items = frame[ITEM].dropna()
        if not isinstance(items.dtype, pd.StringDtype) and not items.map(type).eq(str).all():
            problems.append(f"item ids must be strings, got dtype {frame[ITEM].dtype}")
        elif items.eq("").any():
            problems.append("empty item ids")
    if TIME in frame.columns and not pd.api.types.is_datetime64_dtype(frame[TIME].dtype):
        problems.append(f"column 'time' has dtype {frame[TIME].dtype}, expected datetime64")
    if problems:
        raise InteractionsError(
            "Not an interactions frame: "
            + "; ".join(problems)
            + f". Build one with columns {USER!r}, {ITEM!r} (strings) and optionally {TIME!r} "
            "(datetime64), for example with prod2vec.online_retail.to_interactions()."
        )
    return frame
