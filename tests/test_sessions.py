from __future__ import annotations

import pandas as pd
import pytest

from prod2vec.data.sessions import (
    corpus_stats,
    flat_items,
    item_counts,
    sessionize,
    split_sessions,
)


def interactions(rows: list[tuple[object, str, int]]) -> pd.DataFrame:
    """An interactions frame from (user, item, minute) rows."""
    users, items, minutes = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "user": list(users),
            "item": list(items),
            "time": pd.Timestamp("2011-01-01") + pd.to_timedelta(list(minutes), "min"),
        }
    )


def test_sessions_are_in_time_order_and_stable_at_equal_times() -> None:
    frame = interactions(
        [(7, "B", 50), (7, "Z", 10), (7, "A", 10), (7, "M", 10), (5, "Q", 0), (5, "R", 0)]
    )
    sessions = sessionize(frame)
    assert sessions.index.tolist() == [5, 7]
    assert sessions.loc[7] == ["Z", "A", "M", "B"]
    assert corpus_stats(sessions) == {"sessions": 2, "items": 6, "tokens": 6}


def test_without_time_the_table_order_is_the_session_order() -> None:
    frame = interactions([("u2", "x", 9), ("u1", "y", 5), ("u2", "w", 1)]).drop(columns="time")
    assert sessionize(frame).to_dict() == {"u1": ["y"], "u2": ["x", "w"]}


def test_sessionize_validates_its_input() -> None:
    with pytest.raises(ValueError, match="rows without a user"):
        sessionize(interactions([(1, "a", 0), (None, "b", 1)]))


def test_item_counts_and_flat_items() -> None:
    sessions = [["a", "b", "a"], [], ["c", "a"]]
    assert flat_items(sessions).tolist() == ["a", "b", "a", "c", "a"]
    assert item_counts(sessions).to_dict() == {"a": 3, "b": 1, "c": 1}
    assert corpus_stats(sessions) == {"sessions": 3, "items": 3, "tokens": 5}


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
    assert not set(split.test["user"]) & set(split.validation["user"])
    for row in pd.concat([split.test, split.validation]).itertuples():
        session = sessions.loc[row.user]
        assert (row.query, row.target) == (session[-2], session[-1])


def test_same_seed_same_split_other_seed_other_split() -> None:
    sessions = many_sessions(200)
    first = split_sessions(sessions, n_test=20, n_validation=20, seed=123)
    again = split_sessions(sessions, n_test=20, n_validation=20, seed=123)
    other = split_sessions(sessions, n_test=20, n_validation=20, seed=124)
    pd.testing.assert_frame_equal(first.test, again.test)
    pd.testing.assert_frame_equal(first.validation, again.validation)
    assert not first.test.equals(other.test)


def test_split_sizes_that_cannot_be_met() -> None:
    with pytest.raises(ValueError, match="Cannot draw 8 test \\+ 3 validation pairs from 10"):
        split_sessions(many_sessions(10), n_test=8, n_validation=3, seed=0)
    with pytest.raises(ValueError, match="n_test >= 1"):
        split_sessions(many_sessions(10), n_test=0, n_validation=3, seed=0)


def test_split_refuses_sessions_shorter_than_two() -> None:
    sessions = many_sessions(10)
    sessions.iloc[3] = ["only"]
    with pytest.raises(ValueError, match="1 sessions have fewer than 2 items.*103"):
        split_sessions(sessions, n_test=2, n_validation=2, seed=0)
