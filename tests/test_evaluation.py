from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from prod2vec.evaluation.results import (
    bootstrap_ci,
    pair_metrics,
    random_guess_recall,
    results_table,
    wide_table,
)
from prod2vec.models.baselines import AssociationRules, MostPopular

TRAIN = [["a", "b", "a"], ["b", "c"], ["a", "d"]]
PAIRS = pd.DataFrame({"query": ["a", "b", "zzz"], "target": ["b", "c", "a"]})


def test_pair_metrics() -> None:
    scores = pair_metrics(AssociationRules().fit(TRAIN), PAIRS, k=2)
    # a -> b (2), d (1); b -> a (2), c (1); the unknown query is a miss
    assert scores["Recall@2"].tolist() == [1.0, 1.0, 0.0]
    assert scores["MRR@2"].tolist() == [1.0, 0.5, 0.0]


def test_results_table_resamples_every_model_on_the_same_pairs() -> None:
    rules, popular = AssociationRules().fit(TRAIN), MostPopular().fit(TRAIN)
    table = results_table([rules, popular], PAIRS, k=3, n_resamples=200, seed=5)
    assert list(table.columns) == ["model", "metric", "value", "ci_low", "ci_high"]
    assert table["metric"].tolist() == ["Recall@3", "MRR@3"] * 2
    for model, rows in table.groupby("model", sort=False):
        metrics = pair_metrics(rules if model == "AssociationRules" else popular, PAIRS, k=3)
        for row in rows.itertuples():
            assert row.value == metrics[row.metric].mean()
            assert (row.ci_low, row.ci_high) == bootstrap_ci(
                metrics[row.metric].to_numpy(), 200, seed=5
            )
    first = table.iloc[0]
    assert wide_table(table).loc["AssociationRules", "Recall@3"] == (
        f"{first.value:.3f} [{first.ci_low:.3f}, {first.ci_high:.3f}]"
    )


def test_bootstrap_ci() -> None:
    values = np.r_[np.ones(300), np.zeros(700)]
    low, high = bootstrap_ci(values, seed=1)
    assert low < 0.3 < high
    assert high - low == pytest.approx(2 * 1.96 * np.sqrt(0.3 * 0.7 / 1000), rel=0.15)
    assert bootstrap_ci(values, seed=1) == (low, high)
    with pytest.raises(ValueError, match="empty"):
        bootstrap_ci(np.array([]))


def test_random_guess_recall() -> None:
    assert random_guess_recall(3684, 10) == pytest.approx(10 / 3683)
    assert random_guess_recall(5, 10, exclude_query=False) == 1.0
