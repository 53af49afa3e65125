"""The pipeline's choices: a configuration by default search, the model to serve, the verdict."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from prod2vec.cli import main
from prod2vec.data.readers import read_long
from prod2vec.evaluation.context import LAST_ITEM
from prod2vec.evaluation.selection import choose_served_model
from prod2vec.models.baselines import CoOccurrence, MostPopular
from prod2vec.outputs.run_folder import RunFolder
from prod2vec.outputs.run_report import verdict
from prod2vec.outputs.served_model import ServedModel
from prod2vec.pipeline import DEFAULT_CONFIGURATION, PipelineSettings, run_pipeline
from prod2vec.progress import Stages
from prod2vec.search import SearchBudget
from prod2vec.serving import SessionScorer
from tests.synthetic import shopping_events, write_csv


class Renamed(CoOccurrence):
    """CoOccurrence under another name: a stand-in that ties with it everywhere."""

    @property
    def name(self) -> str:
        return "Word2Vec"


@pytest.fixture(scope="module")
def events(tmp_path_factory) -> Path:
    return write_csv(shopping_events(), tmp_path_factory.mktemp("choice") / "events.csv")


@pytest.fixture(scope="module")
def searched(events: Path):
    interactions, quality = read_long(events, "user_id", "item_id", "ts")
    return run_pipeline(
        interactions, quality, PipelineSettings(), search=SearchBudget(trials=3),
        stages=Stages(stream=None),
    )  # fmt: skip


def test_a_tie_on_validation_goes_to_the_counting_model() -> None:
    sessions = [["a", "b", "c", "a", "b"], ["b", "c", "a", "c"], ["c", "a", "b"]]
    validation = pd.DataFrame({"query": ["a", "b"], "target": ["b", "c"]})
    counting, twin = CoOccurrence(2).fit(sessions), Renamed(2).fit(sessions)
    choice = choose_served_model(twin, [counting], validation)
    assert choice.served is counting and choice.best_baseline is counting
    assert not choice.word2vec_wins
    assert list(choice.validation["model"]) == ["CoOccurrence(window=2)", "Word2Vec"]
    popular = MostPopular().fit(sessions)  # ties too: the first counting model listed wins
    assert choose_served_model(twin, [popular, counting], validation).served is popular


def test_the_best_validation_recall_is_served(searched) -> None:
    validation = searched.choice.validation.set_index("model")["Recall@10"]
    assert searched.served.name == validation.idxmax()
    assert searched.choice.best_baseline.name == validation.drop("Word2Vec").idxmax()
    assert searched.search is not None and len(searched.search.trials) == 3
    assert searched.configuration.provenance.search["budget"] == "3 trials"


def test_the_verdict_says_what_wins_and_what_is_served(searched) -> None:
    said = verdict(searched)
    assert said.startswith(f"**{searched.served.name} is served, not Word2Vec**")
    assert "Warning:" in said and "[" in said  # intervals
    as_if_word2vec_won = replace(
        searched,
        choice=replace(searched.choice, served=searched.choice.word2vec),
        served=ServedModel("Word2Vec", searched.model, LAST_ITEM),
    )
    won = verdict(as_if_word2vec_won)
    assert won.startswith("**Word2Vec is served**") and "Warning" not in won
    assert searched.choice.best_baseline.name in won


def test_the_paired_test_difference_matches_the_results(searched) -> None:
    test = searched.results.set_index(["model", "metric"])["value"]
    best = searched.choice.best_baseline.name
    for label, (mean, low, high) in searched.test_difference.items():
        assert mean == pytest.approx(test["Word2Vec", label] - test[best, label])
        assert low <= mean <= high


def test_no_search_trains_the_evidence_defaults(events: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["pipeline", "--input", str(events), "--time-col", "ts", "--no-search",
                 "--out", str(out)]) == 0  # fmt: skip
    written = RunFolder(out).configuration()
    assert written.word2vec == DEFAULT_CONFIGURATION.word2vec
    assert written.scoring == DEFAULT_CONFIGURATION.scoring
    assert not RunFolder(out).trials.exists()


def test_a_search_budget_in_trials_runs_that_many(events: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    assert main(["pipeline", "--input", str(events), "--time-col", "ts", "--search-budget",
                 "4 trials", "--out", str(out)]) == 0  # fmt: skip
    trials = pd.read_csv(RunFolder(out).trials)
    assert list(trials["trial_id"]) == [f"optuna-{number:05d}" for number in range(4)]
    captured = capsys.readouterr()
    assert "search a configuration on the validation pairs (4 trials)" in captured.err
    assert "is served" in captured.out  # the verdict, after the table


def test_the_endpoint_serves_what_the_run_chose(events: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["pipeline", "--input", str(events), "--time-col", "ts", "--search-budget", "2",
                 "--out", str(out)]) == 0  # fmt: skip
    run = RunFolder(out)
    served = json.loads(run.serving.read_text())
    metrics = json.loads(run.metrics.read_text())
    assert served["model"] == metrics["served"]["model"]
    report = run.report.read_text().splitlines()
    assert report[4] == metrics["served"]["verdict"]  # the report opens with the verdict
    loaded = run.load_served_model()
    answer = SessionScorer(out).answer({"items": ["t2-i3"], "k": 5})
    recommended = [row["item"] for row in answer["recommendations"]]
    assert recommended == list(loaded.model.recommend(["t2-i3"], k=5)[0][: len(recommended)])
