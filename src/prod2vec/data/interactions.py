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

from collections.abc import Iterable

import numpy as np
import pandas as pd

from prod2vec.errors import InputDataError

USER = "user"
ITEM = "item"
TIME = "time"


class InteractionsError(InputDataError):
    """A table is not a valid interactions frame."""


class ItemIdError(InputDataError, TypeError):
    """A value that is not an item id; a TypeError too, for callers that catch one."""


def item_id_problem(values: np.ndarray) -> tuple[int, str] | None:
    """The one item-id check: where and why ``values`` are not item ids, or None if they are.

    An item id is a non-empty string without NUL characters: numpy's string arrays would
    silently drop a trailing NUL, ``85123.0`` would silently match nothing, and the empty string
    is the padding of top-K lists (:data:`prod2vec.evaluation.metrics.PAD`).

    Parameters
    ----------
    values : numpy.ndarray
        A 1-D object array.

    Returns
    -------
    tuple of (int, str) or None
        The position of the first bad value and what is wrong with it.
    """
    if pd.api.types.infer_dtype(values, skipna=False) not in ("string", "empty"):
        position = next(i for i, value in enumerate(values) if not isinstance(value, str))
        value = values[position]
        return position, (
            f"the {type(value).__name__} {value!r}: item ids must be strings. Convert them "
            "first (e.g. '85123', not 85123 or 85123.0)"
        )
    if "\x00" in "".join(values):  # one scan in C; the loop below runs only on a failure
        position = next(i for i, value in enumerate(values) if "\x00" in value)
        return position, f"{values[position]!r}: item ids must not contain NUL characters"
    if (empty := np.flatnonzero(values == "")).size:
        return int(empty[0]), "an empty item id: ids must not be empty strings"
    return None


def as_item_ids(items: Iterable[str], what: str = "items") -> np.ndarray:
    """``items`` as a 1-D string array, checked by :func:`item_id_problem` where ids enter.

    Raises
    ------
    TypeError
        One bare string instead of a sequence (it would be read character by character).
    ItemIdError
        A value that is not an item id (an :class:`~prod2vec.errors.InputDataError` and a
        ``TypeError``).
    """
    if isinstance(items, str | bytes):
        raise TypeError(
            f"{what} must be a sequence of item ids, not one string: write [{items!r}]."
        )
    if isinstance(items, np.ndarray) and items.dtype.kind == "U" and items.ndim == 1:
        return items  # numpy has already dropped any trailing NUL: nothing to check
    values = np.asarray(list(items), dtype=object)
    if values.ndim != 1:
        raise TypeError(f"{what} must be a flat sequence of item ids, got shape {values.shape}.")
    if problem := item_id_problem(values):
        raise ItemIdError(f"{what} are not all item ids: item {problem[0]} is {problem[1]}.")
    return values.astype(str)


def _item_column_problem(items: pd.Series) -> tuple[int, str] | None:
    """:func:`item_id_problem` for a column, without a Python scan where pandas can tell.

    pandas' string dtype holds only strings, so only empty ids and NUL characters can be wrong:
    both are looked for vectorized, and the one check runs only to name a fault it found.
    """
    if (
        isinstance(items.dtype, pd.StringDtype)
        and not (items.eq("") | items.str.contains("\x00", regex=False)).any()
    ):
        return None
    return item_id_problem(items.to_numpy(dtype=object))


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
    if ITEM in frame.columns and (problem := _item_column_problem(frame[ITEM].dropna())):
        problems.append(f"column {ITEM!r} ({frame[ITEM].dtype}) holds {problem[1]}")
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
