"""Issue 20's new surfaces attacked with messy inputs: the pipeline's search flags, Ctrl-C
during the search, hand-edited serving files and requests, and the verdict on edge data."""

from __future__ import annotations

import io
import json
import pickle
import shutil
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prod2vec.cli import main
from prod2vec.data.readers import read_long
from prod2vec.errors import ConfigurationError, ModelFileError
from prod2vec.evaluation.context import LAST_ITEM, ContextRule
from prod2vec.models.baselines import CoOccurrence, MostPopular
from prod2vec.models.counting_files import load_counting_model, save_counting_model
from prod2vec.outputs.run_folder import RunFolder
from prod2vec.outputs.run_report import verdict
from prod2vec.outputs.served_model import ServedModel, write_served_model
from prod2vec.pipeline import PipelineSettings, run_pipeline
from prod2vec.progress import Stages
from prod2vec.search import MAX_TRIALS, parse_budget
from prod2vec.search.budget import MAX_SECONDS
from prod2vec.serving import SessionScorer
from tests.interrupting import interrupt_pipeline
from tests.synthetic import shopping_events, write_csv

ROOT = Path(__file__).resolve().parents[1]
FORMS = r"'40' or '40 trials'.*'90s', '5min', '2h'"


@pytest.fixture(scope="module")
def events(tmp_path_factory) -> Path:
    return write_csv(shopping_events(), tmp_path_factory.mktemp("data") / "events.csv")


# --- the search flags: refused in one line, exit 2, before the data is read ---------------


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("9" * 5000, "far too large"),  # int() of 5,000 digits raised a ValueError
        ("9" * 400 + "h", "far too large"),  # an infinite time was refused as "not positive"
        ("1" * 13, "far too large"),
        ("169h", "longer than a week"),
        ("100000h", "longer than a week"),  # was accepted: a 41-year search
        ("0", "zero trials"),
        ("0s", "no time at all"),
        (f"{MAX_TRIALS + 1}", "more than 10,000 trials"),
        ("5m", "not understood"),
        ("\u0664\u0660", "not understood"),  # Arabic-Indic digits for 40
    ],
)
def test_bad_budgets_say_what_is_wrong_and_the_forms(text: str, phrase: str) -> None:
    with pytest.raises(ConfigurationError, match=FORMS) as raised:
        parse_budget(text)
    message = str(raised.value)
    assert phrase in message and "\n" not in message and len(message) < 300


def test_a_week_is_the_longest_budget() -> None:
    assert parse_budget("168h").seconds == MAX_SECONDS == parse_budget("10080min").seconds


@pytest.mark.parametrize(
    ("flags", "phrase"),
    [
        (["--search-budget", "", "--no-search"], "not --no-search and --search-budget"),
        (["--no-search", "--search-seed", "3"], "--search-seed seeds a search, and --no-search"),
        (["--no-search", "--search-se=3"], "--search-seed seeds a search"),  # a prefix
        (["--config", "best.json", "--search-seed", "3"], "and --config runs none"),
        (["--samples", "5"], "--samples is an option of --tune's Ray Tune search: add --tune"),
        (["--no-asha", "--no-search"], "--no-asha is an option of --tune's"),
        (["--storage", "elsewhere", "--search-budget", "4"], "--storage is an option of --tune"),
        (["--search-budget", "9" * 5000], "far too large"),
        (["--search-budget", "100000h"], "longer than a week"),
        (["--tune", "--search-budget", "4"], "not --tune and --search-budget"),
    ],
)
def test_bad_search_flags_exit_2_before_reading(
    tmp_path: Path, capsys, flags: list[str], phrase: str
) -> None:
    missing = tmp_path / "not-read.csv"  # a data file that is never opened
    with pytest.raises(SystemExit) as raised:
        main(["pipeline", "--input", str(missing), "--out", str(tmp_path / "out"), *flags])
    assert raised.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert phrase in error and "Traceback" not in error
    assert not (tmp_path / "out").exists()


def test_a_search_seed_with_a_search_is_accepted(events: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["pipeline", "--input", str(events), "--out", str(out), "--search-budget",
                 "2", "--search-seed", "3"]) == 0  # fmt: skip
    assert RunFolder(out).configuration().provenance.search["seed"] == 3


# --- Ctrl-C during the search -------------------------------------------------------------


def test_sigint_during_the_search_stops_cleanly(tmp_path: Path) -> None:
    events = write_csv(shopping_events(users=600, events=12), tmp_path / "events.csv")
    out = tmp_path / "out"
    arguments = ["--input", str(events), "--out", str(out), "--search-budget", str(MAX_TRIALS)]
    # inside a later trial
    text = interrupt_pipeline(arguments, f"  trial 2/{MAX_TRIALS}:", 0.5, tmp_path)
    assert "Traceback" not in text
    lines = text.splitlines()
    assert lines[-1] == f"interrupted: nothing was written to {out}"
    assert lines[-2].startswith("  trial ")  # the one line is all it says
    assert sorted(path.name for path in tmp_path.iterdir()) == ["events.csv", "stderr.txt"]


# --- hand-edited run folders and requests against a served counting model -----------------


@pytest.fixture(scope="module")
def run(events: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run") / "run"
    assert main(["pipeline", "--input", str(events), "--out", str(out), "--no-search"]) == 0
    return out


@pytest.fixture
def counting_run(run: Path, tmp_path: Path) -> Path:
    """A copy of the run serving CoOccurrence(window=2) with the last three items."""
    folder = tmp_path / "counting"
    shutil.copytree(run, folder)
    sessions = shopping_events().groupby("user_id")["item_id"].agg(list).tolist()
    model = CoOccurrence(2).fit(sessions)
    write_served_model(folder, ServedModel(model.name, model, ContextRule(3, "recency", 0.5)))
    return folder


def edit_json(path: Path, **changes) -> None:
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


def counting_arrays(folder: Path) -> dict[str, np.ndarray]:
    with np.load(folder / "counting_model.npz") as archive:
        return dict(archive)


def refused(folder: Path, phrase: str) -> None:
    with pytest.raises(ModelFileError) as raised:
        SessionScorer(folder)
    message = str(raised.value)
    assert phrase in message and "\n" not in message, message


def test_a_word2vec_choice_under_a_counting_name_is_refused(counting_run: Path) -> None:
    # it served the run's vectors under the name CoOccurrence(window=2)
    edit_json(counting_run / "serving.json", family="word2vec", scoring="input-output")
    refused(counting_run, "a word2vec model cannot be named 'CoOccurrence(window=2)'")


def test_a_deeply_nested_serving_json_is_refused(counting_run: Path) -> None:
    (counting_run / "serving.json").write_text("[" * 100_000 + "]" * 100_000)  # RecursionError
    refused(counting_run, "cannot be read as JSON")


@pytest.mark.parametrize("replace_serving", ["delete", "folder"])
def test_a_counting_run_without_its_serving_json_is_refused(
    counting_run: Path, replace_serving: str
) -> None:
    # it served the Word2Vec vectors, which the run did not choose
    (counting_run / "serving.json").unlink()
    if replace_serving == "folder":
        (counting_run / "serving.json").mkdir()
    refused(counting_run, "does not say which model it serves")
    with pytest.raises(ModelFileError, match="does not say which model it serves"):
        RunFolder(counting_run).load_served_model()  # every reader, not only the endpoint


def test_a_bare_npy_renamed_npz_is_refused(counting_run: Path) -> None:
    with (counting_run / "counting_model.npz").open("wb") as handle:
        np.save(handle, np.arange(5.0))  # was a TypeError
    refused(counting_run, "is not a counting model file")


def test_a_pickle_renamed_npz_is_refused_without_running_it(counting_run: Path) -> None:
    (counting_run / "counting_model.npz").write_bytes(pickle.dumps({"a": 1}))
    refused(counting_run, "Nothing in it was run")


def test_a_truncated_npz_is_refused(counting_run: Path) -> None:
    path = counting_run / "counting_model.npz"
    path.write_bytes(path.read_bytes()[:-40])
    refused(counting_run, "is not a counting model file")


def test_a_compressed_npz_is_refused_before_it_is_inflated(counting_run: Path) -> None:
    """A zip bomb: 40 MB of zeros deflate to 40 kB; nothing is decompressed."""
    arrays = counting_arrays(counting_run)
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (5_000_000,)}
    )
    path = counting_run / "counting_model.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in arrays.keys() - {"data"}:
            member = io.BytesIO()
            np.save(member, arrays[name])
            archive.writestr(f"{name}.npy", member.getvalue())
        archive.writestr("data.npy", header.getvalue() + bytes(40_000_000))
    assert path.stat().st_size < 1_000_000
    refused(counting_run, "is compressed")


def test_a_huge_declared_array_is_refused(counting_run: Path) -> None:
    arrays = counting_arrays(counting_run)
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (10**13,)}
    )
    with zipfile.ZipFile(counting_run / "counting_model.npz", "w") as archive:
        for name in arrays.keys() - {"data"}:
            member = io.BytesIO()
            np.save(member, arrays[name])
            archive.writestr(f"{name}.npy", member.getvalue())
        archive.writestr("data.npy", header.getvalue() + bytes(64))
    refused(counting_run, "is not a counting model file")


def test_an_item_counted_twice_in_a_row_is_refused(counting_run: Path) -> None:
    # scipy summed the two entries: a silently different model
    arrays = counting_arrays(counting_run)
    first_row = slice(arrays["indptr"][0], arrays["indptr"][1])
    assert first_row.stop - first_row.start >= 2
    arrays["indices"][first_row.start + 1] = arrays["indices"][first_row.start]
    np.savez(counting_run / "counting_model.npz", **arrays)
    refused(counting_run, "indices must rise within each row")


@pytest.mark.parametrize("value", [np.nan, np.inf, -1.0, 0.0])
def test_bad_scores_are_refused(counting_run: Path, value: float) -> None:
    arrays = counting_arrays(counting_run)
    arrays["data"][3] = value
    np.savez(counting_run / "counting_model.npz", **arrays)
    refused(counting_run, "data ")


def test_a_serving_json_naming_another_model_is_refused(counting_run: Path) -> None:
    edit_json(counting_run / "serving.json", model="SequentialRules(window=2)")
    refused(counting_run, "the files are from different runs")


def test_the_counting_files_saved_by_every_kind_still_load(tmp_path: Path) -> None:
    sessions = shopping_events().groupby("user_id")["item_id"].agg(list).tolist()
    for model in (CoOccurrence(3).fit(sessions), MostPopular().fit(sessions)):
        loaded = load_counting_model(save_counting_model(model, tmp_path / "model.npz"))
        assert loaded.name == model.name


def test_requests_against_a_served_counting_model(counting_run: Path) -> None:
    scorer = SessionScorer(counting_run)
    items = scorer.items.tolist()
    known = items[0]
    candidates = len(set(scorer.served.model.matrix_[0].indices) - {0})  # never itself
    # k above the candidates: only the candidates, never padded
    many = scorer.answer({"items": [known], "k": 100})["recommendations"]
    assert len(many) == candidates < 100 and all(row["score"] > 0 for row in many)
    assert known not in {row["item"] for row in many}
    # unknown items, anywhere in the request
    error = scorer.answer({"items": [known, "nope"]})["error"]
    assert "unknown items ['nope'] (1 of 2)" in error
    # 50 items, duplicates included: no item of the request comes back
    fifty = (items * 2)[:50]
    answer = scorer.answer({"items": fifty, "k": 100})
    assert "recommendations" in answer
    assert not {row["item"] for row in answer["recommendations"]} & set(fifty)
    assert "at most 50" in scorer.answer({"items": items[:51]})["error"]
    # an item sent three times is still the only item the rule reads
    once = scorer.answer({"items": [known], "k": 5})["recommendations"]
    thrice = scorer.answer({"items": [known] * 3, "k": 5})["recommendations"]
    assert [row["item"] for row in thrice] == [row["item"] for row in once]


def test_an_item_without_candidates_gets_an_empty_answer(counting_run: Path) -> None:
    arrays = counting_arrays(counting_run)
    # item 0 counted with nothing, and nothing with it
    matrix = load_counting_model(counting_run / "counting_model.npz").matrix_.tolil()
    matrix[0, :] = 0
    matrix[:, 0] = 0
    matrix = matrix.tocsr()
    matrix.eliminate_zeros()
    arrays |= {"indptr": matrix.indptr.astype(np.int64),
               "indices": matrix.indices.astype(np.int64), "data": matrix.data}  # fmt: skip
    np.savez(counting_run / "counting_model.npz", **arrays)
    scorer = SessionScorer(counting_run)
    alone = scorer.items[0]
    assert scorer.answer({"items": [alone], "k": 10}) == {"recommendations": []}
    assert scorer.answer({"items": [alone] * 50, "k": 100}) == {"recommendations": []}
    # with another item before it, the other item's candidates answer
    assert scorer.answer({"items": [scorer.items[1], alone]})["recommendations"]


# --- the verdict on edge data --------------------------------------------------------------


@pytest.fixture(scope="module")
def result(events: Path):
    interactions, quality = read_long(events, "user_id", "item_id", "ts")
    return run_pipeline(
        interactions, quality, PipelineSettings(), search=None, stages=Stages(stream=None)
    )


def with_validation(result, served, rows: list[tuple[str, float, float]]):
    """``result`` as if the validation pairs had given ``rows`` and ``served`` had won."""
    table = pd.DataFrame(rows, columns=["model", "Recall@10", "MRR@10"])
    choice = replace(result.choice, served=served, validation=table)
    if served is not result.choice.word2vec:
        choice = replace(choice, best_baseline=served)
    return replace(result, choice=choice, served=ServedModel(served.name, served, LAST_ITEM))


def test_the_verdict_when_most_popular_wins(result) -> None:
    popular = MostPopular().fit([["a", "b"], ["a"]])
    said = verdict(
        with_validation(result, popular, [("MostPopular", 0.4, 0.2), ("Word2Vec", 0.1, 0.05)])
    )
    assert said.startswith("**MostPopular is served, not Word2Vec**: on the validation pairs "
                           "it beats Word2Vec (Recall@10 0.400 vs 0.100")  # fmt: skip
    assert "against MostPopular" in said and "recommends better than the embeddings" in said


def test_the_verdict_calls_a_tie_a_tie(result) -> None:
    popular = MostPopular().fit([["a", "b"], ["a"]])
    rows = [("MostPopular", 0.0, 0.0), ("CoOccurrence(window=2)", 0.0, 0.0), ("Word2Vec", 0.0, 0.0)]
    said = verdict(with_validation(result, popular, rows))
    assert "it ties with Word2Vec, and a tie goes to the counting model" in said
    assert "beats" not in said and "recommends as well as the embeddings" in said


def test_the_verdict_names_an_equal_recall(result) -> None:
    word2vec = result.choice.word2vec
    baseline = result.choice.best_baseline.name
    rows = [("Word2Vec", 0.5, 0.3), (baseline, 0.5, 0.2)]
    said = verdict(with_validation(result, word2vec, rows))
    assert said.startswith(f"**Word2Vec is served**: on the validation pairs it ties with "
                           f"{baseline} on Recall@10 and beats it on MRR@10")  # fmt: skip


def test_the_verdict_on_the_smallest_data_says_it_is_uncertain(tmp_path: Path, capsys) -> None:
    tiny = write_csv(shopping_events(users=20), tmp_path / "tiny.csv")
    out = tmp_path / "out"
    assert main(["pipeline", "--input", str(tiny), "--out", str(out), "--search-budget", "2"]) == 0
    printed = capsys.readouterr().out
    assert "The choice rests on only 2 validation pairs" in printed
    assert "The choice rests on only 2 validation pairs" in (out / "report.md").read_text()


def test_the_verdict_trusts_a_hundred_validation_pairs(result) -> None:
    for pairs, uncertain in ((99, True), (100, False)):
        sizes = {**result.split_sizes, "validation_pairs": pairs}
        said = verdict(replace(result, split_sizes=sizes))
        assert ("The choice rests on only 99 validation pairs" in said) is uncertain
