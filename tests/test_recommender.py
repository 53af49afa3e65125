from __future__ import annotations

import numpy as np
import pytest

from prod2vec.data.integer_sessions import encode_sessions
from prod2vec.evaluation.metrics import PAD
from prod2vec.models.recommender import Recommender


class FixedScores(Recommender):
    """Scores every item by a fixed row, the same for every query."""

    def __init__(self, items: list[str], scores: list[float]) -> None:
        self._set_catalogue(np.array(items))
        self.row = np.array(scores, dtype=float)

    def fit(self, sessions):  # pragma: no cover - nothing to learn
        return self

    def _scores(self, query_index: np.ndarray) -> np.ndarray:
        return np.tile(self.row, (len(query_index), 1))


def test_ties_go_to_the_earlier_catalogue_item() -> None:
    model = FixedScores(["a", "b", "c", "d", "e"], [1, 2, 2, 2, 0])
    assert model.recommend(["e"], k=2).tolist() == [["b", "c"]]
    assert model.recommend(["e"], k=4).tolist() == [["b", "c", "d", "a"]]


def test_query_exclusion_is_a_parameter() -> None:
    model = FixedScores(["a", "b", "c"], [3, 2, 1])
    assert model.recommend(["a"], k=2).tolist() == [["b", "c"]]
    assert model.recommend(["a"], k=2, exclude_query=False).tolist() == [["a", "b"]]


def test_non_candidates_and_unknown_queries_are_padding() -> None:
    model = FixedScores(["a", "b", "c"], [3, -np.inf, 1])
    assert model.recommend(["b", "zzz"], k=4).tolist() == [["a", "c", PAD, PAD], [PAD] * 4]


def test_batches_give_the_same_result() -> None:
    rng = np.random.default_rng(0)
    items = [f"i{n}" for n in range(40)]
    model = FixedScores(items, rng.integers(0, 5, size=40).tolist())
    queries = rng.choice(items, size=25).tolist()
    np.testing.assert_array_equal(
        model.recommend(queries, k=7, batch_size=4), model.recommend(queries, k=7)
    )


def test_unfitted_and_bad_k() -> None:
    class Unfitted(FixedScores):
        def __init__(self) -> None:
            pass

    with pytest.raises(RuntimeError, match="not fitted"):
        Unfitted().recommend(["a"])
    with pytest.raises(ValueError, match="k must be at least 1"):
        FixedScores(["a"], [1]).recommend(["a"], k=0)


def test_encode_orders_the_catalogue_by_popularity_then_id() -> None:
    encoded = encode_sessions([["b", "a", "c"], ["c", "a"], ["a"]])
    assert encoded.items.tolist() == ["a", "c", "b"]
    assert encoded.counts.tolist() == [3, 2, 1]
    assert encoded.tokens.tolist() == [2, 0, 1, 1, 0, 0]
    assert encoded.session_of_token.tolist() == [0, 0, 0, 1, 1, 2]
    with pytest.raises(ValueError, match="no items"):
        encode_sessions([[], []])
