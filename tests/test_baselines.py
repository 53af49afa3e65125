"""Sparse baselines against tiny pure-Python references (permutations + Counter)."""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import permutations

import numpy as np
import pytest

from prod2vec.data.integer_sessions import encode_sessions
from prod2vec.errors import ConfigurationError
from prod2vec.evaluation.metrics import PAD
from prod2vec.models.baselines import (
    AssociationRules,
    CoOccurrence,
    MostPopular,
    SequentialRules,
)

SESSIONS = [
    ["a", "b", "a", "c", "a"],
    ["b", "c", "b", "d"],
    ["e", "a", "e", "e", "b", "c"],
    ["d", "d"],
    ["c", "f", "a"],
]


def reference_rules(sessions, window=None, directed=False, weight=lambda d: 1):
    rules: dict[str, Counter] = defaultdict(Counter)
    for session in sessions:
        for i, j in permutations(range(len(session)), 2):
            distance = abs(i - j)
            if window is not None and distance > window:
                continue
            if directed and j < i:
                continue
            rules[session[i]][session[j]] += weight(distance)
    return rules


def reference_top_k(rules, sessions, query, k, exclude_query=True):
    """Highest count first; ties to the more popular item, then the smaller id."""
    popularity = Counter(item for session in sessions for item in session)
    candidates = [
        (item, count)
        for item, count in rules[query].items()
        if count > 0 and not (exclude_query and item == query)
    ]
    ranked = sorted(candidates, key=lambda pair: (-pair[1], -popularity[pair[0]], pair[0]))
    return [item for item, _ in ranked[:k]] + [PAD] * max(0, k - len(ranked))


def matrix_as_dict(model) -> dict[tuple[str, str], float]:
    coo = model.matrix_.tocoo()
    items = model.items_
    return {(items[r], items[c]): v for r, c, v in zip(coo.row, coo.col, coo.data, strict=True)}


def rules_as_dict(rules) -> dict[tuple[str, str], float]:
    return {(a, b): v for a, row in rules.items() for b, v in row.items() if v}


CASES = [
    (AssociationRules, {}, {}),
    (CoOccurrence, {"window": 1}, {"window": 1}),
    (CoOccurrence, {"window": 2}, {"window": 2}),
    (SequentialRules, {"window": 3}, {"window": 3, "directed": True, "weight": lambda d: 1 / d}),
]


@pytest.mark.parametrize(("model_class", "params", "reference"), CASES)
def test_counts_equal_the_pure_python_reference(model_class, params, reference) -> None:
    model = model_class(**params).fit(SESSIONS)
    expected = rules_as_dict(reference_rules(SESSIONS, **reference))
    got = matrix_as_dict(model)
    assert got.keys() == expected.keys()
    for pair, value in expected.items():
        assert got[pair] == pytest.approx(value)


@pytest.mark.parametrize(("model_class", "params", "reference"), CASES)
@pytest.mark.parametrize("exclude_query", [True, False])
def test_top_k_equals_the_pure_python_reference(
    model_class, params, reference, exclude_query
) -> None:
    model = model_class(**params).fit(SESSIONS)
    rules = reference_rules(SESSIONS, **reference)
    queries = ["a", "b", "c", "d", "e", "f"]
    for k in (1, 2, 3, 7):
        got = model.recommend(queries, k=k, exclude_query=exclude_query).tolist()
        expected = [reference_top_k(rules, SESSIONS, q, k, exclude_query) for q in queries]
        assert got == expected, (model.name, k)


def test_association_rules_counts_repeats_like_permutations() -> None:
    model = AssociationRules().fit([["x", "x", "y"]])
    counts = matrix_as_dict(model)
    # permutations of positions: (x0,x1),(x1,x0) -> x,x twice; x->y twice; y->x twice
    assert counts == {("x", "x"): 2, ("x", "y"): 2, ("y", "x"): 2}


def test_ties_go_to_the_more_popular_item() -> None:
    model = AssociationRules().fit([["q", "rare"], ["q", "common"], ["common", "z"]])
    assert model.recommend(["q"], k=2).tolist() == [["common", "rare"]]


def test_most_popular_ignores_the_query() -> None:
    model = MostPopular().fit(SESSIONS)
    # counts a 5, b 4, c 4, d 3, e 3: ties by item id
    assert model.recommend(["a", "zzz"], k=3).tolist() == [["b", "c", "d"], ["a", "b", "c"]]
    assert model.recommend(["a"], k=2, exclude_query=False).tolist() == [["a", "b"]]


def test_unknown_queries_are_padding_and_window_must_be_positive() -> None:
    model = CoOccurrence(window=2).fit(SESSIONS)
    assert model.recommend(["nope"], k=2).tolist() == [[PAD, PAD]]
    with pytest.raises(ConfigurationError, match="window must be at least 1"):
        CoOccurrence(window=0).fit(SESSIONS)


def test_window_as_long_as_the_longest_session_equals_association_rules() -> None:
    whole = AssociationRules().fit(SESSIONS).matrix_.toarray()
    windowed = CoOccurrence(window=max(map(len, SESSIONS))).fit(SESSIONS).matrix_.toarray()
    np.testing.assert_array_equal(whole, windowed)


@pytest.mark.parametrize(("model_class", "params", "reference"), [*CASES, (MostPopular, {}, {})])
@pytest.mark.parametrize("exclude_query", [True, False])
def test_target_ranks_agree_with_top_k_lists(model_class, params, reference, exclude_query) -> None:
    model = model_class(**params).fit(SESSIONS)
    items = ["a", "b", "c", "d", "e", "f", "unknown"]
    queries = [q for q in items for _ in items]
    targets = [t for _ in items for t in items]
    ranks = model.target_ranks(queries, targets, exclude_query=exclude_query)
    lists = model.recommend(queries, k=len(items), exclude_query=exclude_query)
    capped = model.target_ranks(queries, targets, exclude_query=exclude_query, cutoff=2)
    for query, target, rank, row, rank_to_2 in zip(
        queries, targets, ranks, lists, capped, strict=True
    ):
        position = row.tolist().index(target) + 1 if target in row else np.inf
        assert rank == position, (model.name, query, target)
        assert rank_to_2 == rank or (rank_to_2 == np.inf and rank > 2)


@pytest.mark.parametrize(
    "model", [MostPopular(), AssociationRules(), CoOccurrence(2), SequentialRules(3)]
)
def test_fit_encoded_equals_fit(model) -> None:
    queries = ["a", "b", "c", "d", "e", "f", "unknown"]
    encoded = encode_sessions(SESSIONS)
    from_sessions = type(model)(**vars(model)).fit(SESSIONS)
    from_encoded = model.fit_encoded(encoded)
    np.testing.assert_array_equal(from_encoded.items_, from_sessions.items_)
    np.testing.assert_array_equal(from_encoded.scores(queries), from_sessions.scores(queries))
    np.testing.assert_array_equal(
        from_encoded.recommend(queries, k=4), from_sessions.recommend(queries, k=4)
    )
