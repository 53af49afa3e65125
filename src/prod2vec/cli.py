"""The command line, ``python -m prod2vec <command>``: one parser, one error boundary.

Each subcommand only parses its arguments and delegates to the package. Expected failures
(a download that fails, a file that is not what it should be) end in one line on stderr naming
the problem and the fix, with exit code 1; bad arguments exit with code 2 (argparse). With
``--debug`` (or ``PROD2VEC_DEBUG=1``) the traceback is shown instead.

Commands
--------
``data``
    Download Online Retail from UCI (or use the cache) and print its size.
``tune``
    Search Word2Vec's hyperparameters with Ray Tune on the reference protocol's validation
    pairs (needs the ``tune`` extra); writes the trial and epoch tables and ``best.json``.
``seeds``
    Test a configuration (a ``best.json``) over 5 split seeds and 5 Word2Vec seeds against
    the counting baselines; writes ``scores.csv`` and ``differences.csv``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlparse

from prod2vec.interactions import InteractionsError
from prod2vec.online_retail import (
    UCI_URL,
    DataDownloadError,
    DataSchemaError,
    load_online_retail,
)
from prod2vec.paths import data_dir, hpo_dir, project_dir

#: failures a user can fix, reported without a traceback (DataCacheError is an OSError)
EXPECTED_ERRORS = (DataDownloadError, DataSchemaError, InteractionsError, OSError, ValueError)


def positive_int(text: str) -> int:
    """An argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def download_url(text: str) -> str:
    """An argparse type: an http(s) or file URL."""
    parsed = urlparse(text)
    if parsed.scheme not in ("http", "https", "file") or not (parsed.netloc or parsed.path):
        raise argparse.ArgumentTypeError(
            f"expected an http(s):// or file:// URL, got {text!r} (the default is {UCI_URL})"
        )
    return text


def _fetch_data(args: argparse.Namespace) -> int:
    frame = load_online_retail(
        args.data_dir, url=args.url, retries=args.retries, progress=not args.quiet
    )
    print(f"Online Retail: {len(frame):,} rows, cached in {args.data_dir or data_dir()}")
    return 0


class UsageError(ValueError):
    """Arguments that parse but do not make sense together: exit code 2, like argparse."""


def _tune(args: argparse.Namespace) -> int:
    from prod2vec.protocol import prepare_sessions
    from prod2vec.tune.sweep import SweepSettings, resume_sweep, run_sweep, write_sweep

    try:
        settings = SweepSettings(
            search=args.search,
            samples=args.samples,
            max_epochs=args.max_epochs,
            asha=args.asha,
            grace_period=args.grace_period,
            concurrency=args.concurrency,
            cpus_per_trial=args.cpus_per_trial,
            seed=args.seed,
        )
    except ValueError as error:
        raise UsageError(str(error)) from error
    storage = Path(args.storage) if args.storage else project_dir() / "ray_results"
    output = Path(args.output) if args.output else hpo_dir()
    split = prepare_sessions().split
    if args.resume:
        results = resume_sweep(
            storage / args.name, split.train, split.validation, settings, args.address
        )
    else:
        results = run_sweep(
            split.train,
            split.validation,
            settings,
            name=args.name,
            storage=storage,
            address=args.address,
            verbose=0 if args.quiet else 1,
        )
    command = "python -m prod2vec " + " ".join(args.argv)
    paths = write_sweep(results, output, settings, command)
    best = json.loads(paths["best"].read_text())
    print(f"best of {len(results)} trials: {best['word2vec']}, scoring {best['scoring']}")
    print(
        f"validation Recall@10 {best['validation_recall_at_10']:.3f}, MRR@10 "
        f"{best['validation_mrr_at_10']:.3f} at epoch {best['best_epoch']}"
    )
    print("written:", ", ".join(str(path) for path in paths.values()))
    return 0


def _seeds(args: argparse.Namespace) -> int:
    from prod2vec.files import write_csv_atomic, write_json_atomic
    from prod2vec.seeds import study_seeds, summarise_scores

    best = json.loads(Path(args.config).read_text())
    study = study_seeds(best["word2vec"], best["scoring"], best["best_epoch"], workers=args.workers)
    output = Path(args.output) if args.output else hpo_dir() / "seeds"
    write_csv_atomic(study.scores, output / "scores.csv")
    write_csv_atomic(study.differences, output / "differences.csv")
    write_csv_atomic(study.reference_pairs, output / "reference_split_pairs.csv")
    write_json_atomic(
        {"command": "python -m prod2vec " + " ".join(args.argv), "config": args.config},
        output / "command.json",
    )
    print(summarise_scores(study.scores).round(3).to_string())
    print(study.differences.round(4).to_string(index=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="python -m prod2vec",
        description="prod2vec: product embeddings from purchase sessions with Word2Vec.",
    )
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of a failure ($PROD2VEC_DEBUG)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    data = commands.add_parser("data", help="download and cache the Online Retail dataset")
    data.add_argument(
        "--data-dir",
        default=None,
        help="cache folder (default: $PROD2VEC_DATA_DIR, else the project's data/)",
    )
    data.add_argument(
        "--url", type=download_url, default=UCI_URL, help="where to download the zip from"
    )
    data.add_argument(
        "--retries", type=positive_int, default=3, help="download attempts (%(default)s)"
    )
    data.add_argument("--quiet", action="store_true", help="no progress bar")
    data.set_defaults(run=_fetch_data)

    search = commands.add_parser(
        "tune", help="search Word2Vec's hyperparameters with Ray Tune (extra: tune)"
    )
    search.add_argument(
        "--search",
        choices=("grid", "random", "bayes"),
        default="random",
        help="the original grid, random, or Bayesian (Optuna TPE) search (%(default)s)",
    )
    search.add_argument("--samples", type=positive_int, default=100, help="trials (%(default)s)")
    search.add_argument(
        "--max-epochs", type=positive_int, default=50, help="most epochs a trial (%(default)s)"
    )
    search.add_argument(
        "--no-asha", dest="asha", action="store_false", help="run every trial to its end"
    )
    search.add_argument(
        "--grace-period", type=positive_int, default=3, help="ASHA's first rung (%(default)s)"
    )
    search.add_argument(
        "--concurrency", type=positive_int, default=2, help="trials at once (%(default)s)"
    )
    search.add_argument(
        "--cpus-per-trial", type=positive_int, default=1, help="CPUs and Gensim workers a trial"
    )
    search.add_argument(
        "--address",
        default=None,
        help="a Ray cluster's address (default: $RAY_ADDRESS, else local)",
    )
    search.add_argument("--name", default="word2vec", help="the experiment's name (%(default)s)")
    search.add_argument(
        "--storage", default=None, help="Ray's results folder (default: the project's ray_results/)"
    )
    search.add_argument(
        "--output", default=None, help="folder of the tables and best.json (default: data/hpo/)"
    )
    search.add_argument("--seed", type=int, default=0, help="search and Word2Vec seed")
    search.add_argument("--resume", action="store_true", help="finish an interrupted sweep")
    search.add_argument("--quiet", action="store_true", help="no live progress table")
    search.set_defaults(run=_tune)

    seeds = commands.add_parser(
        "seeds", help="test a configuration over 5 split seeds and 5 Word2Vec seeds"
    )
    seeds.add_argument("--config", required=True, help="a best.json written by `tune`")
    seeds.add_argument(
        "--output", default=None, help="folder of the tables (default: data/hpo/seeds/)"
    )
    seeds.add_argument("--workers", type=positive_int, default=1, help="Gensim worker threads")
    seeds.set_defaults(run=_seeds)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return args.run(args)
    except UsageError as error:
        parser.error(str(error))
    except EXPECTED_ERRORS as error:
        if args.debug or os.environ.get("PROD2VEC_DEBUG"):
            raise
        print(f"error: {error}", file=sys.stderr)
        return 1
