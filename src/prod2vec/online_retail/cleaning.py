"""Cleaning recipes for the Online Retail table, each with a data-quality report.

Two named recipes, applied as an ordered list of rules:

``reference``
    Exactly the original tutorial's preprocessing: drop every row with a missing value, then
    keep customers with at least 3 rows. Use it to compare with published numbers.
``clean``
    The reference rules plus one that drops exact duplicate rows (the raw table has 5,268: the
    same invoice line recorded twice) and three that remove rows which are not purchases of a
    product:
    cancellations (InvoiceNo starting with ``C``), rows with Quantity <= 0 (returns and stock
    adjustments) and non-product StockCodes. Product codes in this catalogue are five digits
    with an optional letter suffix for the variant (``85123A``, ``15056BL``); every other code is
    a service line: postage (``POST``, ``DOT``), carriage (``C2``), manual entries (``M``),
    discounts (``D``), samples (``S``), fees and commissions (``BANK CHARGES``, ``AMAZONFEE``,
    ``CRUK``), gift vouchers (``gift_0001_*``) and the like. The rule keeps a row when its
    StockCode starts with five digits. The minimum-rows rule runs last, on what is left.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from prod2vec.errors import ConfigurationError, InputDataError
from prod2vec.online_retail.source import validate_transactions

PRODUCT_CODE_PATTERN = r"^\d{5}"
MIN_ROWS_PER_CUSTOMER = 3

Rule = Callable[[pd.DataFrame], pd.Series]


def _has_no_missing_value(frame: pd.DataFrame) -> pd.Series:
    return frame.notna().all(axis=1)


def _is_first_copy(frame: pd.DataFrame) -> pd.Series:
    return ~frame.duplicated(keep="first")


def _is_not_cancellation(frame: pd.DataFrame) -> pd.Series:
    return ~frame["InvoiceNo"].str.startswith("C")


def _has_positive_quantity(frame: pd.DataFrame) -> pd.Series:
    return frame["Quantity"] > 0


def _is_product(frame: pd.DataFrame) -> pd.Series:
    return frame["StockCode"].str.match(PRODUCT_CODE_PATTERN)


def _customer_has_min_rows(frame: pd.DataFrame) -> pd.Series:
    rows_per_customer = frame.groupby("CustomerID")["CustomerID"].transform("size")
    return rows_per_customer >= MIN_ROWS_PER_CUSTOMER


#: rule name -> (what it keeps, predicate returning True for rows to keep)
RULES: dict[str, tuple[str, Rule]] = {
    "missing_values": ("rows with no missing value", _has_no_missing_value),
    "duplicate_rows": ("the first of identical rows", _is_first_copy),
    "cancellations": ("InvoiceNo not starting with 'C'", _is_not_cancellation),
    "non_positive_quantity": ("Quantity > 0", _has_positive_quantity),
    "non_product_codes": ("StockCode starting with five digits", _is_product),
    "min_rows_per_customer": (
        f"customers with >= {MIN_ROWS_PER_CUSTOMER} rows",
        _customer_has_min_rows,
    ),
}

RECIPES: dict[str, tuple[str, ...]] = {
    "reference": ("missing_values", "min_rows_per_customer"),
    "clean": (
        "missing_values",
        "duplicate_rows",
        "cancellations",
        "non_positive_quantity",
        "non_product_codes",
        "min_rows_per_customer",
    ),
}


@dataclass(frozen=True)
class TableStats:
    """Size of a transaction table, and how many of its rows copy an earlier row exactly.

    The ``reference`` recipe keeps duplicate rows, to stay faithful to the original tutorial;
    the report says how many are left.
    """

    rows: int
    customers: int
    items: int
    duplicate_rows: int

    @classmethod
    def of(cls, frame: pd.DataFrame) -> TableStats:
        return cls(
            rows=len(frame),
            customers=int(frame["CustomerID"].nunique()),
            items=int(frame["StockCode"].nunique()),
            duplicate_rows=int(frame.duplicated().sum()),
        )


@dataclass(frozen=True)
class CleaningReport:
    """What a recipe did: rows removed by each rule in order, and the table before and after."""

    recipe: str
    before: TableStats
    after: TableStats
    removed_by_rule: dict[str, int] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """One row per rule (rows removed, rows left), framed by the 'raw' and 'result' rows."""
        rows = [("raw table", "", 0, self.before.rows)]
        left = self.before.rows
        for rule, removed in self.removed_by_rule.items():
            left -= removed
            rows.append((rule, f"keep {RULES[rule][0]}", removed, left))
        frame = pd.DataFrame(rows, columns=["step", "rule", "rows_removed", "rows_left"])
        return frame.set_index("step")

    def summary(self) -> pd.DataFrame:
        """Rows, customers and items before and after cleaning."""
        return pd.DataFrame(
            {"before": vars(self.before), "after": vars(self.after)},
        ).rename_axis(self.recipe)


def clean_transactions(
    frame: pd.DataFrame, recipe: str = "clean"
) -> tuple[pd.DataFrame, CleaningReport]:
    """Apply a named recipe (``"reference"`` or ``"clean"``) and report what each rule removed.

    The input is validated first and never modified; the result keeps the input's row order
    and a fresh index.

    Parameters
    ----------
    frame : pandas.DataFrame
        A raw Online Retail table.
    recipe : str
        A key of :data:`RECIPES`.

    Returns
    -------
    tuple of (pandas.DataFrame, CleaningReport)
        The cleaned rows, and what each rule removed.
    """
    if recipe not in RECIPES:
        raise ConfigurationError(f"Unknown recipe {recipe!r}; choose one of {sorted(RECIPES)}.")
    validate_transactions(frame)
    if frame.empty:
        raise InputDataError("The transaction table is empty; there is nothing to clean.")
    before = TableStats.of(frame)
    removed: dict[str, int] = {}
    for rule in RECIPES[recipe]:
        keep = RULES[rule][1](frame).fillna(False).astype(bool)
        removed[rule] = int((~keep).sum())
        frame = frame[keep]
    if frame.empty:
        raise InputDataError(
            f"The {recipe!r} recipe removed every row (per rule: {removed}). A table needs "
            f"CustomerIDs and customers with at least {MIN_ROWS_PER_CUSTOMER} rows."
        )
    frame = frame.reset_index(drop=True)
    return frame, CleaningReport(recipe, before, TableStats.of(frame), removed)


def rule_violations(frame: pd.DataFrame) -> pd.Series:
    """How many rows of ``frame`` each row-level rule would remove on its own.

    This is what is messy in a table before any cleaning; a recipe's report
    (:meth:`CleaningReport.to_frame`) says what each rule removed *after* the rules before it.
    ``min_rows_per_customer`` is left out: it depends on which rows are left.
    """
    validate_transactions(frame)
    removed = {
        name: int((~rule(frame).fillna(False).astype(bool)).sum())
        for name, (_, rule) in RULES.items()
        if name != "min_rows_per_customer"
    }
    return pd.Series(removed, name="rows_it_would_remove").rename_axis("rule")


def non_product_codes(frame: pd.DataFrame) -> pd.DataFrame:
    """StockCodes the ``non_product_codes`` rule removes, with row counts and a description."""
    validate_transactions(frame)
    service = frame[~_is_product(frame).fillna(False).astype(bool)]
    return (
        service.groupby("StockCode")
        .agg(
            rows=("StockCode", "size"),
            rows_with_customer=("CustomerID", "count"),
            description=("Description", "first"),
        )
        .sort_values(["rows", "rows_with_customer"], ascending=False)
    )
