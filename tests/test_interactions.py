"""The interactions boundary, and the Online Retail adapter that feeds it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from prod2vec.data.interactions import InteractionsError, validate_interactions
from prod2vec.data.item_labels import describe_items
from prod2vec.errors import InputDataError
from prod2vec.online_retail import clean_transactions, item_descriptions, to_interactions
from tests.conftest import make_transactions

VALID = pd.DataFrame(
    {"user": [1, 1, 2], "item": ["a", "b", "a"], "time": pd.to_datetime(["2011"] * 3)}
)


def test_a_valid_frame_is_returned_unchanged() -> None:
    assert validate_interactions(VALID) is VALID
    assert validate_interactions(VALID.drop(columns="time")) is not None


@pytest.mark.parametrize(
    ("frame", "phrase"),
    [
        (VALID.drop(columns="item"), r"missing columns \['item'\]"),
        (VALID.iloc[:0], "no rows"),
        (VALID.assign(user=[1, None, 2]), "1 rows without a user"),
        (VALID.assign(item=["a", None, "b"]), "1 rows without a item"),
        (
            VALID.assign(item=[1.0, 2.0, 3.0]),
            r"\(float64\) holds the float 1.0: item ids must be strings",
        ),
        (VALID.assign(item=["a", "", "b"]), "holds an empty item id"),
        (VALID.assign(time=["2011", "x", "y"]), "column 'time' has dtype"),
    ],
)
def test_every_problem_is_named_with_the_fix(frame: pd.DataFrame, phrase: str) -> None:
    with pytest.raises(InteractionsError, match=phrase) as raised:
        validate_interactions(frame)
    assert "to_interactions()" in str(raised.value)
    assert isinstance(raised.value, InputDataError)


def test_not_a_frame() -> None:
    with pytest.raises(InteractionsError, match="got list"):
        validate_interactions([("u", "i")])  # type: ignore[arg-type]


def test_online_retail_rows_become_interactions(transactions: pd.DataFrame) -> None:
    cleaned, _ = clean_transactions(transactions, "reference")
    frame = to_interactions(cleaned)
    assert list(frame.columns) == [
        "user", "item", "time", "invoice", "quantity", "unit_price", "country"
    ]  # fmt: skip
    assert frame["user"].dtype == np.int64
    assert frame["item"].tolist() == cleaned["StockCode"].tolist()
    assert (frame["time"] == cleaned["InvoiceDate"]).all()


def test_rows_without_customer_must_be_cleaned_first(transactions: pd.DataFrame) -> None:
    with pytest.raises(InputDataError, match="1 rows have no CustomerID.*clean_transactions"):
        to_interactions(transactions)


def test_descriptions_take_the_most_frequent_then_alphabetical() -> None:
    frame = make_transactions([("1", "A", 1, 1, 0)] * 4 + [("1", "B", 1, 1, 0)] * 2)
    frame["Description"] = ["lamp ", "lamp", "lamp", "Lamp", "zebra", "apple"]
    descriptions = item_descriptions(frame)
    assert descriptions.to_dict() == {"A": "lamp", "B": "apple"}
    table = describe_items(["B", "missing", "A"], descriptions)
    assert table.to_dict("list") == {
        "item": ["B", "missing", "A"],
        "description": ["apple", "?", "lamp"],
    }
