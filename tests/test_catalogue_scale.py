"""Large catalogues: scoring in batches cut to a memory budget, count models ranked from their
stored entries, counts shared across windows, progress of the baselines, and the benchmark."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from prod2vec.data.integer_sessions import encode_sessions
from prod2vec.errors import ConfigurationError
from prod2vec.evaluation.results import results_table
from prod2vec.evaluation.selection import WINDOWS, fit_baselines
from prod2vec.models.baselines import (
    AssociationRules,
    CoOccurrence,
    MostPopular,
    SequentialRules,
    windowed_counts,
    windowed_counts_sweep,
)
from prod2vec.models.ranking import (
    ranks_in_rows,
    sparse_ranks_in_rows,
    sparse_top_k_indices,
    top_k_indices,
)
from prod2vec.models.word2vec import DEFAULT_PARAMS, Word2VecRecommender
from prod2vec.progress import Stages
from tests.test_recommender import FixedScores

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_catalogue import catalogue_interactions  # noqa: E402


@pytest.fixture(scope="module")
def catalogue() -> tuple[list[list[str]], pd.DataFrame]:
    """Training sessions and 60 (query, target) pairs, some with unknown or repeated items."""
    frame = catalogue_interactions(n_items=400, n_sessions=300, seed=3)
    sessions = frame.groupby("user")["item"].agg(list).tolist()
    train = [session[:-1] for session in sessions]
    pairs = pd.DataFrame(
        {"query": [s[-2] for s in sessions[:60]], "target": [s[-1] for s in sessions[:60]]}
    )
    pairs.loc[0, "query"] = "never seen"
    pairs.loc[1, "target"] = "never seen"
    pairs.loc[2, "target"] = pairs.loc[2, "query"]
    return train, pairs


def fitted_models(train: list[list[str]]) -> list:
    encoded = encode_sessions(train)
    counting = [
        model.fit_encoded(encoded)
        for model in (MostPopular(), AssociationRules(), CoOccurrence(3), SequentialRules(5))
    ]
    word2vec = Word2VecRecommender({**DEFAULT_PARAMS, "epochs": 1, "min_count": 1}, workers=1)
    return [*counting, word2vec.fit(train)]


def answers(model, pairs: pd.DataFrame) -> list[np.ndarray]:
    queries, targets = pairs["query"], pairs["target"]
    return [
        model.recommend(queries, k=12),
        model.recommend(queries, k=7, exclude_query=False),
        model.target_ranks(queries, targets),
        model.target_ranks(queries, targets, cutoff=10),
        model.target_ranks(queries, targets, exclude_query=False),
    ]


def test_batches_cut_to_the_memory_budget_give_exactly_the_same_answers(catalogue) -> None:
    train, pairs = catalogue
    for model in fitted_models(train):
        unlimited = answers(model, pairs)
        model.score_memory_budget = 1  # every query in a batch of its own
        for got, expected in zip(answers(model, pairs), unlimited, strict=True):
            np.testing.assert_array_equal(got, expected, err_msg=model.name)


def test_count_models_rank_their_stored_entries_exactly_as_dense_rows(catalogue) -> None:
    train, pairs = catalogue
    for model in fitted_models(train)[1:4]:
        sparse = answers(model, pairs)
        model.dense_above = -1.0  # every batch ranked from dense score rows
        dense = answers(model, pairs)
        for got, expected in zip(sparse, dense, strict=True):
            np.testing.assert_array_equal(got, expected, err_msg=model.name)


def test_a_batch_holds_what_fits_and_at_least_one_query() -> None:
    model = FixedScores([f"i{n}" for n in range(10)], list(range(10)))  # 80 bytes per query
    model.score_memory_budget = 250
    rows = np.arange(7)
    batches = list(model._batches(np.zeros(7, dtype=np.int64), rows, batch_size=1024))
    assert [batch.tolist() for batch in batches] == [[0, 1, 2], [3, 4, 5], [6]]
    model.score_memory_budget = 10
    assert len(list(model._batches(np.zeros(7, dtype=np.int64), rows, batch_size=1024))) == 7
    model.score_memory_budget = 10**9
    assert [len(b) for b in model._batches(np.zeros(7, dtype=np.int64), rows, batch_size=4)] == [
        4,
        3,
    ]


@st.composite
def sparse_rows(draw):
    n_rows, n_columns = draw(st.integers(1, 6)), draw(st.integers(1, 12))
    values = draw(
        st.lists(
            st.sampled_from([0.0, 0.0, 0.5, 1.0, 1.0, 2.0]),
            min_size=n_rows * n_columns,
            max_size=n_rows * n_columns,
        )
    )
    dense = np.array(values).reshape(n_rows, n_columns)
    excluded = np.array(
        draw(st.lists(st.integers(-1, n_columns - 1), min_size=n_rows, max_size=n_rows))
    )
    targets = np.array(
        draw(st.lists(st.integers(0, n_columns - 1), min_size=n_rows, max_size=n_rows))
    )
    return dense, excluded, targets


@settings(max_examples=200, deadline=None)
@given(sparse_rows(), st.integers(1, 14), st.sampled_from([None, 1, 2, 5]))
def test_sparse_kernels_equal_the_dense_ones(case, k, cutoff) -> None:
    dense, excluded, targets = case
    rows = sp.csr_matrix(dense)
    as_scores = np.where(dense > 0, dense, -np.inf)
    excluded_scores = as_scores.copy()
    has = np.flatnonzero(excluded >= 0)
    excluded_scores[has, excluded[has]] = -np.inf
    np.testing.assert_array_equal(
        sparse_top_k_indices(rows, excluded, k), top_k_indices(excluded_scores, k)
    )
    np.testing.assert_array_equal(
        sparse_ranks_in_rows(rows, targets, excluded, cutoff),
        ranks_in_rows(as_scores, targets, excluded, cutoff),
    )


def test_one_pass_over_the_distances_gives_every_window_bit_for_bit(catalogue) -> None:
    encoded = encode_sessions(catalogue[0])
    for decay, family in ((False, CoOccurrence), (True, SequentialRules)):
        swept = dict(windowed_counts_sweep(encoded, [5, 1, 3, 1], decay))
        assert list(swept) == [1, 3, 5]
        for window, counts in swept.items():
            alone = windowed_counts(encoded, window, decay)
            assert (counts != alone).nnz == 0
        models = list(family.fit_windows(encoded, [3, 1]))
        assert [model.name for model in models] == [
            f"{family.__name__}(window={w})" for w in (1, 3)
        ]
        for model in models:
            alone = family(model.window).fit_encoded(encoded).matrix_
            np.testing.assert_array_equal(model.matrix_.toarray(), alone.toarray())
    with pytest.raises(ConfigurationError, match="window must be at least 1, got 0"):
        list(windowed_counts_sweep(encoded, [2, 0], decay=False))


def test_the_baselines_say_which_model_and_window_they_are_on(catalogue) -> None:
    train, pairs = catalogue
    stream = io.StringIO()
    stages = Stages(stream=stream)
    with stages.stage("fit the baselines"):
        suite = fit_baselines(train, pairs, windows=(1, 2), k=5, say=stages.step)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "fit the baselines ..."
    assert lines[1].startswith("  ") and "items" in lines[1] and "training tokens" in lines[1]
    for family in ("CoOccurrence", "SequentialRules"):
        for window in (1, 2):
            assert any(
                line.startswith(f"  {family}(window={window}): validation Recall@5 ")
                for line in lines
            )
        chosen = next(model.name for model in suite.models if model.name.startswith(family))
        assert f"  {family}: chose {chosen}" in lines
    assert lines[-1].startswith("fit the baselines: done in")
    quiet = fit_baselines(train, pairs, windows=(1, 2), k=5)
    pd.testing.assert_frame_equal(quiet.window_sweep, suite.window_sweep)

    said: list[str] = []
    results_table(suite.models[:2], pairs, k=5, n_resamples=10, say=said.append)
    assert [line.split(":")[0] for line in said] == ["MostPopular", "AssociationRules"]


def test_windows_are_tried_in_ascending_order_once(catalogue) -> None:
    train, pairs = catalogue
    shuffled = fit_baselines(train, pairs, windows=(20, 2, 2, 1), k=5).window_sweep
    ordered = fit_baselines(train, pairs, windows=(1, 2, 20), k=5).window_sweep
    pd.testing.assert_frame_equal(shuffled, ordered)
    assert set(WINDOWS) >= {1, 2, 20}


def test_the_generated_catalogue_has_its_planted_successor() -> None:
    frame = catalogue_interactions(n_items=500, n_sessions=400, seed=1)
    lengths = frame.groupby("user").size()
    assert lengths.between(5, 30).all() and len(lengths) == 400
    counts = frame["item"].value_counts()
    assert counts.iloc[0] > 10 * counts.median()  # long-tailed popularity
    pd.testing.assert_frame_equal(
        frame, catalogue_interactions(n_items=500, n_sessions=400, seed=1)
    )
    model = SequentialRules(1).fit(frame.groupby("user")["item"].agg(list).tolist())
    pairs = frame.groupby("user")["item"].agg(lambda items: items.iloc[-2:].tolist())
    queries, targets = zip(*pairs, strict=True)
    ranks = model.target_ranks(list(queries), list(targets), cutoff=1)
    assert (ranks == 1).mean() > 0.6  # the successor follows 70% of the time


def test_the_catalogue_benchmark_runs_on_a_tiny_catalogue(tmp_path: Path) -> None:
    output = tmp_path / "catalogue.json"
    command = [
        sys.executable,
        str(ROOT / "benchmarks" / "bench_catalogue.py"),
        *("--items", "600", "--sessions", "400", "--held-out", "30"),
        *("--compare-queries", "20", "--output", str(output)),
    ]
    environment = {**os.environ, "PYTHONHASHSEED": "0"}
    subprocess.run(command, check=True, capture_output=True, text=True, env=environment)
    result = json.loads(output.read_text())
    assert result["held-out pairs (test, validation)"] == [30, 30]
    assert result["same top 10 before and now"] is True
    for stage in (
        "sessionize and split",
        "baselines fit",
        "one Word2Vec epoch",
        "batch evaluation",
    ):
        assert result[f"{stage} seconds"] >= 0 and result[f"{stage} traced peak MB"] >= 0
    assert len(result["baselines chosen"]) == 4
    assert "src/prod2vec/models/ranking.py" in result["provenance"]["sources"]
