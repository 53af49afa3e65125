from __future__ import annotations

import numpy as np
import pytest

from prod2vec.evaluation.metrics import (
    PAD,
    mrr_at_k,
    per_query_metrics,
    recall_at_k,
    reciprocal_ranks,
    target_ranks_in_lists,
)

RECS = np.array(
    [
        ["a", "b", "c"],
        ["b", "c", "a"],
        ["c", "d", "e"],
        [PAD, PAD, PAD],  # unknown query: a miss that stays in the denominator
    ]
)
TARGETS = ["a", "a", "b", "a"]


def test_hand_computed_values() -> None:
    np.testing.assert_array_equal(target_ranks_in_lists(RECS, TARGETS), [1, 3, np.inf, np.inf])
    np.testing.assert_allclose(
        reciprocal_ranks(target_ranks_in_lists(RECS, TARGETS), 3), [1, 1 / 3, 0, 0]
    )
    assert recall_at_k(RECS, TARGETS, 3) == pytest.approx(2 / 4)
    assert mrr_at_k(RECS, TARGETS, 3) == pytest.approx((1 + 1 / 3) / 4)
    assert recall_at_k(RECS, TARGETS, 1) == pytest.approx(1 / 4)
    assert mrr_at_k(RECS, TARGETS, 2) == pytest.approx(1 / 4)


def test_k_larger_than_the_lists_uses_all_columns() -> None:
    assert recall_at_k(RECS, TARGETS, 50) == recall_at_k(RECS, TARGETS, 3)


def test_padding_never_matches() -> None:
    assert recall_at_k(np.array([[PAD]]), [PAD], 1) == 0.0


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="No queries"):
        recall_at_k(np.empty((0, 10), dtype=str), [], 10)
    with pytest.raises(ValueError, match="k must be at least 1"):
        mrr_at_k(RECS, TARGETS, 0)
    with pytest.raises(ValueError, match="4 rows of recommendations for 2 targets"):
        recall_at_k(RECS, TARGETS[:2], 3)
    with pytest.raises(ValueError, match="2-D"):
        recall_at_k(np.array(["a", "b"]), ["a", "b"], 1)


def test_reciprocal_ranks_and_per_query_metrics_from_ranks() -> None:
    ranks = np.array([1, 3, np.inf, np.inf])  # of TARGETS in RECS
    np.testing.assert_allclose(reciprocal_ranks(ranks, 2), [1, 0, 0, 0])
    metrics = per_query_metrics(ranks, 3)
    np.testing.assert_array_equal(metrics["Recall@3"], [1, 1, 0, 0])
    np.testing.assert_allclose(metrics["MRR@3"], [1, 1 / 3, 0, 0])
    assert metrics["Recall@3"].mean() == recall_at_k(RECS, TARGETS, 3)
    assert metrics["MRR@3"].mean() == pytest.approx(mrr_at_k(RECS, TARGETS, 3))
    with pytest.raises(ValueError, match="empty"):
        reciprocal_ranks(np.array([]), 10)
