from __future__ import annotations

import pandas as pd
import pytest

from prod2vec.sessions import corpus_stats, sessionize, split_sessions
from tests.conftest import make_transactions


def test_sessions_are_in_time_order_and_stable_within_an_invoice() -> None:
    frame = make_transactions(
        [
            ("2", "B", 7, 1, 50),  # later invoice first in the file
            ("1", "Z", 7, 1, 10),
            ("1", "A", 7, 1, 10),
            ("1", "M", 7, 1, 10),
            ("3", "Q", 5, 1, 0),
        ]
    )
    sessions = sessionize(frame)
    assert sessions.index.tolist() == [5, 7]
    assert sessions.loc[7] == ["Z", "A", "M", "B"]
    assert corpus_stats(sessions) == {"sessions": 2, "items": 5, "tokens": 5}


def test_sessionize_refuses_rows_without_customer(transactions: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="no CustomerID.*clean_transactions"):
        sessionize(transactions)


def many_sessions(n: int, length: int = 3) -> pd.Series:
    return pd.Series(
        [[f"s{s}i{i}" for i in range(length)] for s in range(n)], index=range(100, 100 + n)
    )


def test_split_holds_out_last_items_from_disjoint_sessions() -> None:
    sessions = many_sessions(50, length=4)
    split = split_sessions(sessions, n_test=10, n_validation=5, seed=7)
    assert len(split.train) == 50
    assert all(len(train) == 3 for train in split.train)
    assert len(split.test) == 10 and len(split.validation) == 5
    assert not set(split.test["customer_id"]) & set(split.validation["customer_id"])
    for row in pd.concat([split.test, split.validation]).itertuples():
        session = sessions.loc[row.customer_id]
        assert (row.query, row.target) == (session[-2], session[-1])


def test_same_seed_same_split_other_seed_other_split() -> None:
    sessions = many_sessions(200)
    first = split_sessions(sessions, 20, 20, seed=123)
    again = split_sessions(sessions, 20, 20, seed=123)
    other = split_sessions(sessions, 20, 20, seed=124)
    pd.testing.assert_frame_equal(first.test, again.test)
    pd.testing.assert_frame_equal(first.validation, again.validation)
    assert not first.test.equals(other.test)


def test_split_sizes_that_cannot_be_met() -> None:
    with pytest.raises(ValueError, match="Cannot draw 8 test \\+ 3 validation pairs from 10"):
        split_sessions(many_sessions(10), n_test=8, n_validation=3)
    with pytest.raises(ValueError, match="n_test >= 1"):
        split_sessions(many_sessions(10), n_test=0)


def test_split_refuses_sessions_shorter_than_two() -> None:
    sessions = many_sessions(10)
    sessions.iloc[3] = ["only"]
    with pytest.raises(ValueError, match="1 sessions have fewer than 2 items.*103"):
        split_sessions(sessions, 2, 2)
