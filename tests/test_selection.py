"""Choosing on the validation pairs: the tie rule, the baselines' windows, the protocol."""

from __future__ import annotations

import numpy as np
import pandas as pd

from prod2vec.data.integer_sessions import encode_sessions
from prod2vec.evaluation.selection import fit_baselines, select_by_validation
from prod2vec.online_retail.reference_protocol import prepare_sessions
from tests.conftest import make_transactions
from tests.test_recommender import FixedScores

ITEMS = ["q", "a", "b", "c"]
PAIRS = pd.DataFrame({"query": ["q", "q"], "target": ["a", "b"]})


class Labelled(FixedScores):
    def __init__(self, label: str, scores: list[float]) -> None:
        super().__init__(ITEMS, scores)
        self.label = label

    @property
    def name(self) -> str:
        return self.label


def test_best_recall_wins_then_best_mrr_then_the_first_listed() -> None:
    second_hit = Labelled("hit at rank 2", [0, 2, 0.5, 3])  # lists [c, a]: Recall 0.5, MRR 0.25
    first_hit = Labelled("hit at rank 1", [0, 3, 1, 2])  # lists [a, c]: Recall 0.5, MRR 0.5
    same_again = Labelled("same, listed later", [0, 3, 1, 2])
    chosen, table = select_by_validation([second_hit, first_hit, same_again], PAIRS, k=2)
    assert chosen is first_hit
    assert (
        table.pivot(index="model", columns="metric", values="value").loc["hit at rank 2", "MRR@2"]
        == 0.25
    )
    chosen, _ = select_by_validation([same_again, first_hit], PAIRS, k=2)
    assert chosen is same_again


def test_fit_baselines_keeps_the_window_that_is_best_on_validation() -> None:
    rng = np.random.default_rng(3)
    train = [[f"i{item}" for item in rng.integers(0, 12, size=20)] for _ in range(40)]
    validation = pd.DataFrame(
        {"query": [f"i{n}" for n in rng.integers(0, 12, 30)],
         "target": [f"i{n}" for n in rng.integers(0, 12, 30)]}
    )  # fmt: skip
    suite = fit_baselines(train, validation, windows=(1, 2, 5), k=3)
    assert [model.name for model in suite.models][:2] == ["MostPopular", "AssociationRules"]
    sweep = suite.window_sweep
    assert len(sweep) == 2 * 3 * 2  # families x windows x metrics
    for family, model in zip(("CoOccurrence", "SequentialRules"), suite.models[2:], strict=True):
        scores = sweep[sweep["family"] == family].pivot(
            index="model", columns="metric", values="value"
        )
        best = scores.sort_values(["Recall@3", "MRR@3"], ascending=False, kind="stable")
        assert model.name == best.index[0]
    encoded = fit_baselines(encode_sessions(train), validation, windows=(1, 2, 5), k=3)
    pd.testing.assert_frame_equal(encoded.window_sweep, sweep)
    assert [model.name for model in encoded.models] == [model.name for model in suite.models]


def test_prepare_sessions_cleans_sessionizes_and_splits(transactions: pd.DataFrame) -> None:
    more = make_transactions(
        [(f"9{c}{n}", f"2{n}00{c}", 10 + c, 1, n) for c in range(4) for n in range(4)]
    )
    raw = pd.concat([transactions, more], ignore_index=True)
    prepared = prepare_sessions(raw=raw, n_test=2, n_validation=2, seed=1)
    customers_with_three_rows = {1, 2, 10, 11, 12, 13}
    assert set(prepared.transactions["CustomerID"]) == customers_with_three_rows
    assert len(prepared.split.train) == len(customers_with_three_rows)
    assert len(prepared.split.test) == len(prepared.split.validation) == 2
    held_out = set(prepared.split.test["user"]) | set(prepared.split.validation["user"])
    assert held_out <= customers_with_three_rows
