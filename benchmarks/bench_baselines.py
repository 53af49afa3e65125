"""Benchmark: the project's sparse AssociationRules against the original pure-Python version.

The yardstick is the original tutorial's approach, written out here: one ``Counter`` per item,
incremented for every pair of ``itertools.permutations(session, 2)``, then ``most_common`` per
query. Both are built on the same training sessions (reference recipe, seed-123 split) and
evaluated on the same 1,000 test pairs, in one run.

    python benchmarks/bench_baselines.py               # all sessions, about 2-3 minutes
    python benchmarks/bench_baselines.py --sessions 500 # the first 500 sessions only (quick)

Prints both times, the speed-up and both Recall@10 values, and writes them to
``benchmarks/results/bench_baselines.json`` (with the command that produced them).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from itertools import permutations
from pathlib import Path

import numpy as np

from prod2vec.evaluation.metrics import PAD, mrr_at_k, recall_at_k
from prod2vec.models.baselines import AssociationRules
from prod2vec.online_retail.reference_protocol import prepare_sessions

from common import RESULTS_DIR, command_line, machine, report

K = 10
RESULTS = RESULTS_DIR / "bench_baselines.json"
#: what these figures depend on: the association rules, their encoding and ranking, the metrics,
#: and the sessions they are fitted and tested on (reference recipe)
DEPENDS_ON = (
    "benchmarks/bench_baselines.py",
    "benchmarks/common.py",
    "src/prod2vec/models/baselines.py",
    "src/prod2vec/models/ranking.py",
    "src/prod2vec/models/recommender.py",
    "src/prod2vec/evaluation/metrics.py",
    "src/prod2vec/data/",
    "src/prod2vec/online_retail/",
)


def yardstick_rules(sessions: Sequence[Sequence[str]]) -> dict[str, Counter]:
    """The original pure-Python association rules."""
    rules: dict[str, Counter] = defaultdict(Counter)
    for session in sessions:
        for earlier, later in permutations(session, 2):
            rules[earlier][later] += 1
    return rules


def yardstick_recommend(rules: dict[str, Counter], queries: Sequence[str], k: int) -> np.ndarray:
    """Top-k co-occurring items per query, the query itself excluded."""
    rows = []
    for query in queries:
        top = [item for item, _ in rules[query].most_common(k + 1) if item != query][:k]
        rows.append(top + [PAD] * (k - len(top)))
    return np.array(rows, dtype=str)


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=None, help="use only the first N")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    split = prepare_sessions().split
    train = split.train if args.sessions is None else split.train[: args.sessions]
    queries, targets = split.test["query"].tolist(), split.test["target"].to_numpy()
    tokens = sum(map(len, train))
    pairs = sum(len(session) * (len(session) - 1) for session in train)
    scope = "all" if args.sessions is None else f"the first {args.sessions} of"
    print(
        f"training on {scope} {len(split.train):,} sessions: {len(train):,} sessions, "
        f"{tokens:,} tokens, {pairs:,} ordered pairs; {len(queries):,} test queries"
    )

    def project_run():
        return AssociationRules().fit(train).recommend(queries, k=K)

    def yardstick_run():
        return yardstick_recommend(yardstick_rules(train), queries, K)

    project_top, project_seconds = timed(project_run)
    yardstick_top, yardstick_seconds = timed(yardstick_run)
    result = {
        "command": command_line(),
        "sessions": len(train),
        "subset": args.sessions is not None,
        "ordered_pairs": pairs,
        "test_queries": len(queries),
        "yardstick_seconds": round(yardstick_seconds, 2),
        "project_seconds": round(project_seconds, 3),
        "speedup": round(yardstick_seconds / project_seconds, 1),
        "yardstick_recall_at_10": round(recall_at_k(yardstick_top, targets, K), 4),
        "project_recall_at_10": round(recall_at_k(project_top, targets, K), 4),
        "yardstick_mrr_at_10": round(mrr_at_k(yardstick_top, targets, K), 4),
        "project_mrr_at_10": round(mrr_at_k(project_top, targets, K), 4),
        "identical_top10_rows": int((yardstick_top == project_top).all(axis=1).sum()),
        "machine": machine(),
    }
    report(result, args.output, DEPENDS_ON)
    return 0


if __name__ == "__main__":
    sys.exit(main())
