"""The model endpoint: answers from a pipeline's output folder, and an error object for any bad
request, never an exception."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from prod2vec.cli import main
from prod2vec.models.word2vec import load_output_weights, load_vectors, save_vectors, unit_vectors
from prod2vec.serving import MAX_ITEMS, SessionScorer, parse_request
from tests.synthetic import labels_table, shopping_events, write_csv


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("serving")
    events = write_csv(shopping_events(), folder / "events.csv")
    labels = write_csv(labels_table(), folder / "labels.csv")
    out = folder / "run"
    assert main(["pipeline", "--input", str(events), "--metadata", str(labels), "--no-search",
                 "--out", str(out)]) == 0  # fmt: skip
    # serve the run's Word2Vec, as a run folder written before serving.json was (the mean of
    # every request item): on this data the run chose a counting model
    (out / "serving.json").unlink()
    (out / "counting_model.npz").unlink()
    return out


def test_answers_with_descriptions_and_scores(run_folder: Path) -> None:
    scorer = SessionScorer(run_folder)
    answer = scorer.answer({"items": ["t3-i4", "t3-i5"], "k": 5})
    found = answer["recommendations"]
    assert len(found) == 5 and {"t3-i4", "t3-i5"}.isdisjoint(row["item"] for row in found)
    assert all(row["description"] == "theme 3 item" for row in found[:3])  # learned themes
    assert [row["score"] for row in found] == sorted((row["score"] for row in found), reverse=True)
    # the score is the cosine of the mean input vector with each output vector
    vectors = load_vectors(run_folder / "vectors.npz")
    outputs = unit_vectors(load_output_weights(run_folder / "vectors.npz"))
    rows = [vectors.key_to_index[item] for item in ("t3-i4", "t3-i5")]
    query = unit_vectors(unit_vectors(vectors.vectors)[rows].mean(axis=0, keepdims=True))
    expected = (query @ outputs.T).ravel()[vectors.key_to_index[found[0]["item"]]]
    assert found[0]["score"] == pytest.approx(expected, abs=1e-6)
    single = scorer.answer({"item": "t3-i4"})["recommendations"]
    assert len(single) == 10


@pytest.mark.parametrize(
    ("request_body", "phrase"),
    [
        ("85123A", "JSON object"),
        ({}, "non-empty list"),
        ({"items": []}, "non-empty list"),
        ({"items": "t3-i4"}, "non-empty list"),
        ({"items": [85123]}, "non-empty strings"),
        ({"items": ["t3-i4"], "item": "t3-i4"}, "not both"),
        ({"items": ["t3-i4"], "k": 0}, "from 1 to 100"),
        ({"items": ["t3-i4"], "k": 1000}, "from 1 to 100"),
        ({"items": ["t3-i4"], "k": "10"}, "from 1 to 100"),
        ({"items": ["t3-i4"], "k": True}, "from 1 to 100"),
        ({"items": ["t3-i4"] * (MAX_ITEMS + 1)}, "at most 50"),
        ({"items": ["t3-i4"], "kk": 3}, "unknown fields"),
        ({"items": ["t3-i4", "nope"]}, "unknown items ['nope']"),
    ],
)
def test_bad_requests_get_an_error_object(run_folder: Path, request_body, phrase: str) -> None:
    answer = SessionScorer(run_folder).answer(request_body)
    assert list(answer) == ["error"] and phrase in answer["error"]


def test_k_larger_than_the_catalogue_returns_every_other_item(run_folder: Path) -> None:
    answer = SessionScorer(run_folder).answer({"items": ["t0-i0"], "k": 100})
    assert len(answer["recommendations"]) == 96 - 1


def test_vectors_without_output_weights_are_refused(run_folder: Path, tmp_path: Path) -> None:
    save_vectors(load_vectors(run_folder / "vectors.npz"), tmp_path / "vectors.npz")
    with pytest.raises(ValueError, match="no output weights"):
        SessionScorer(tmp_path)


def test_parse_request_accepts_the_documented_forms() -> None:
    assert parse_request({"items": ["a", "b"], "k": 3}) == (["a", "b"], 3)
    assert parse_request({"item": "a"}) == (["a"], 10)
    assert isinstance(parse_request({"items": [np.str_("a"), None]}), str)
