"""The benchmarks run, on small sizes, and their two implementations agree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from prod2vec.online_retail.reference_protocol import prepare_sessions
from tests.conftest import needs_data

ROOT = Path(__file__).resolve().parents[1]


def run_benchmark(script: str, *args: str, output: Path) -> dict:
    command = [sys.executable, str(ROOT / "benchmarks" / script), *args, "--output", str(output)]
    environment = {**os.environ, "PYTHONHASHSEED": "0"}
    subprocess.run(command, check=True, capture_output=True, text=True, env=environment)
    return json.loads(output.read_text())


@needs_data
def test_baselines_benchmark_on_a_subset(tmp_path: Path) -> None:
    result = run_benchmark("bench_baselines.py", "--sessions", "300", output=tmp_path / "b.json")
    assert result["command"].endswith(
        "bench_baselines.py --sessions 300 --output " + str(tmp_path / "b.json")
    )
    train = prepare_sessions().split.train[:300]
    assert result["ordered_pairs"] == sum(len(s) * (len(s) - 1) for s in train)
    assert abs(result["project_recall_at_10"] - result["yardstick_recall_at_10"]) <= 0.005
    committed = json.loads((ROOT / "benchmarks/results/bench_baselines.json").read_text())
    assert result.keys() == committed.keys(), "the committed results no longer match the script"


@needs_data
def test_epoch_evaluation_benchmark_agrees_with_the_original_callback(tmp_path: Path) -> None:
    result = run_benchmark("bench_epoch_eval.py", "--epochs", "2", output=tmp_path / "e.json")
    assert result["final_recall_original_callback"] == result["final_recall_project_callback"]
    committed = json.loads((ROOT / "benchmarks/results/bench_epoch_eval.json").read_text())
    assert result.keys() == committed.keys(), "the committed results no longer match the script"


def test_enlargement_resamples_whole_customers() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_scale import enlarge

    raw = pd.DataFrame(
        {"CustomerID": [1.0, 1.0, 2.0, None, 3.0, 3.0, 3.0], "StockCode": list("abcdefg")}
    )
    for scale in (1, 4):
        big = enlarge(raw, scale, seed=1)
        known = big[big["CustomerID"].notna()]
        assert len(known) >= 6 * scale and big["CustomerID"].isna().sum() == scale
        # every new customer is a copy of one original customer's rows, in order
        originals = {tuple(rows) for rows in raw.groupby("CustomerID")["StockCode"].agg(list)}
        copies = known.groupby("CustomerID", sort=False)["StockCode"].agg(tuple)
        assert set(copies) <= originals and copies.index.min() >= 100_000
