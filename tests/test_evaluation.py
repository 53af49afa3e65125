from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from prod2vec.evaluation.bootstrap import (
    bootstrap_ci,
    paired_difference_interval,
    percentile_interval,
    resampled_means,
)
from prod2vec.evaluation.results import (
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


def test_bootstrap_draws_what_the_former_two_copies_drew() -> None:
    """Bit for bit the inline implementations that results and the seed study had before."""
    tail = (1 - 0.95) / 2 * 100  # not exactly 2.5
    rng = np.random.default_rng(0)
    values = rng.random(500)
    draws = np.random.default_rng(3)
    means = values[draws.integers(0, 500, size=(2000, 500))].mean(axis=1)
    assert bootstrap_ci(values, seed=3) == tuple(
        float(end) for end in np.percentile(means, [tail, 100 - tail])
    )
    splits = [rng.normal(0.1, 1, size) for size in (300, 200, 250)]
    draws, paired = np.random.default_rng(0), np.zeros(2000)
    for split in splits:
        paired += split[draws.integers(0, len(split), size=(2000, len(split)))].mean(axis=1)
    paired /= len(splits)
    low, high = np.percentile(paired, [tail, 100 - tail])
    mean = np.mean([np.mean(split) for split in splits])
    assert paired_difference_interval(splits) == (float(mean), float(low), float(high))


def test_the_bootstrap_building_blocks() -> None:
    means = resampled_means(np.arange(10.0), 50, np.random.default_rng(0))
    assert means.shape == (50,) and (means >= 0).all() and (means <= 9).all()
    assert percentile_interval(np.arange(101.0), level=0.9) == pytest.approx((5.0, 95.0))
    with pytest.raises(ValueError, match="level"):
        percentile_interval(means, level=1.0)
    with pytest.raises(ValueError, match="empty"):
        paired_difference_interval([np.ones(3), np.array([])])


def test_random_guess_recall() -> None:
    assert random_guess_recall(3684, 10) == pytest.approx(10 / 3683)
    assert random_guess_recall(5, 10, exclude_query=False) == 1.0
