from __future__ import annotations

import pandas as pd
import pytest

from prod2vec.data.interactions import ItemIdError
from prod2vec.data.sessions import (
    SessionSplit,
    check_sessions,
    corpus_stats,
    flat_items,
    item_counts,
    session_gap,
    sessionize,
    split_sessions,
)
from prod2vec.errors import ConfigurationError, InputDataError


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
    with pytest.raises(InputDataError, match="Cannot draw 8 test \\+ 3 validation pairs from 10"):
        split_sessions(many_sessions(10), n_test=8, n_validation=3, seed=0)
    with pytest.raises(ConfigurationError, match="n_test >= 1"):
        split_sessions(many_sessions(10), n_test=0, n_validation=3, seed=0)
    with pytest.raises(ConfigurationError, match="n_validation >= 1"):
        split_sessions(many_sessions(10), n_test=3, n_validation=0, seed=0)


def test_split_refuses_sessions_shorter_than_two() -> None:
    sessions = many_sessions(10)
    sessions.iloc[3] = ["only"]
    with pytest.raises(InputDataError, match="1 sessions have fewer than 2 items.*103"):
        split_sessions(sessions, n_test=2, n_validation=2, seed=0)


def test_a_gap_splits_sessions_and_is_parsed_only_by_session_gap() -> None:
    frame = interactions([(1, "a", 0), (1, "b", 10), (1, "c", 200), (2, "d", 0)])
    assert sessionize(frame, gap=session_gap("1h")).tolist() == [["a", "b"], ["c"], ["d"]]
    assert session_gap("30min") == pd.Timedelta(minutes=30)
    with pytest.raises(TypeError, match="session_gap"):
        sessionize(frame, gap="1h")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="positive"):
        sessionize(frame, gap=pd.Timedelta(0))
    with pytest.raises(InputDataError, match="needs event times"):
        sessionize(frame.drop(columns="time"), gap=pd.Timedelta("1h"))


@pytest.mark.parametrize(
    ("text", "phrase"), [("soon", "Cannot read the session gap 'soon'"), ("-1h", "positive")]
)
def test_session_gap_names_the_fix(text: str, phrase: str) -> None:
    with pytest.raises(ConfigurationError, match=phrase):
        session_gap(text)


def test_check_sessions_names_the_session_of_a_bad_id() -> None:
    assert check_sessions([["a", "b"], [], ["c"]]) == 3
    with pytest.raises(ItemIdError, match="Session 2 holds the int 7: item ids must be strings"):
        check_sessions([["a", "b"], [], ["c", 7]])
    with pytest.raises(InputDataError, match="Session 1 holds an empty item id"):
        check_sessions([["a"], [""]])
    with pytest.raises(InputDataError, match="no items"):
        check_sessions([[], []])


PAIRS = pd.DataFrame({"user": [1], "query": ["a"], "target": ["b"]})


@pytest.mark.parametrize(
    ("train", "test", "validation", "phrase"),
    [
        ([], PAIRS, PAIRS, "needs training sessions"),
        (("a", "b"), PAIRS, PAIRS, "needs training sessions"),
        ([["a"], []], PAIRS, PAIRS, "Training session 1 is not a non-empty list"),
        ([["a"], "ab"], PAIRS, PAIRS, "Training session 1 is not a non-empty list"),
        ([["a", 1.0]], PAIRS, PAIRS, "Session 0 holds the float 1.0"),
        ([["a"]], PAIRS.iloc[:0], PAIRS, "No test pairs"),
        ([["a"]], PAIRS, PAIRS.drop(columns="target"), "validation pairs need columns"),
        ([["a"]], PAIRS, [("a", "b")], "validation pairs must be a DataFrame, got list"),
        ([["a"]], PAIRS.assign(query=[85123]), PAIRS, "test query 0 is the int 85123"),
        ([["a"]], PAIRS, PAIRS.assign(target=[""]), "validation target 0 is an empty item id"),
    ],
)
def test_a_split_refuses_what_is_not_a_split(train, test, validation, phrase: str) -> None:
    with pytest.raises(InputDataError, match=phrase):
        SessionSplit(train, test, validation)


def test_a_valid_split_is_kept_as_given() -> None:
    split = SessionSplit([["a", "b"]], PAIRS, PAIRS)
    assert split.train == [["a", "b"]] and split.test is PAIRS
