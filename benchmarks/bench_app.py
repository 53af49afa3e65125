"""Benchmark: the web application's start-up and its latency per request, over real HTTP.

Serves a pipeline's output folder (default ``runs/online_retail``, written by
``python -m prod2vec pipeline --out runs/online_retail``) with the Flask application of
``python -m prod2vec app`` in a real HTTP server on 127.0.0.1 (Werkzeug's, threaded, in this
process), and times its start-up (loading the run, then the map: UMAP and k-means). Then sends
``--requests`` sessions of one product, drawn with ``--seed`` among the products both models
know, one request at a time with urllib: ``POST /api/next`` then ``POST /api/similar``, each
``{"items": [product], "k": 10}``. Prints and writes the served model, the start-up seconds and
p50 and p99 per request of each route (client-side: HTTP, JSON and the model) to
``benchmarks/results/bench_app.json``.

    python benchmarks/bench_app.py [--model-dir runs/online_retail] [--requests 500]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
from werkzeug.serving import make_server

from prod2vec.app.server import create_app
from prod2vec.online_retail.explore_settings import STOP_WORDS

from common import RESULTS_DIR, command_line, machine, report

RESULTS = RESULTS_DIR / "bench_app.json"
#: what these figures depend on: the application, the endpoint and the run folder it loads,
#: the models that answer, the map it draws at start-up, and the words its regions leave out
DEPENDS_ON = (
    "benchmarks/bench_app.py",
    "benchmarks/common.py",
    "src/prod2vec/app/",
    "src/prod2vec/serving.py",
    "src/prod2vec/outputs/",
    "src/prod2vec/models/",
    "src/prod2vec/evaluation/context.py",
    "src/prod2vec/explore/",
    "src/prod2vec/data/",
    "src/prod2vec/online_retail/explore_settings.py",
)
ROUTES = ("next", "similar")


def post(url: str, body: dict) -> dict:
    """The JSON answer of a POST of ``body`` to ``url``."""
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model-dir", type=Path, default=Path("runs/online_retail"))
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    if not (args.model_dir / "vectors.npz").is_file():
        sys.exit(f"No model at {args.model_dir}: run `python -m prod2vec pipeline --out "
                 f"{args.model_dir}` first.")  # fmt: skip

    started = time.perf_counter()
    app = create_app(args.model_dir, stop_words=STOP_WORDS)
    startup_seconds = time.perf_counter() - started
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/api/"
    about = json.load(urllib.request.urlopen(url + "about"))

    catalogue = app.extensions["prod2vec_catalogue"]
    known = sorted(set(catalogue.next_items.items.tolist()) & set(catalogue.similar.items.tolist()))
    rng = np.random.default_rng(args.seed)
    queries = [str(item) for item in rng.choice(known, size=args.requests)]

    latencies: dict[str, list[float]] = {route: [] for route in ROUTES}
    try:
        for query in queries:
            for route in ROUTES:
                sent = time.perf_counter()
                answer = post(url + route, {"items": [query], "k": 10})
                latencies[route].append(time.perf_counter() - sent)
                assert "recommendations" in answer, answer
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    figures = {}
    for route, seconds in latencies.items():
        p50, p99 = np.percentile(seconds, [50, 99])
        figures[f"{route}_p50_ms"] = round(p50 * 1000, 3)
        figures[f"{route}_p99_ms"] = round(p99 * 1000, 3)
    report(
        {
            "command": command_line(),
            "served model": about["next_items_model"],
            "context": about["next_items_context"],
            "similar products": about["similar_products_model"],
            "requests per route": len(queries),
            "catalogue_items": about["products"],
            "startup_seconds": round(startup_seconds, 2),
            "load_seconds": round(app.config["STARTUP_SECONDS"]["load"], 3),
            "map_seconds": round(app.config["STARTUP_SECONDS"]["map"], 2),
            **figures,
            "machine": machine(),
        },
        args.output,
        DEPENDS_ON,
    )


if __name__ == "__main__":
    sys.exit(main())
