"""Benchmark: what running a sweep through Ray Tune costs over running its trials by hand.

On the real training sessions and validation pairs (reference recipe, seed 123), in one run of
this script, the same small sweep twice:

1. serially, in this process, with no Ray at all: every configuration trained as a trial
   trains it (``train_word2vec`` with validation metrics after every epoch), one after the
   other; the sum of their wall times is the sweep's compute;
2. through Ray Tune on a local Ray (started first and timed apart), with ``--concurrency``
   trials at once, one CPU each, reused actors and no scheduler, so both do the same work.

Overhead ratio = Ray's wall time / (serial compute / concurrency): 1.0 would be a perfect
speed-up. Configurations are drawn from the random search space with ``--seed``, fixed to
``--epochs`` epochs, on all the training sessions (the committed sweep's trials), or on the
first ``--sessions`` of them. The overhead is split into the sweep's start-up (from
``Tuner.fit`` to the first trial's first line: creating trial actors, which import Ray, Gensim
and the project in fresh processes) and what each further trial adds. Writes the figures (with
the command) to ``benchmarks/results/bench_tune.json``; takes about four minutes on 2 cores.

    python benchmarks/bench_tune.py [--configs 8] [--epochs 5] [--sessions N]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")

import ray  # noqa: E402

from prod2vec.models.callbacks import MetricLogger  # noqa: E402
from prod2vec.models.word2vec import train_word2vec  # noqa: E402
from prod2vec.online_retail.reference_protocol import prepare_sessions  # noqa: E402
from prod2vec.tune.space import word2vec_settings  # noqa: E402
from prod2vec.tune.sweep import SweepSettings, connect, run_sweep, trial_table  # noqa: E402

from common import RESULTS_DIR, command_line, machine, report  # noqa: E402

RESULTS = RESULTS_DIR / "bench_tune.json"
#: what these figures depend on: the sweep and its trials, their configurations, Word2Vec training
#: with the metric callback (models/), and the sessions and validation pairs (reference recipe)
DEPENDS_ON = (
    "benchmarks/bench_tune.py",
    "benchmarks/common.py",
    "src/prod2vec/tune/space.py",
    "src/prod2vec/tune/sweep.py",
    "src/prod2vec/tune/trainable.py",
    "src/prod2vec/configuration.py",
    "src/prod2vec/defaults.py",
    "src/prod2vec/models/",
    "src/prod2vec/evaluation/metrics.py",
    "src/prod2vec/data/",
    "src/prod2vec/online_retail/",
)


def draw_configurations(count: int, epochs: int, seed: int) -> list[dict]:
    """``count`` configurations over the random space's ranges, each of ``epochs`` epochs."""
    rng = np.random.default_rng(seed)
    return [
        {
            "vector_size": int(rng.integers(10, 101)),
            "window": int(rng.integers(1, 20)),
            "ns_exponent": float(rng.uniform(-1, 1)),
            "alpha": float(10 ** rng.uniform(-3, -1)),
            "negative": int(rng.integers(1, 20)),
            "sample": float(10 ** rng.uniform(-6, -2)),
            "epochs": epochs,
            "scoring": str(rng.choice(["input-input", "input-output"])),
            "seed": 0,
        }
        for _ in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--configs", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--sessions", type=int, default=None, help="default: all")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    split = prepare_sessions().split
    train = split.train[: args.sessions]
    configurations = draw_configurations(args.configs, args.epochs, args.seed)

    serial_seconds = []
    for config in configurations:
        started = time.perf_counter()
        logger = MetricLogger(split.validation, scoring=config["scoring"])
        train_word2vec(train, word2vec_settings(config), callbacks=[logger], seed=config["seed"])
        serial_seconds.append(time.perf_counter() - started)
    assert not ray.is_initialized(), "the serial run must not start Ray"
    compute = float(np.sum(serial_seconds))

    started = time.perf_counter()
    connect()
    startup = time.perf_counter() - started
    settings = SweepSettings(
        search="random",
        samples=args.configs,
        max_epochs=max(args.epochs, 5),
        asha=False,
        concurrency=args.concurrency,
        seed=args.seed,
    )
    storage = Path(os.environ.get("TMPDIR", "/tmp")) / "prod2vec_bench_tune"
    started, started_epoch = time.perf_counter(), time.time()
    results = run_sweep(
        train,
        split.validation,
        settings,
        name=f"bench_{os.getpid()}",
        storage=storage,
        verbose=0,
        points_to_evaluate=configurations,
    )
    sweep_wall = time.perf_counter() - started
    trials = trial_table(results)
    assert len(trials) == args.configs and (trials["epochs_run"] == args.epochs).all()

    ideal = compute / args.concurrency
    # a trial's first report is stamped (in whole seconds) at its end; time_total_s goes back
    first_trial_start = min(
        float(history["timestamp"].iloc[0] - history["time_total_s"].iloc[0])
        for history in (result.metrics_dataframe for result in results)
    )
    sweep_startup = first_trial_start - started_epoch
    rounds = args.configs / args.concurrency
    report(
        {
            "command": command_line(),
            "configurations": args.configs,
            "epochs_each": args.epochs,
            "training_sessions": len(train),
            "concurrency": args.concurrency,
            "serial_compute_seconds": round(compute, 2),
            "ideal_parallel_seconds": round(ideal, 2),
            "ray_startup_seconds": round(startup, 2),
            "ray_sweep_wall_seconds": round(sweep_wall, 2),
            "overhead_ratio": round(sweep_wall / ideal, 3),
            "sweep_startup_seconds": round(sweep_startup, 2),
            "overhead_per_trial_seconds": round((sweep_wall - sweep_startup - ideal) / rounds, 2),
            "overhead_ratio_with_startup": round((sweep_wall + startup) / ideal, 3),
            "machine": machine(),
        },
        args.output,
        DEPENDS_ON,
    )


if __name__ == "__main__":
    sys.exit(main())
