"""Benchmark: the model endpoint's latency per request, against the batch path, in one run.

Serves a pipeline's output folder (default ``runs/online_retail``, written by
``python -m prod2vec pipeline --out runs/online_retail``). The queries are the last training
item of 1,000 sessions drawn with ``--seed``, sent one request at a time to
:class:`prod2vec.serving.SessionScorer` (``{"item": ..., "k": 10}``, JSON parsing left out),
and the same queries answered in one batch by the model the run serves (``serving.json``:
Word2Vec's vectors or the counting model's table, ``recommend``). Prints and writes the served
model, p50 and p99 per request, the batch's time per query and their ratio to
``benchmarks/results/bench_serving.json``.

    python benchmarks/bench_serving.py [--model-dir runs/online_retail] [--requests 1000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from prod2vec.models.word2vec import Word2VecRecommender, load_output_weights, load_vectors
from prod2vec.online_retail.reference_protocol import prepare_sessions
from prod2vec.outputs.run_folder import RunFolder
from prod2vec.serving import SessionScorer

from common import RESULTS_DIR, command_line, machine, report

RESULTS = RESULTS_DIR / "bench_serving.json"
#: what these figures depend on: the endpoint, the run folder and vectors it loads, the batch
#: recommender it is compared with, and the sessions its queries are drawn from (reference recipe)
DEPENDS_ON = (
    "benchmarks/bench_serving.py",
    "benchmarks/common.py",
    "src/prod2vec/serving.py",
    "src/prod2vec/outputs/",
    "src/prod2vec/models/",
    "src/prod2vec/evaluation/metrics.py",
    "src/prod2vec/data/",
    "src/prod2vec/online_retail/",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model-dir", type=Path, default=Path("runs/online_retail"))
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    if not (args.model_dir / "vectors.npz").is_file():
        sys.exit(f"No model at {args.model_dir}: run `python -m prod2vec pipeline --out "
                 f"{args.model_dir}` first.")  # fmt: skip

    started = time.perf_counter()
    scorer = SessionScorer(args.model_dir)
    load_seconds = time.perf_counter() - started
    train = prepare_sessions().split.train
    rng = np.random.default_rng(args.seed)
    known = set(scorer.items)
    candidates = [session[-1] for session in train if session and session[-1] in known]
    queries = [str(item) for item in rng.choice(candidates, size=args.requests)]

    latencies = []
    for query in queries:
        started = time.perf_counter()
        answer = scorer.answer({"item": query, "k": 10})
        latencies.append(time.perf_counter() - started)
        assert "recommendations" in answer, answer
    served = RunFolder(args.model_dir).load_served_model()
    if served is None:  # a run folder written before serving.json: Word2Vec, input-output
        vectors = load_vectors(args.model_dir / "vectors.npz")
        batch_model = Word2VecRecommender.from_vectors(
            vectors, output_weights=load_output_weights(args.model_dir / "vectors.npz"),
            scoring="input-output",
        )  # fmt: skip
    else:
        batch_model = served.model
    started = time.perf_counter()
    batch_model.recommend(queries, k=10)
    batch_per_query = (time.perf_counter() - started) / len(queries)
    p50, p99 = np.percentile(latencies, [50, 99])
    report(
        {
            "command": command_line(),
            "served model": served.name if served else "Word2Vec",
            "context": served.rule.label if served else "every request item",
            "requests": len(queries),
            "catalogue_items": len(scorer.items),
            "load_seconds": round(load_seconds, 3),
            "request_p50_ms": round(p50 * 1000, 3),
            "request_p99_ms": round(p99 * 1000, 3),
            "batch_ms_per_query": round(batch_per_query * 1000, 4),
            "p50_over_batch": round(p50 / batch_per_query, 1),
            "machine": machine(),
        },
        args.output,
        DEPENDS_ON,
    )


if __name__ == "__main__":
    sys.exit(main())
