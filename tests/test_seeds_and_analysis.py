"""The seed study, and reading a sweep's tables (no Ray needed)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prod2vec.configuration import Configuration
from prod2vec.data.sessions import split_sessions
from prod2vec.evaluation.bootstrap import paired_difference_interval
from prod2vec.evaluation.results import pair_metrics
from prod2vec.evaluation.seed_study import (
    LADDER_COMPARISONS,
    PATIENCE,
    Variant,
    ladder_variants,
    study_seeds,
    study_variants,
    summarise_scores,
    write_seed_study,
)
from prod2vec.models.callbacks import EarlyStopping, MetricLogger, StopAfterEpoch
from prod2vec.models.word2vec import (
    DEFAULT_PARAMS,
    OUT_OF_THE_BOX,
    Word2VecRecommender,
    train_word2vec,
)
from prod2vec.online_retail.reference_protocol import clean_sessions
from tests.conftest import make_transactions
from tests.test_word2vec import SESSIONS, SMALL

analysis = pytest.importorskip("prod2vec.tune.analysis")  # the tune extra


def test_stop_after_epoch_keeps_the_planned_schedule() -> None:
    stopper = StopAfterEpoch(3)
    model = train_word2vec(SESSIONS, {**SMALL, "epochs": 10}, callbacks=[stopper])
    assert model.min_alpha_yet_reached > SMALL.get("min_alpha", 0.0001)  # stopped mid-schedule
    assert stopper._epochs_seen == 3
    with pytest.raises(ValueError, match="at least 1"):
        StopAfterEpoch(0)


def test_paired_difference_interval() -> None:
    rng = np.random.default_rng(0)
    better = [rng.normal(0.05, 0.2, 1000) for _ in range(5)]
    mean, low, high = paired_difference_interval(better)
    assert low < mean < high and low > 0
    same = [rng.normal(0.0, 0.2, 1000) for _ in range(5)]
    _, low, high = paired_difference_interval(same)
    assert low < 0 < high


def generated_raw(customers: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for customer in range(customers):
        cluster = rng.integers(4)
        for position in range(rng.integers(6, 14)):
            rows.append((f"{customer}{position}", f"{cluster}000{rng.integers(6)}",
                         customer + 1, 1, position))  # fmt: skip
    return make_transactions(rows)


def test_one_model_per_model_seed_serves_every_split(tmp_path: Path) -> None:
    _, sessions = clean_sessions(raw=generated_raw())
    study = study_seeds(
        sessions,
        {**SMALL, "epochs": 4},
        "input-input",
        epochs_to_run=2,
        split_seeds=(1, 2),
        model_seeds=(0, 1),
        k=3,
        n_test=10,
        n_validation=10,
    )
    scores = study.scores
    assert len(scores) == 2 * (2 + 2)  # splits x (two baselines + two model seeds)
    assert set(scores["model_seed"]) == {-1, 0, 1}
    pairs = study.differences[["model", "versus", "metric"]].itertuples(index=False, name=None)
    assert list(pairs) == [
        ("Word2Vec tuned", "CoOccurrence", "Recall@3"), ("Word2Vec tuned", "CoOccurrence", "MRR@3"),
        ("Word2Vec tuned", "SequentialRules", "Recall@3"),
        ("Word2Vec tuned", "SequentialRules", "MRR@3"),
        ("CoOccurrence", "SequentialRules", "Recall@3"),
        ("CoOccurrence", "SequentialRules", "MRR@3"),
    ]  # fmt: skip
    differences = study.differences
    assert (differences["ci_low"] <= differences["ci_high"]).all()
    assert set(differences["verdict"]) <= {"win", "loss", "tie"}
    assert list(study.reference_pairs.columns) == ["Recall@3", "MRR@3"]
    assert len(study.reference_pairs) == 10
    summary = summarise_scores(scores)
    assert list(summary.index) == ["CoOccurrence", "SequentialRules", "Word2Vec tuned"]

    paths = write_seed_study(study, tmp_path / "seeds", "python -m prod2vec seeds x", "best.json")
    assert {name: path.name for name, path in paths.items()} == {
        "scores": "scores.csv",
        "differences": "differences.csv",
        "reference_split_pairs": "reference_split_pairs.csv",
        "command": "command.json",
    }
    pd.testing.assert_frame_equal(pd.read_csv(paths["scores"]), scores)
    pd.testing.assert_frame_equal(pd.read_csv(paths["differences"]), differences)
    pd.testing.assert_frame_equal(
        pd.read_csv(paths["reference_split_pairs"]), study.reference_pairs
    )
    assert json.loads(paths["command"].read_text()) == {
        "command": "python -m prod2vec seeds x",
        "config": "best.json",
    }


def test_early_stopped_variant_equals_stopping_on_each_split_alone() -> None:
    """Oracle: one training watched on every split gives, per split, the model that early
    stopping on that split's validation pairs alone gives."""
    _, sessions = clean_sessions(raw=generated_raw(customers=90))
    settings = {**SMALL, "epochs": 12, "alpha": 0.1}
    sizes = {"n_test": 12, "n_validation": 12}
    study = study_variants(
        sessions,
        [Variant("early", settings), Variant("fixed", settings, epochs_to_run=3)],
        [("early", "fixed"), ("fixed", "CoOccurrence")],
        split_seeds=(1, 2, 3),
        model_seeds=(0,),
        k=3,
        **sizes,
    )
    early = study.scores.query("model == 'early'").set_index("split_seed")
    assert (study.scores.query("model == 'fixed'")["epochs"] == 3).all()
    assert (study.scores.query("model_seed == -1")["epochs"] == 0).all()
    for seed in (1, 2, 3):
        split = split_sessions(sessions, seed=seed, **sizes)
        logger = MetricLogger(split.validation, k=3)
        stopper = EarlyStopping(logger, "Recall@3", patience=PATIENCE)
        alone = Word2VecRecommender(settings, seed=0, callbacks=[logger, stopper]).fit(split.train)
        assert early.loc[seed, "epochs"] == stopper.best_epoch
        expected = pair_metrics(alone, split.test, k=3).mean()
        assert early.loc[seed, ["Recall@3", "MRR@3"]].tolist() == expected.tolist()
    assert len(set(early["epochs"])) > 1  # the splits really stopped at different epochs
    assert list(study.differences["versus"]) == ["fixed", "fixed", "CoOccurrence", "CoOccurrence"]


def test_a_study_refuses_what_it_cannot_compare() -> None:
    _, sessions = clean_sessions(raw=generated_raw())
    sizes = {"n_test": 10, "n_validation": 10}
    with pytest.raises(ValueError, match=r"name \['ItemKNN'\]"):
        study_variants(sessions, [Variant("a", SMALL)], [("a", "ItemKNN")], **sizes)
    with pytest.raises(ValueError, match="unique"):
        study_variants(sessions, [Variant("a", SMALL)] * 2, [], **sizes)


def test_the_ladder_puts_back_one_default_at_a_time() -> None:
    tuned = Configuration.from_dict(
        {"word2vec": {**SMALL, "epochs": 8}, "scoring": "input-output", "best_epoch": 5}
    )
    variants = {variant.name: variant for variant in ladder_variants(tuned)}
    assert {name for pair in LADDER_COMPARISONS for name in pair} <= {*variants, "CoOccurrence"}
    changed = {key for key in DEFAULT_PARAMS if DEFAULT_PARAMS[key] != OUT_OF_THE_BOX[key]}
    ablated = [v for name, v in variants.items() if name.startswith("prod2vec defaults but")]
    assert len(ablated) == len(changed) == 4
    for variant in ablated:
        (key,) = {k for k in DEFAULT_PARAMS if variant.settings[k] != DEFAULT_PARAMS[k]}
        assert variant.settings[key] == OUT_OF_THE_BOX[key]
    assert variants["prod2vec defaults"].epochs_to_run is None  # early-stopped
    assert variants["Gensim defaults"].settings == OUT_OF_THE_BOX
    assert variants["Word2Vec tuned"].epochs_to_run == 5
    assert variants["Word2Vec tuned but input-input"].scoring == "input-input"


def trial_rows(rows: list[tuple]) -> pd.DataFrame:
    columns = ["vector_size", "window", "negative", "epochs_run", "cpu_seconds",
               "best_recall_at_10"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    for name in ("ns_exponent", "alpha", "sample"):
        frame[name] = 0.5
    return frame.assign(epochs=20, scoring="input-input")


def test_asha_savings_compare_the_same_configurations() -> None:
    asha = trial_rows(
        [(10, 1, 1, 3, 3.0, 0.20), (20, 2, 2, 20, 40.0, 0.26), (30, 3, 3, 3, 6.0, 0.1)]
    )
    full = trial_rows([(10, 1, 1, 20, 20.0, 0.21), (20, 2, 2, 20, 40.0, 0.26)])
    table = analysis.asha_savings(asha, full)
    assert table.loc["with ASHA", "trials"] == 2
    assert table.loc["with ASHA", "epochs"] == 23 and table.loc["without ASHA", "epochs"] == 40
    assert table.loc["ASHA / without", "cpu_seconds"] == pytest.approx(43 / 60)
    assert table.loc["with ASHA", "best_recall_at_10"] == 0.26
    with pytest.raises(ValueError, match="share no configuration"):
        analysis.asha_savings(asha.assign(window=99), full)


def test_pareto_front_and_the_cheapest_good_trial() -> None:
    trials = trial_rows([(1, 1, 1, 3, 1.0, 0.10), (2, 1, 1, 3, 2.0, 0.09),
                         (3, 1, 1, 3, 5.0, 0.25), (4, 1, 1, 3, 9.0, 0.255)])  # fmt: skip
    front = analysis.pareto_front(trials)
    assert front["cpu_seconds"].tolist() == [1.0, 5.0, 9.0]
    assert analysis.cheapest_within(trials, tolerance=0.01)["cpu_seconds"] == 5.0
