"""The in-process configuration search: budgets, determinism, pruning, sampling, planted data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from prod2vec.configuration import Configuration
from prod2vec.data.sessions import SessionSplit, split_sessions
from prod2vec.errors import ConfigurationError
from prod2vec.models.word2vec import DEFAULT_PARAMS
from prod2vec.search import (
    DEFAULT_BUDGET,
    MAX_TRIALS,
    PARAMETERS,
    SearchBudget,
    parse_budget,
    search_configuration,
    search_sample,
)
from prod2vec.search.study import COMPLETE, PRUNED, PRUNER_WARMUP_EPOCHS, STOPPED_BY_BUDGET

#: Gensim-style defaults as the pipeline starts from them: ns_exponent 0.75, input-output
START = Configuration(word2vec=DEFAULT_PARAMS, scoring="input-output")


def partner_sessions(
    sessions: int = 600, items: int = 120, pairs: int = 3, seed: int = 0
) -> pd.Series:
    """Sessions of (item, its fixed partner) pairs, items drawn from a Zipf-like popularity.

    The next item is always the query's partner, rare or popular: negatives drawn with
    Gensim's ``ns_exponent`` 0.75 are mostly the best sellers, which input-output scoring then
    ranks badly, and input-input scoring finds items bought in similar contexts, not partners.
    """
    rng = np.random.default_rng(seed)
    popularity = 1 / np.arange(1, items + 1) ** 1.1
    partner = rng.permutation(items)
    firsts = rng.choice(items, size=(sessions, pairs), p=popularity / popularity.sum())
    return pd.Series(
        {
            f"u{user}": [f"i{item}" for first in row for item in (first, partner[first])]
            for user, row in enumerate(firsts)
        }
    )


@pytest.fixture(scope="module")
def split() -> SessionSplit:
    return split_sessions(partner_sessions(), n_test=100, n_validation=100, seed=0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("40", SearchBudget(trials=40)),
        ("40 trials", SearchBudget(trials=40)),
        (" 1 trial ", SearchBudget(trials=1)),
        ("90s", SearchBudget(seconds=90.0)),
        ("5min", SearchBudget(seconds=300.0)),
        ("2.5 min", SearchBudget(seconds=150.0)),
        ("2h", SearchBudget(seconds=7200.0)),
    ],
)
def test_budgets_parse(text: str, expected: SearchBudget) -> None:
    assert parse_budget(text) == expected


@pytest.mark.parametrize(
    "text",
    ["0", "0 trials", "-3", "0s", "0min", "-5min", "5 minutes later", "1e9 trials", "forty", "",
     "5m", "3.5 trials", "inf", f"{MAX_TRIALS + 1}"],
)  # fmt: skip
def test_bad_budgets_name_the_accepted_forms(text: str) -> None:
    with pytest.raises(ConfigurationError, match=r"'40' or '40 trials'.*'90s', '5min', '2h'"):
        parse_budget(text)


@pytest.mark.parametrize(
    ("trials", "seconds", "phrase"),
    [
        (None, None, "needs trials or seconds"),
        (0, None, "whole number from 1"),
        (2.5, None, "whole number from 1"),
        (True, None, "whole number from 1"),
        (None, 0.0, "positive number"),
        (None, float("inf"), "positive number"),
    ],
)
def test_a_budget_checks_itself(trials, seconds, phrase: str) -> None:
    with pytest.raises(ConfigurationError, match=phrase):
        SearchBudget(trials=trials, seconds=seconds)


@pytest.mark.parametrize("setting", ["k", "patience", "workers", "sample_above_tokens"])
def test_bad_search_settings_are_refused_before_training(split, setting: str) -> None:
    with pytest.raises(ConfigurationError, match=f"{setting} must be a whole number of at least 1"):
        search_configuration(split, START, SearchBudget(trials=1), **{setting: 0})


def test_the_start_is_trial_0_and_the_same_seed_gives_the_same_trials(split) -> None:
    said: list[str] = []
    first = search_configuration(split, START, SearchBudget(trials=8), say=said.append)
    again = search_configuration(split, START, SearchBudget(trials=8))
    timings = ["seconds", "cpu_seconds"]
    pd.testing.assert_frame_equal(
        first.trials.drop(columns=timings), again.trials.drop(columns=timings)
    )
    assert first.configuration == again.configuration
    start_row = first.trials.iloc[0]
    assert start_row["trial_id"] == "optuna-00000"
    assert start_row["scoring"] == "input-output"
    assert start_row[["ns_exponent", "window", "vector_size", "alpha", "sample"]].tolist() == [
        0.75,
        5,
        64,
        0.025,
        1e-3,
    ]
    assert len(said) == 8 and said[0].startswith("trial 1/8: Recall@10 ")
    assert "(best " in said[0]
    assert set(PARAMETERS) <= set(first.trials.columns)
    assert {"best_recall_at_10", "best_mrr_at_10", "best_epoch", "epochs_run"} <= set(
        first.trials.columns
    )
    assert first.cpu_seconds > 0 and first.wall_seconds > 0


def test_another_seed_draws_other_trials(split) -> None:
    one = search_configuration(split, START, SearchBudget(trials=3), seed=0)
    other = search_configuration(split, START, SearchBudget(trials=3), seed=1)
    assert one.trials.iloc[0]["alpha"] == other.trials.iloc[0]["alpha"]  # the start, both
    assert one.trials.iloc[1]["alpha"] != other.trials.iloc[1]["alpha"]


def test_the_search_finds_the_planted_partners_where_gensim_defaults_do_not(split) -> None:
    result = search_configuration(split, START, DEFAULT_BUDGET)
    trials = result.trials.set_index("number")
    start_recall = trials.loc[0, "best_recall_at_10"]
    assert start_recall < 0.45  # ns_exponent 0.75 with input-output scoring
    for ns_exponent in (0.75, 0.0, -0.5):
        input_input = Configuration(
            word2vec={**DEFAULT_PARAMS, "ns_exponent": ns_exponent}, scoring="input-input"
        )
        alone = search_configuration(split, input_input, SearchBudget(trials=1))
        assert alone.configuration.validation["recall_at_10"] < 0.6
    chosen = result.configuration
    assert chosen.validation["recall_at_10"] >= 0.8
    assert chosen.scoring == "input-output" and chosen.settings["ns_exponent"] < 0.5
    assert chosen.trial_id == f"optuna-{trials['best_recall_at_10'].idxmax():05d}"
    assert chosen.best_epoch == trials.loc[int(chosen.trial_id[-5:]), "best_epoch"]
    # the chosen trial's row gives back the chosen configuration
    row = result.trials.iloc[int(chosen.trial_id[-5:])]
    assert Configuration.from_trial_row(row, k=10).word2vec == chosen.word2vec
    assert chosen.provenance.search["sampler"].endswith("seed=0)")
    assert chosen.provenance.search["budget"] == DEFAULT_BUDGET.describe()
    assert chosen.provenance.search["searched_sessions"] == len(split.train)


def test_the_pruner_stops_trials_below_the_median(split) -> None:
    result = search_configuration(split, START, SearchBudget(trials=25))
    states = result.trials["state"]
    assert (states == PRUNED).any() and (states == COMPLETE).any()
    pruned = result.trials[states == PRUNED]
    assert (pruned["epochs_run"] >= PRUNER_WARMUP_EPOCHS).all()
    assert set(states) <= {COMPLETE, PRUNED}


def test_a_time_budget_stops_the_trial_in_progress_and_keeps_its_best_epoch(split) -> None:
    result = search_configuration(split, START, SearchBudget(seconds=1e-6))
    assert len(result.trials) == 1
    row = result.trials.iloc[0]
    assert row["state"] == STOPPED_BY_BUDGET and row["epochs_run"] == 1
    assert result.configuration.best_epoch == 1
    assert result.configuration.provenance.search["budget"] == "1e-06 s"


def test_a_time_budget_ends_the_search(split) -> None:
    result = search_configuration(split, START, SearchBudget(trials=MAX_TRIALS, seconds=1.0))
    assert 1 <= len(result.trials) < MAX_TRIALS
    assert result.wall_seconds < 3.0


def test_ctrl_c_propagates(split) -> None:
    def interrupt(line: str) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        search_configuration(split, START, SearchBudget(trials=3), say=interrupt)


def test_large_data_is_searched_on_a_sample_that_keeps_the_validation_sessions() -> None:
    sessions = partner_sessions(sessions=1000, items=3000)
    split = split_sessions(sessions, n_test=50, n_validation=50, seed=0)
    tokens = sum(map(len, split.train))
    sample = search_sample(split, max_tokens=tokens // 4, seed=0, users=sessions.index)
    assert 0.8 * tokens / 4 < sum(map(len, sample)) < 1.2 * tokens / 4
    kept = {tuple(session) for session in sample}
    for user in split.validation["user"]:
        assert tuple(sessions[user][:-1]) in kept
    assert search_sample(split, tokens // 4, seed=0, users=sessions.index) == sample  # seeded
    assert search_sample(split, max_tokens=tokens, seed=0) is split.train
    # without the users, every session ending with a validation query is kept
    wider = search_sample(split, max_tokens=tokens // 4, seed=0)
    assert {tuple(session[:-1]) for session in sessions[split.validation["user"]]} <= {
        tuple(session) for session in wider
    }
    assert len(wider) > len(sample)
    with pytest.raises(ValueError, match="users has 3 entries for 1000 training sessions"):
        search_sample(split, tokens // 4, users=["a", "b", "c"])

    result = search_configuration(
        split,
        START,
        SearchBudget(trials=2),
        sample_above_tokens=tokens // 4,
        users=sessions.index,
    )
    search = result.configuration.provenance.search
    assert search["searched_sessions"] == len(sample) < search["training_sessions"]
    assert search["searched_tokens"] == sum(map(len, sample))
