"""The public-logs benchmark runs the pipeline on what a manifest lists, and refuses a bad one."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.synthetic import shopping_events, wide_table, write_csv

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import bench_datasets  # noqa: E402

USERS, EVENTS = 120, 9


def write_manifest(folder: Path, *entries: dict) -> Path:
    manifest = folder / "manifest.json"
    manifest.write_text(json.dumps({"datasets": list(entries)}))
    return manifest


def long_entry(name: str = "tiny", **changes: object) -> dict:
    return {
        "name": name,
        "path": "events.csv",
        "layout": "long",
        "user_column": "user_id",
        "item_column": "item_id",
        "time_column": "ts",
        "source": {"description": "tests.synthetic.shopping_events"},
        **changes,
    }


def test_every_dataset_gets_its_figures(tmp_path: Path) -> None:
    events = shopping_events(users=USERS, events=EVENTS)
    write_csv(events, tmp_path / "events.csv")
    write_csv(wide_table(events), tmp_path / "wide.csv")
    wide = {
        "name": "tiny wide",
        "path": "wide.csv",
        "layout": "wide",
        "user_column": "user_id",
        "items_column": "product_id",
    }
    manifest = write_manifest(tmp_path, long_entry(), wide)
    output = tmp_path / "datasets.json"

    bench_datasets.main(["--manifest", str(manifest), "--output", str(output)])

    result = json.loads(output.read_text())
    assert result["manifest"] == str(manifest)
    assert [row["name"] for row in result["datasets"]] == ["tiny", "tiny wide"]
    for row in result["datasets"]:
        assert row["rows read"] == (USERS * EVENTS if row["name"] == "tiny" else USERS)
        assert (row["users"], row["sessions"], row["tokens"]) == (USERS, USERS, USERS * EVENTS)
        assert row["held-out pairs"]["test_pairs"] == USERS // 10
        assert list(row["runs"]) == [bench_datasets.BEFORE, bench_datasets.NO_SEARCH,
                                     bench_datasets.SEARCH]  # fmt: skip
        for mode, run in row["runs"].items():
            assert (run["search"] is not None) == (mode == bench_datasets.SEARCH)
            test = run["test"]
            assert {"Word2Vec", "MostPopular"} <= test.keys()
            for values in test.values():
                for value, low, high in values.values():
                    assert low <= value <= high
            best = run["best baseline (on validation)"]
            assert best != "Word2Vec"
            validation = run["validation"]
            assert all(validation[best]["Recall@10"] >= validation[m]["Recall@10"]
                       for m in validation if m != "Word2Vec")  # fmt: skip
            paired = run["Word2Vec minus best baseline (test, paired 95% interval)"]
            for metric, (difference, low, high) in paired.items():
                assert difference == pytest.approx(
                    test["Word2Vec"][metric][0] - test[best][metric][0], abs=1e-3
                )
                assert low <= difference <= high
            assert run["served"]["model"] in test and run["verdict"].startswith("**")
    assert result["datasets"][0]["source"] == {"description": "tests.synthetic.shopping_events"}
    assert "src/prod2vec/pipeline.py" in result["provenance"]["sources"]


def test_a_configuration_file_is_used(tmp_path: Path) -> None:
    write_csv(shopping_events(users=USERS, events=EVENTS), tmp_path / "events.csv")
    configuration = "data/hpo/finalists/best.json"
    manifest = write_manifest(tmp_path, long_entry(configuration=configuration))
    output = tmp_path / "datasets.json"

    bench_datasets.main(["--manifest", str(manifest), "--output", str(output)])

    row = json.loads(output.read_text())["datasets"][0]
    assert list(row["runs"]) == [configuration]
    assert 1 <= row["runs"][configuration]["best epoch"] <= 6  # best.json plans 6 epochs


def test_a_missing_manifest_is_one_line(tmp_path: Path) -> None:
    output = tmp_path / "datasets.json"
    with pytest.raises(SystemExit) as stopped:
        bench_datasets.main(["--manifest", str(tmp_path / "nope.json"), "--output", str(output)])
    message = str(stopped.value.code)
    assert "No manifest at" in message and "--manifest" in message and "\n" not in message
    assert not output.exists()


@pytest.mark.parametrize(
    ("entries", "phrase"),
    [
        ([long_entry(path="absent.csv")], "Dataset 'tiny': no file at"),
        ([long_entry(layout="tall")], "layout must be 'long' or 'wide'"),
        ([long_entry(user_col="user_id")], "unknown keys user_col"),
        ([{"name": "x", "layout": "long", "path": "events.csv"}], "lacks item_column, user_column"),
        ([long_entry(session_gap="soon")], "Dataset 'tiny': "),
        ([long_entry(configuration="no/such.json")], "Dataset 'tiny': No configuration file"),
        ([long_entry(), long_entry()], "names in"),
    ],
)
def test_a_bad_manifest_stops_before_any_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entries: list[dict], phrase: str
) -> None:
    write_csv(shopping_events(users=USERS, events=EVENTS), tmp_path / "events.csv")

    def trained(entry: dict) -> dict:
        raise AssertionError(f"{entry['name']} trained before the manifest was checked")

    monkeypatch.setattr(bench_datasets, "measure", trained)
    # a valid first dataset: checked lazily, it would train before the bad entry is seen
    manifest = write_manifest(tmp_path, long_entry("first"), *entries)
    output = tmp_path / "datasets.json"
    with pytest.raises(SystemExit) as stopped:
        bench_datasets.main(["--manifest", str(manifest), "--output", str(output)])
    message = str(stopped.value.code)
    assert phrase in message and "\n" not in message
    assert not output.exists()


def test_a_manifest_that_is_not_json(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text("{datasets")
    with pytest.raises(SystemExit) as stopped:
        bench_datasets.main(["--manifest", str(manifest), "--output", str(tmp_path / "o.json")])
    assert "is not JSON" in str(stopped.value.code)
