"""Which invoice lines the held-out pairs are, on a table whose answers are known."""

from __future__ import annotations

import pandas as pd
import pytest

from prod2vec.data.sessions import sessionize, split_sessions
from prod2vec.errors import InputDataError
from prod2vec.online_retail import to_interactions
from prod2vec.online_retail.task_profile import pair_profile, pair_rows, profile_shares
from tests.conftest import make_transactions

#: (invoice, code, customer, quantity, minute); each customer's last two rows, by time, are a
#: pair. Customer 7's rows are out of time order in the table; rows of one time keep their order.
ROWS = [
    ("1001", "22001", 1, 1, 0),
    ("1001", "22002", 1, 1, 0),
    ("1002", "22003", 1, 1, 60),  # across invoices, a product
    ("2001", "22001", 2, 1, 0),
    ("2001", "22002", 2, 1, 0),
    ("2001", "22003", 2, 1, 0),  # same invoice, a product
    ("3001", "22001", 3, 1, 0),
    ("3001", "22002", 3, 1, 0),
    ("C3002", "22002", 3, -1, 30),  # across invoices, a cancellation
    ("4001", "22001", 4, 1, 0),
    ("4001", "22002", 4, 1, 0),
    ("4001", "POST", 4, 1, 0),  # same invoice, postage
    ("5001", "22001", 5, 1, 0),
    ("5001", "22002", 5, 1, 0),
    ("5001", "M", 5, 1, 0),  # same invoice, a manual line
    ("C6001", "22001", 6, -1, 0),
    ("C6001", "22002", 6, -1, 0),  # same invoice, a cancellation
    ("7002", "22003", 7, 1, 50),  # across invoices, a product (last by time, first in the table)
    ("7001", "22001", 7, 1, 0),
    ("7001", "22002", 7, 1, 0),
    ("8001", "22001", 8, 1, 0),
    ("8002", "DOT", 8, 1, 20),  # across invoices, postage
    ("9001", "22001", 9, 1, 0),
    ("C9002", "22001", 9, -1, 10),  # across invoices, a cancellation
]
SAME_INVOICE = {2, 4, 5, 6}
CANCELLATION = {3, 6, 9}
POSTAGE = {4, 8}
NON_PRODUCT = {4, 5, 8}


@pytest.fixture
def table() -> pd.DataFrame:
    return make_transactions(ROWS)


@pytest.fixture
def pairs(table: pd.DataFrame) -> pd.DataFrame:
    """Every customer's pair, as the project's split holds them out."""
    split = split_sessions(sessionize(to_interactions(table)), n_test=5, n_validation=4, seed=0)
    return pd.concat([split.test, split.validation], ignore_index=True)


def test_each_pair_is_its_customers_last_two_rows_by_time(
    table: pd.DataFrame, pairs: pd.DataFrame
) -> None:
    query_rows, target_rows = pair_rows(table, pairs)
    assert list(query_rows.index) == list(target_rows.index) == list(pairs.index)
    assert query_rows["StockCode"].tolist() == pairs["query"].tolist()
    assert target_rows["StockCode"].tolist() == pairs["target"].tolist()
    seventh = pairs.index[pairs["user"] == 7][0]
    invoices = (query_rows.loc[seventh, "InvoiceNo"], target_rows.loc[seventh, "InvoiceNo"])
    assert invoices == ("7001", "7002")


def test_the_profile_flags_each_pair(table: pd.DataFrame, pairs: pd.DataFrame) -> None:
    profile = pair_profile(table, pairs).set_index(pairs["user"])
    expected = {
        "same_invoice": SAME_INVOICE,
        "cancellation_target": CANCELLATION,
        "postage_target": POSTAGE,
        "non_product_target": NON_PRODUCT,
    }
    assert {flag: set(profile.index[profile[flag]]) for flag in expected} == expected


def test_the_shares_over_all_pairs_and_by_kind_of_pair(
    table: pd.DataFrame, pairs: pd.DataFrame
) -> None:
    shares = profile_shares(pair_profile(table, pairs))
    expected = pd.DataFrame(
        {
            "pairs": [9, 4, 5],
            "share of pairs": [9 / 9, 4 / 9, 5 / 9],
            "target is a cancellation line": [3 / 9, 1 / 4, 2 / 5],
            "target is postage": [2 / 9, 1 / 4, 1 / 5],
            "target is not a product": [3 / 9, 2 / 4, 1 / 5],
        },
        index=pd.Index(["all pairs", "same invoice", "across invoices"], name="held-out pairs"),
    )
    pd.testing.assert_frame_equal(shares, expected)


def test_pairs_that_are_not_the_last_two_rows_are_refused(
    table: pd.DataFrame, pairs: pd.DataFrame
) -> None:
    swapped = pairs.assign(query=pairs["target"], target=pairs["query"])
    with pytest.raises(InputDataError, match="not the last two rows"):
        pair_profile(table, swapped)
    stranger = pairs.assign(user=pairs["user"].where(pairs["user"] != 1, 99))
    with pytest.raises(InputDataError, match="user 99"):
        pair_rows(table, stranger)
