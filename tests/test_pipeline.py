"""`python -m prod2vec pipeline` on generated files: both layouts, metadata, session gaps, and
every kind of bad input (a clear error or a counted drop, and never a half-written --out)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from gensim.models import KeyedVectors

from prod2vec.cli import main
from prod2vec.data.interactions import ITEM, TIME, USER
from prod2vec.data.readers import InputDataError, read_long, read_wide
from prod2vec.data.sessions import session_gap, sessionize
from prod2vec.models.word2vec import load_output_weights, load_vectors
from prod2vec.outputs import run_folder
from tests.synthetic import labels_table, shopping_events, wide_table, write_csv

# the planted next item is counted best by CoOccurrence, so the run serves it (counting_model)
OUTPUTS = [
    ".prod2vec-run.json", "config.json", "counting_model.npz", "history.csv", "metrics.json",
    "projector/metadata.tsv", "projector/vectors.tsv", "report.md", "serving.json",
    "trials.csv", "vectors.npz", "vectors.word2vec.txt",
]  # fmt: skip


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    events = shopping_events()
    return {
        "long": write_csv(events, tmp_path / "events.csv"),
        "wide": write_csv(wide_table(events), tmp_path / "wide.csv"),
        "labels": write_csv(labels_table(), tmp_path / "labels.csv"),
    }


def run(*arguments: str | Path) -> int:
    return main(["pipeline", *map(str, arguments)])


def test_long_table_with_metadata_end_to_end(files, tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert run("--input", files["long"], "--time-col", "ts", "--metadata", files["labels"],
               "--out", out) == 0  # fmt: skip
    assert sorted(str(path.relative_to(out)) for path in out.rglob("*") if path.is_file()) == (
        OUTPUTS
    )
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["data_quality"]["rows_read"] == 240 * 9
    assert metrics["data_quality"]["kept"] == {
        "events": 2160, "sessions": 240, "users": 240, "items": 96
    }  # fmt: skip
    recall = {row["model"]: row["value"] for row in metrics["test"]
              if row["metric"] == "Recall@10"}  # fmt: skip
    # quality on structured data: the next item is learnable, popularity is not enough
    assert recall["Word2Vec"] >= recall["MostPopular"] + 0.3
    # the two vector formats and the Projector files hold the same vectors, in the same order
    npz = load_vectors(out / "vectors.npz")
    text = KeyedVectors.load_word2vec_format(str(out / "vectors.word2vec.txt"), binary=False)
    assert text.index_to_key == npz.index_to_key
    np.testing.assert_allclose(text.vectors, npz.vectors, rtol=1e-5, atol=1e-6)
    assert load_output_weights(out / "vectors.npz").shape == npz.vectors.shape
    projector = np.loadtxt(out / "projector" / "vectors.tsv", delimiter="\t")
    np.testing.assert_allclose(projector, npz.vectors, rtol=1e-5, atol=1e-6)
    metadata = pd.read_csv(out / "projector" / "metadata.tsv", sep="\t", dtype=str)
    assert metadata["item"].tolist() == npz.index_to_key
    assert metadata["label"].str.startswith("theme ").all()
    report = (out / "report.md").read_text()
    assert "| read | 2,160 |" in report and "Word2Vec" in report and "theme" in report
    assert not list(tmp_path.glob(".run.*"))  # no temporary folder left behind


def test_a_rerun_with_the_written_config_and_seed_reproduces_it(files, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    assert run("--input", files["long"], "--time-col", "ts", "--out", first) == 0
    assert run("--input", files["long"], "--time-col", "ts", "--out", second,
               "--config", first / "config.json") == 0  # fmt: skip
    one, two = (json.loads((folder / "metrics.json").read_text()) for folder in (first, second))
    assert one["configuration"].pop("settings")["budget"]  # the first run searched, within it
    assert one["configuration"] == two["configuration"]
    for a, b in zip(one["test"], two["test"], strict=True):
        assert a["model"] == b["model"] and abs(a["value"] - b["value"]) <= 0.01  # METRIC


def test_wide_layout_gives_the_same_sessions_as_long(files, tmp_path: Path) -> None:
    long, _ = read_long(files["long"], "user_id", "item_id", "ts")
    wide, report = read_wide(files["wide"], "user_id", "product_id")
    assert report.rows_read == 240
    pd.testing.assert_series_equal(sessionize(long), sessionize(wide))
    out = tmp_path / "wide_run"
    assert run("--input", files["wide"], "--layout", "wide", "--metadata", files["labels"],
               "--out", out) == 0  # fmt: skip
    assert json.loads((out / "metrics.json").read_text())["data_quality"]["kept"]["users"] == 240


def test_session_gap_splits_a_users_history(tmp_path: Path) -> None:
    events = shopping_events(users=120, events=12)
    # a day's pause in the middle of every history: two sessions per user with a 1-day gap
    times = pd.to_datetime(events["ts"])
    events["ts"] = (times + pd.to_timedelta((events.index % 12 >= 6) * 24, unit="h")).astype(str)
    interactions, _ = read_long(write_csv(events, tmp_path / "e.csv"), "user_id", "item_id", "ts")
    assert len(sessionize(interactions)) == 120
    split = sessionize(interactions, gap=session_gap("12h"))
    assert len(split) == 240 and split.map(len).eq(6).all()
    assert split.index.value_counts().eq(2).all()
    out = tmp_path / "gap_run"
    assert run("--input", tmp_path / "e.csv", "--time-col", "ts", "--session-gap", "12h",
               "--out", out) == 0  # fmt: skip
    kept = json.loads((out / "metrics.json").read_text())["data_quality"]["kept"]
    assert kept["sessions"] == 240 and kept["users"] == 120


def test_ids_stay_text() -> None:
    frame = pd.DataFrame({USER: ["7", "7"], ITEM: ["00123", "85123"]})
    assert sessionize(frame).iloc[0] == ["00123", "85123"]


def test_parquet_ids_lose_no_zeros_and_gain_no_decimals(tmp_path: Path) -> None:
    frame = pd.DataFrame({"user_id": [1.0, 1.0, 2.0], "item_id": [85123, 22, 85123]})
    frame[TIME] = pd.date_range("2024", periods=3)
    frame.to_parquet(tmp_path / "t.parquet")
    interactions, _ = read_long(tmp_path / "t.parquet", "user_id", "item_id", TIME)
    assert interactions[USER].tolist() == ["1", "1", "2"]
    assert interactions[ITEM].tolist() == ["85123", "22", "85123"]
    assert interactions[TIME].is_monotonic_increasing


def bad_file(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("name", "content", "extra", "phrase"),
    [
        ("e.csv", b"user_id,sku\nu1,a\n", [], "no column 'item_id'"),
        ("e.csv", b"", [], "is empty"),
        ("e.csv", b"user_id,item_id\n", [], "header but no rows"),
        ("e.csv", b"user_id,item_id\nu1,caf\xe9\n", [], "--encoding latin-1"),
        ("e.csv", b"user_id,item_id,ts\nu1,a,soon\nu1,b,later\n", ["--time-col", "ts"],
         "parses as a date"),
        ("e.csv", b"user_id,item_id\n" + b"".join(b"u%d,i%d\n" % (n, n) for n in range(90)), [],
         "session has 3 or more items"),
        ("e.csv", b"user_id,item_id\n" + b"".join(b"u%d,i%d\n" % (n // 3, n) for n in range(90)),
         [], "Every item occurs only once"),
        ("e.xlsx", b"PK\x03\x04", [], "neither CSV"),
        ("e.parquet", b"not parquet at all", [], "not a readable parquet"),
    ],
    ids=["missing-column", "empty-file", "header-only", "not-utf8", "time-unparseable",
         "one-item-users", "all-items-unique", "unknown-type", "broken-parquet"],
)  # fmt: skip
def test_unusable_input_is_refused_and_writes_nothing(
    tmp_path: Path, capsys, name: str, content: bytes, extra: list[str], phrase: str
) -> None:
    path = bad_file(tmp_path, name, content)
    out = tmp_path / "out"
    assert run("--input", path, *extra, "--out", out) == 1
    error = capsys.readouterr().err
    assert phrase in error and "Traceback" not in error
    assert not out.exists() and not list(tmp_path.glob(".out.*"))


def test_usable_rows_are_kept_and_the_rest_counted(tmp_path: Path) -> None:
    events = shopping_events(users=60)
    noisy = pd.concat(
        [
            events,
            events.iloc[:5],  # duplicate rows
            pd.DataFrame({"user_id": ["lonely"], "item_id": ["t0-i0"], "ts": ["2024-02-01"]}),
            pd.DataFrame(
                {"user_id": ["u0000", ""], "item_id": ["", "t0-i1"], "ts": ["2024-03-01"] * 2}
            ),
            pd.DataFrame({"user_id": ["u0001"], "item_id": ["t0-i1"], "ts": ["not a time"]}),
        ]
    )  # fmt: skip
    path = write_csv(noisy, tmp_path / "noisy.csv")
    out = tmp_path / "out"
    assert run("--input", path, "--time-col", "ts", "--out", out) == 0
    quality = json.loads((out / "metrics.json").read_text())["data_quality"]
    assert quality["rows_read"] == len(events) + 9
    assert quality["dropped"] == {
        "no user or no item": 2,
        "time (ts) does not parse": 1,
        "duplicate of an earlier (user, item, time) row": 5,
        "in sessions of fewer than 3 items": 1,
    }
    assert quality["kept"]["events"] == len(events)


def test_a_failure_while_writing_leaves_no_output(files, tmp_path: Path, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(run_folder, "write_projector_files", broken)
    out = tmp_path / "out"
    assert run("--input", files["long"], "--time-col", "ts", "--out", out) == 1
    assert not out.exists() and not list(tmp_path.glob(".out.*"))


def test_an_existing_output_is_kept_unless_overwrite(files, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert run("--input", files["long"], "--out", out) == 0
    first = (out / ".prod2vec-run.json").read_text()
    assert run("--input", files["long"], "--out", out) == 1
    assert "--overwrite" in capsys.readouterr().err
    assert (out / ".prod2vec-run.json").read_text() == first
    assert run("--input", files["long"], "--out", out, "--overwrite") == 0
    assert (out / ".prod2vec-run.json").read_text() != first
    assert not list(tmp_path.glob(".out.*"))


@pytest.mark.parametrize(
    ("arguments", "phrase"),
    [
        (["--tune", "--config", "best.json"], "not --config and --tune"),
        (["--no-search", "--search-budget", "5"], "not --no-search and --search-budget"),
        (["--search-budget", "5 minutes later"], "--search-budget:"),
        (["--input", "e.csv", "--session-gap", "30min"], "needs event times"),
        (["--input", "e.csv", "--time-col", "ts", "--session-gap", "soon"], "Cannot read"),
        (["--input", "e.csv", "--min-session-length", "2"], "at least 3"),
        (["--metadata", "labels.csv"], "your own --input"),
    ],
)  # fmt: skip
def test_pipeline_argument_errors_exit_2(capsys, arguments: list[str], phrase: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run(*arguments, "--out", "never")
    assert exit_info.value.code == 2
    assert phrase in capsys.readouterr().err
    assert not Path("never").exists()


def test_a_bad_config_file_names_the_fix(files, tmp_path: Path, capsys) -> None:
    config = tmp_path / "best.json"
    config.write_text(json.dumps({"word2vec": {"vector_sise": 64}}))
    assert run("--input", files["long"], "--config", config, "--out", tmp_path / "o") == 1
    assert "vector_sise" in capsys.readouterr().err


def test_read_errors_are_input_data_errors(tmp_path: Path) -> None:
    with pytest.raises(InputDataError, match="does not exist"):
        read_long(tmp_path / "missing.csv", "user_id", "item_id")
    with pytest.raises(InputDataError, match="must differ"):
        read_long(tmp_path / "missing.csv", "id", "id")


def test_split_seed_and_model_seed_are_separate(files, tmp_path: Path) -> None:
    base = ["--input", files["long"], "--time-col", "ts"]
    runs = {name: tmp_path / name for name in ("reference", "other_model_seed", "other_split_seed")}
    assert run(*base, "--out", runs["reference"]) == 0
    assert run(*base, "--model-seed", "7", "--out", runs["other_model_seed"]) == 0
    assert run(*base, "--split-seed", "7", "--out", runs["other_split_seed"]) == 0
    configs = {
        name: json.loads((folder / "config.json").read_text()) for name, folder in runs.items()
    }
    assert configs["reference"]["split_seed"] == 0 and configs["reference"]["model_seed"] == 42
    assert configs["other_model_seed"]["split_seed"] == 0
    assert configs["other_model_seed"]["model_seed"] == 7
    assert configs["other_split_seed"]["split_seed"] == 7
    assert configs["other_split_seed"]["model_seed"] == 42
    baselines = {
        name: [row for row in json.loads((folder / "metrics.json").read_text())["test"]
               if row["model"] != "Word2Vec"]
        for name, folder in runs.items()
    }  # fmt: skip
    # the model seed leaves the held-out pairs alone; the split seed draws others
    assert baselines["reference"] == baselines["other_model_seed"]
    assert baselines["reference"] != baselines["other_split_seed"]


def test_online_retail_keeps_the_reference_split(monkeypatch, tmp_path: Path) -> None:
    """Without --input the split is the reference protocol's, so a configuration chosen on its
    validation pairs (data/hpo/) is never tested on them."""
    seen = {}

    def fake_read(recipe: str):
        seen["recipe"] = recipe
        raise SystemExit("stop before reading the data")

    from prod2vec import cli
    from prod2vec.online_retail import reader, reference_protocol

    real_settings = cli._pipeline_settings

    def spy(args):
        seen["settings"] = real_settings(args)
        return seen["settings"]

    monkeypatch.setattr(cli, "_pipeline_settings", spy)
    monkeypatch.setattr(reader, "read_online_retail", fake_read)
    with pytest.raises(SystemExit):
        run("--out", tmp_path / "or")
    settings = seen["settings"]
    assert seen["recipe"] == reference_protocol.RECIPE
    assert settings.split_seed == reference_protocol.SPLIT_SEED
    assert (settings.n_test, settings.n_validation) == (
        reference_protocol.N_TEST, reference_protocol.N_VALIDATION
    )  # fmt: skip


@pytest.mark.parametrize("flag", ["--split-seed", "--model-seed", "--search-seed"])
@pytest.mark.parametrize("value", ["-1", str(2**32), "1.5"])
def test_a_seed_out_of_range_exits_2_at_once(capsys, monkeypatch, flag: str, value: str) -> None:
    from prod2vec import cli

    monkeypatch.setattr(cli, "_read_input", lambda args: pytest.fail("read the data"))
    with pytest.raises(SystemExit) as exit_info:
        run(flag, value, "--out", "never")
    assert exit_info.value.code == 2
    assert "seed" in capsys.readouterr().err
    assert not Path("never").exists()


def test_reading_the_input_is_a_stage_with_progress(files, tmp_path: Path, capsys) -> None:
    assert run("--input", files["long"], "--time-col", "ts", "--out", tmp_path / "run") == 0
    err = capsys.readouterr().err
    assert "read the input ..." in err and "read the input: done in" in err
