"""Benchmark: how each stage's cost grows with the data, at 1x, 4x and 16x Online Retail.

Enlargement: the raw table's customers are resampled with replacement, whole (every row of a
customer, with its times), under new customer ids, until the table holds ``scale`` times the
rows (1x too); so sessions keep their real shape and the catalogue stays the same. Every scale
runs in a fresh process (its peak memory is its own) and times, in order:

1. load and clean: read the enlarged raw table from parquet, clean it (``reference`` recipe);
2. sessionize and split: interactions, sessions, and ``1,000 x scale`` test and validation
   pairs each (held-out pairs grow with the data, as they would);
3. one Word2Vec epoch: vocabulary and one epoch (skip-gram, 64 dimensions, one worker);
4. batch evaluation: Recall@10 and MRR@10 of that model on the test pairs;
5. baselines fit: every counting baseline, windows chosen on the validation pairs.

Target: no stage grows faster than the data (16x data within 20x time), peak memory at 16x
under 4 GB. Prints a table with growth ratios and writes it, with the command, to
``benchmarks/results/bench_scale.json``; takes about five minutes on 2 cores.

    python benchmarks/bench_scale.py [--scales 1 4 16]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from common import RESULTS_DIR, command_line, machine, report

RESULTS = RESULTS_DIR / "bench_scale.json"
#: what these figures depend on: every stage timed, from loading and cleaning to the baselines
DEPENDS_ON = (
    "benchmarks/bench_scale.py",
    "benchmarks/common.py",
    "src/prod2vec/online_retail/",
    "src/prod2vec/data/",
    "src/prod2vec/models/",
    "src/prod2vec/evaluation/",
    "src/prod2vec/defaults.py",
)
STAGES = (
    "load and clean",
    "sessionize and split",
    "one Word2Vec epoch",
    "batch evaluation",
    "baselines fit",
)


def enlarge(raw: pd.DataFrame, scale: int, seed: int = 0) -> pd.DataFrame:
    """``raw`` with its customers resampled whole under new ids, ``scale`` times the rows.

    Customers are drawn with replacement until their rows reach ``scale`` times the original
    customers' rows; rows without a customer are repeated ``scale`` times (cleaning drops them).
    Scale 1 is resampled too, so that every scale has the same shape (the original file is
    sorted by time, which would make sorting it cheaper than sorting any enlargement).
    """
    known = raw["CustomerID"].notna()
    customers, anonymous = raw[known], raw[~known]
    by_customer = list(customers.groupby("CustomerID", sort=False).indices.values())
    rng = np.random.default_rng(seed)
    wanted, rows, chosen = len(customers) * scale, 0, []
    while rows < wanted:
        block = by_customer[rng.integers(len(by_customer))]
        chosen.append(block)
        rows += len(block)
    lengths = np.array([len(block) for block in chosen])
    new_ids = np.repeat(np.arange(len(chosen)) + 100_000, lengths).astype(float)
    enlarged = customers.iloc[np.concatenate(chosen)].assign(CustomerID=new_ids)
    return pd.concat([enlarged, *[anonymous] * scale], ignore_index=True)


def measure_one_scale(scale: int, raw_path: Path) -> dict[str, float]:
    """Time every stage on the enlarged table at ``raw_path`` (runs in its own process)."""
    from prod2vec.data.sessions import sessionize, split_sessions
    from prod2vec.evaluation.results import pair_metrics
    from prod2vec.evaluation.selection import fit_baselines
    from prod2vec.models.callbacks import MetricLogger  # noqa: F401  (import cost outside timings)
    from prod2vec.models.word2vec import DEFAULT_PARAMS, Word2VecRecommender
    from prod2vec.online_retail import clean_transactions, to_interactions

    seconds: dict[str, float] = {}
    started = time.perf_counter()
    transactions, _ = clean_transactions(pd.read_parquet(raw_path), "reference")
    seconds["load and clean"] = time.perf_counter() - started

    started = time.perf_counter()
    sessions = sessionize(to_interactions(transactions))
    held_out = 1000 * scale
    split = split_sessions(sessions, n_test=held_out, n_validation=held_out, seed=123)
    seconds["sessionize and split"] = time.perf_counter() - started

    started = time.perf_counter()
    model = Word2VecRecommender({**DEFAULT_PARAMS, "epochs": 1}, seed=0, workers=1)
    model.fit(split.train)
    seconds["one Word2Vec epoch"] = time.perf_counter() - started

    started = time.perf_counter()
    pair_metrics(model, split.test)
    seconds["batch evaluation"] = time.perf_counter() - started

    started = time.perf_counter()
    fit_baselines(split.train, split.validation)
    seconds["baselines fit"] = time.perf_counter() - started

    tokens = sum(map(len, split.train))
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "raw_rows": int(pd.read_parquet(raw_path, columns=["InvoiceNo"]).shape[0]),
        "tokens": tokens,
        "sessions": len(split.train),
        **{stage: round(value, 3) for stage, value in seconds.items()},
        "peak_memory_gb": round(peak_kib / 1024**2, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--one-scale", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--raw", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.one_scale is not None:  # the child process of one scale
        print(json.dumps(measure_one_scale(args.one_scale, args.raw)))
        return

    from prod2vec.online_retail import load_online_retail

    raw = load_online_retail()
    rows = {}
    with tempfile.TemporaryDirectory() as folder:
        for scale in args.scales:
            raw_path = Path(folder) / f"raw_{scale}.parquet"
            enlarge(raw, scale).to_parquet(raw_path, index=False)
            child = subprocess.run(
                [sys.executable, __file__, "--one-scale", str(scale), "--raw", str(raw_path)],
                check=True,
                capture_output=True,
                text=True,
            )
            rows[scale] = json.loads(child.stdout.strip().splitlines()[-1])
            raw_path.unlink()
            print(f"{scale}x: {rows[scale]}", flush=True)
    table = pd.DataFrame(rows).T.rename_axis("scale")
    base = table.loc[args.scales[0]]
    growth = {f"{stage} growth": (table[stage] / base[stage]).round(2).tolist() for stage in STAGES}
    data_growth = (table["tokens"] / base["tokens"]).round(2).tolist()
    print(table.to_string())
    largest = args.scales[-1]
    worst = max(STAGES, key=lambda stage: table.loc[largest, stage] / base[stage])
    report(
        {
            "command": command_line(),
            "scales": args.scales,
            "table": {str(scale): row for scale, row in rows.items()},
            "token_growth": data_growth,
            **growth,
            "fastest_growing_stage": worst,
            "its_time_growth_over_data_growth": round(
                float(table.loc[largest, worst] / base[worst]) / data_growth[-1], 3
            ),
            "peak_memory_gb_at_largest": float(table.loc[largest, "peak_memory_gb"]),
            "machine": machine(),
        },
        args.output,
        DEPENDS_ON,
    )


if __name__ == "__main__":
    sys.exit(main())
