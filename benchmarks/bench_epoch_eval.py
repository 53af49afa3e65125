"""Benchmark: the cost of evaluating validation Recall@10 after every Word2Vec epoch.

On the real data and split (reference recipe, seed 123), in one run of this script, three
trainings of ``--epochs`` epochs each:

1. with no evaluation: the training time of an epoch;
2. with the original tutorial's callback: ``copy.deepcopy(model)``, then ``most_similar`` per
   validation query;
3. with the project's :class:`prod2vec.models.callbacks.MetricLogger`: target ranks from one
   normalised matrix product for all 1,000 validation queries, no copy of the model.

Each callback runs alone in its own training, so neither finds the caches warmed by the other.
Times are medians over the epochs. Prints each callback's evaluation time per epoch as a fraction
of the epoch time and the ratio between them; then evaluates the final vectors of training 3
with the original callback, to check that both give the same Recall@10. Writes the figures
(with the command) to ``benchmarks/results/bench_epoch_eval.json``.

    python benchmarks/bench_epoch_eval.py [--epochs 20] [--workers 2]
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from gensim.models import Word2Vec
from gensim.models.callbacks import CallbackAny2Vec

from prod2vec.models.callbacks import MetricLogger
from prod2vec.models.word2vec import DEFAULT_PARAMS, train_word2vec
from prod2vec.online_retail.reference_protocol import prepare_sessions

from common import RESULTS_DIR, command_line, machine, report

K = 10
RESULTS = RESULTS_DIR / "bench_epoch_eval.json"
#: what these figures depend on: Word2Vec training and the metric callback (models/), the
#: metrics, the default seeds, and the sessions and validation pairs (reference recipe)
DEPENDS_ON = (
    "benchmarks/bench_epoch_eval.py",
    "benchmarks/common.py",
    "src/prod2vec/models/",
    "src/prod2vec/evaluation/metrics.py",
    "src/prod2vec/defaults.py",
    "src/prod2vec/data/",
    "src/prod2vec/online_retail/",
)


class OriginalRecallCallback(CallbackAny2Vec):
    """The original tutorial's approach: copy the model, then one most_similar per query."""

    def __init__(self, pairs: pd.DataFrame, k: int = K) -> None:
        self.pairs = list(zip(pairs["query"], pairs["target"], strict=True))
        self.k = k
        self.recalls: list[float] = []

    def on_epoch_end(self, model: Word2Vec) -> None:
        snapshot = copy.deepcopy(model)
        hits = 0
        for query, target in self.pairs:
            if query in snapshot.wv:
                similar = snapshot.wv.most_similar(query, topn=self.k)
                hits += target in {item for item, _ in similar}
        self.recalls.append(hits / len(self.pairs))


class Timed(CallbackAny2Vec):
    """Runs another callback's on_epoch_end and records how long it took."""

    def __init__(self, inner: CallbackAny2Vec) -> None:
        self.inner = inner
        self.seconds: list[float] = []

    def on_train_begin(self, model: Word2Vec) -> None:
        getattr(self.inner, "on_train_begin", lambda _: None)(model)

    def on_epoch_end(self, model: Word2Vec) -> None:
        started = time.perf_counter()
        self.inner.on_epoch_end(model)
        self.seconds.append(time.perf_counter() - started)


class EpochTimer(CallbackAny2Vec):
    """Training time of every epoch (first in the list: stops the clock before evaluations)."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    def on_epoch_begin(self, model: Word2Vec) -> None:
        self._started = time.perf_counter()

    def on_epoch_end(self, model: Word2Vec) -> None:
        self.seconds.append(time.perf_counter() - self._started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    split = prepare_sessions().split
    params = {**DEFAULT_PARAMS, "epochs": args.epochs}
    print(f"Word2Vec {params} with {args.workers} workers, {len(split.validation)} queries")

    plain = EpochTimer()
    train_word2vec(split.train, params, callbacks=[plain], workers=args.workers)
    original = Timed(OriginalRecallCallback(split.validation))
    train_word2vec(split.train, params, callbacks=[original], workers=args.workers)
    project = Timed(MetricLogger(split.validation, k=K))
    model = train_word2vec(split.train, params, callbacks=[project], workers=args.workers)

    check = OriginalRecallCallback(split.validation)
    check.on_epoch_end(model)
    project_recall = project.inner.history[f"Recall@{K}"].iloc[-1]

    epoch = float(np.median(plain.seconds))
    original_eval = float(np.median(original.seconds))
    project_eval = float(np.median(project.seconds))
    result = {
        "command": command_line(),
        "epochs": args.epochs,
        "workers": args.workers,
        "vector_size": params["vector_size"],
        "window": params["window"],
        "validation_queries": len(split.validation),
        "epoch_seconds_without_eval": round(epoch, 3),
        "original_eval_seconds_per_epoch": round(original_eval, 4),
        "project_eval_seconds_per_epoch": round(project_eval, 4),
        "original_overhead_fraction": round(original_eval / epoch, 4),
        "project_overhead_fraction": round(project_eval / epoch, 4),
        "original_over_project_ratio": round(original_eval / project_eval, 1),
        "final_recall_original_callback": check.recalls[0],
        "final_recall_project_callback": project_recall,
        "machine": machine(),
    }
    report(result, args.output, DEPENDS_ON)
    return 0


if __name__ == "__main__":
    sys.exit(main())
