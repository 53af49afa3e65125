"""Benchmark: the pipeline's stages on a 200,000-item synthetic catalogue, time and peak memory.

Catalogue (:func:`catalogue_interactions`): item popularity is long-tailed (Zipf, exponent
0.8), sessions hold 5 to 30 items, and a structure is planted: every item has one successor
(the items form one cycle in a random order), and each next item of a session is the
successor of the one before with probability 0.7, else a draw by popularity. By default
120,000 sessions (about 2.1 million events): about 97% of the items occur at least twice.

The stages run in one process, in this order, with the pipeline's default held-out sizes
(1,000 test and 1,000 validation pairs), each timed with its peak traced memory
(``tracemalloc``: the most that numpy and Python allocations rose above their level when the
stage started) and the process's peak resident memory so far (``ru_maxrss``). CPU seconds are
recorded beside wall seconds: on a shared machine they are the steadier figure.

1. sessionize and split: the interactions into sessions, then the test and validation pairs;
2. baselines fit: every counting baseline, windows chosen on the validation pairs;
3. one Word2Vec epoch: vocabulary and one epoch (skip-gram, 64 dimensions, one worker);
4. batch evaluation: Recall@10 and MRR@10 with bootstrap intervals of Word2Vec and every
   baseline on the test pairs (the pipeline's "evaluate on the test pairs").

Then, in the same run, the ranking as it was before batches were cut to a memory budget and
count models were ranked from their stored entries (dense score rows of up to 1,024 queries):
``CoOccurrence(window=2)``'s top 10 for the first ``--compare-queries`` validation queries,
both ways, with the ratios of time and traced memory (and a check that both agree).

    python benchmarks/bench_catalogue.py            # 200,000 items: about five minutes
    python benchmarks/bench_catalogue.py --items 20000 --sessions 12000   # quick

Prints the figures and writes them to ``benchmarks/results/bench_catalogue.json``.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from prod2vec.data.integer_sessions import encode_sessions
from prod2vec.data.sessions import sessionize, split_sessions
from prod2vec.evaluation.results import results_table
from prod2vec.evaluation.selection import fit_baselines
from prod2vec.models.baselines import CoOccurrence
from prod2vec.models.recommender import Recommender
from prod2vec.models.word2vec import DEFAULT_PARAMS, Word2VecRecommender

from common import RESULTS_DIR, machine, report

RESULTS = RESULTS_DIR / "bench_catalogue.json"
#: what these figures depend on: sessions, encoding, every model and their ranking, evaluation
DEPENDS_ON = (
    "benchmarks/bench_catalogue.py",
    "benchmarks/common.py",
    "src/prod2vec/data/",
    "src/prod2vec/models/",
    "src/prod2vec/evaluation/",
    "src/prod2vec/defaults.py",
)
LONGEST_SESSION = 30


def catalogue_interactions(
    n_items: int, n_sessions: int, seed: int = 0, follow: float = 0.7, exponent: float = 0.8
) -> pd.DataFrame:
    """Interactions (``user``, ``item``) of a synthetic catalogue with a planted successor.

    Parameters
    ----------
    n_items : int
        Items in the catalogue (ids ``p000000`` ...); the rarest may never be drawn.
    n_sessions : int
        Sessions, one per user, of 5 to 30 items each.
    seed : int
        Seed of every draw.
    follow : float
        Probability that the next item is the successor of the one before (the planted
        structure); otherwise it is drawn by popularity.
    exponent : float
        Zipf exponent of the popularity (item of popularity rank r has weight r**-exponent).

    Returns
    -------
    pandas.DataFrame
        One row per event, sessions in order, user by user.
    """
    rng = np.random.default_rng(seed)
    by_popularity = rng.permutation(n_items)
    cumulative = np.cumsum(np.arange(1, n_items + 1, dtype=float) ** -exponent)
    cycle = rng.permutation(n_items)
    successor = np.empty(n_items, dtype=np.int64)
    successor[cycle] = np.roll(cycle, -1)

    def popular(size: int) -> np.ndarray:
        drawn = np.searchsorted(cumulative, rng.random(size) * cumulative[-1])
        return by_popularity[np.minimum(drawn, n_items - 1)]

    steps = np.empty((n_sessions, LONGEST_SESSION), dtype=np.int64)
    steps[:, 0] = popular(n_sessions)
    for step in range(1, LONGEST_SESSION):
        jump = rng.random(n_sessions) >= follow
        steps[:, step] = np.where(jump, popular(n_sessions), successor[steps[:, step - 1]])
    lengths = rng.integers(5, LONGEST_SESSION + 1, size=n_sessions)
    items = steps[np.arange(LONGEST_SESSION) < lengths[:, None]]
    width = len(str(n_items - 1))
    return pd.DataFrame(
        {
            "user": np.repeat(np.arange(n_sessions), lengths),
            "item": pd.Series(items).map(lambda item: f"p{item:0{width}d}"),
        }
    )


class DenseCoOccurrence(CoOccurrence):
    """CoOccurrence ranked as before: dense score rows of up to 1,024 queries, whatever size."""

    score_memory_budget = 2**62

    def _scoring_bytes(self, query_index: np.ndarray) -> np.ndarray:
        return Recommender._scoring_bytes(self, query_index)

    def _top_k_indices(self, query_index: np.ndarray, excluded: np.ndarray, k: int) -> np.ndarray:
        return Recommender._top_k_indices(self, query_index, excluded, k)


@contextmanager
def measured(figures: dict[str, Any], name: str) -> Iterator[None]:
    """Record the block's wall and CPU seconds, traced peak above its start, process peak."""
    tracemalloc.reset_peak()
    held = tracemalloc.get_traced_memory()[0]
    started, cpu_started = time.perf_counter(), time.process_time()
    yield
    figures[f"{name} seconds"] = round(time.perf_counter() - started, 2)
    figures[f"{name} CPU seconds"] = round(time.process_time() - cpu_started, 2)
    extra = tracemalloc.get_traced_memory()[1] - held
    figures[f"{name} traced peak MB"] = round(extra / 2**20, 1)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    figures[f"{name} process peak GB"] = round(peak_kib / 2**20, 3)
    say(f"{name}: {figures[f'{name} seconds']} s")


def say(text: str) -> None:
    """One line of progress on stderr."""
    print(text, file=sys.stderr, flush=True)


def compare_with_dense(
    train: list[list[str]], queries: pd.Series, figures: dict[str, Any]
) -> dict[str, Any]:
    """Top 10 of ``queries`` by CoOccurrence(window=2), ranked as now and as before."""
    encoded = encode_sessions(train)
    tops = {}
    for label, model_class in (("now", CoOccurrence), ("before", DenseCoOccurrence)):
        model = model_class(window=2).fit_encoded(encoded)
        with measured(figures, f"ranking {len(queries)} queries {label}"):
            tops[label] = model.recommend(queries, k=10)
    before, now = (f"ranking {len(queries)} queries {label}" for label in ("before", "now"))
    return {
        "same top 10 before and now": bool(np.array_equal(tops["now"], tops["before"])),
        "ranking time ratio before/now": ratio(figures, before, now, "seconds"),
        "ranking traced memory ratio before/now": ratio(figures, before, now, "traced peak MB"),
    }


def ratio(figures: dict[str, Any], before: str, now: str, unit: str) -> float:
    return round(figures[f"{before} {unit}"] / max(figures[f"{now} {unit}"], 1e-3), 1)


def run(n_items: int, n_sessions: int, held_out: int, compare_queries: int) -> dict[str, Any]:
    """Every stage on the catalogue, then the comparison with the dense ranking."""
    interactions = catalogue_interactions(n_items, n_sessions)
    figures: dict[str, Any] = {}
    tracemalloc.start()
    with measured(figures, "sessionize and split"):
        sessions = sessionize(interactions)
        split = split_sessions(sessions, n_test=held_out, n_validation=held_out, seed=123)
    counts = pd.Series([item for session in split.train for item in session]).value_counts()
    figures = {
        "catalogue items": int(len(counts)),
        "items seen at least twice": round(float((counts >= 2).mean()), 3),
        "training sessions": len(split.train),
        "training tokens": int(counts.sum()),
        "held-out pairs (test, validation)": [len(split.test), len(split.validation)],
        **figures,
    }
    with measured(figures, "baselines fit"):
        suite = fit_baselines(split.train, split.validation, say=lambda line: say(f"  {line}"))
    figures["baselines chosen"] = [model.name for model in suite.models]
    with measured(figures, "one Word2Vec epoch"):
        word2vec = Word2VecRecommender({**DEFAULT_PARAMS, "epochs": 1}, seed=0, workers=1)
        word2vec.fit(split.train)
    with measured(figures, "batch evaluation"):
        results = results_table([word2vec, *suite.models], split.test)
    figures["test Recall@10"] = {
        row.model: round(row.value, 3)
        for row in results[results.metric == "Recall@10"].itertuples()
    }
    queries = split.validation["query"].iloc[:compare_queries]
    figures.update(compare_with_dense(split.train, queries, figures))
    tracemalloc.stop()
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--sessions", type=int, default=120_000)
    parser.add_argument("--held-out", type=int, default=1000, help="test and validation pairs")
    parser.add_argument("--compare-queries", type=int, default=100)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    figures = run(args.items, args.sessions, args.held_out, args.compare_queries)
    figures["wall seconds"] = round(time.perf_counter() - started, 1)
    figures["machine"] = machine()
    report(figures, args.output, DEPENDS_ON)


if __name__ == "__main__":
    sys.exit(main())
