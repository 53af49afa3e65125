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
``finalists``
    Train a sweep's best trials again on more Word2Vec seeds and choose on the mean
    validation curve (needs the ``tune`` extra); writes the curves and a ``best.json``.
``pipeline``
    The whole pipeline on your own interaction data (or Online Retail), into an output folder.
``seeds``
    Test a configuration (a ``best.json``) over 5 split seeds and 5 Word2Vec seeds against
    the counting baselines; writes ``scores.csv`` and ``differences.csv``. With ``--ladder``,
    also Gensim's defaults, the project's defaults and each of them put back (an ablation).
``app``
    Serve a pipeline run's folder as a web page to try it (needs the ``app`` and ``explore``
    extras): search products, next items, similar products, the map of the catalogue.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from prod2vec.configuration import Configuration
from prod2vec.data.interactions import ITEM
from prod2vec.data.readers import LAYOUTS, label_coverage_warning
from prod2vec.data.sessions import session_gap
from prod2vec.defaults import MODEL_SEED, SEARCH_SEED, SPLIT_SEED, K
from prod2vec.errors import ConfigurationError, Prod2VecError
from prod2vec.evaluation.metrics import METRICS, metric_key, metric_label
from prod2vec.evaluation.results import wide_table
from prod2vec.online_retail import UCI_URL, load_online_retail
from prod2vec.outputs.atomic import check_can_write_folder
from prod2vec.outputs.run_folder import RunFolder, check_can_write_run, write_run
from prod2vec.outputs.run_report import verdict
from prod2vec.paths import data_dir, hpo_dir, project_dir
from prod2vec.progress import Stages
from prod2vec.provenance import command_line, software_versions
from prod2vec.search import DEFAULT_BUDGET

if TYPE_CHECKING:
    import pandas as pd

    from prod2vec.data.readers import QualityReport
    from prod2vec.pipeline import PipelineSettings
    from prod2vec.search import SearchBudget
    from prod2vec.tune.sweep import SweepSettings

#: what a user can fix, said in one line: the project's error family, and the operating
#: system's file errors (missing, not permitted, disk full); anything else is a bug
USER_ERRORS = (Prod2VecError, OSError)


def positive_int(text: str) -> int:
    """An argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def seed_number(text: str) -> int:
    """An argparse type: a seed numpy and Gensim accept, a whole number from 0 to 2**32 - 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be from 0 to {2**32 - 1}, got {value}")
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


class UsageError(Exception):
    """Arguments that parse but do not make sense together: exit code 2, like argparse."""


def _output(args: argparse.Namespace, default: Path) -> Path:
    """Where a command writes: ``--output``, else ``default``."""
    return Path(args.output) if args.output else default


def _storage(args: argparse.Namespace) -> Path:
    """Ray's results folder: ``--storage``, else the project's ``ray_results/``."""
    return Path(args.storage) if args.storage else project_dir() / "ray_results"


def sweep_settings(args: argparse.Namespace) -> SweepSettings:
    """The sweep that parsed ``tune`` or ``pipeline --tune`` flags describe.

    Raises
    ------
    UsageError
        The flags do not make a sweep (one line saying why).
    """
    from prod2vec.tune.sweep import SweepSettings

    try:
        return SweepSettings(
            search=args.search,
            samples=args.samples,
            max_epochs=args.max_epochs,
            asha=args.asha,
            grace_period=args.grace_period,
            concurrency=args.concurrency,
            cpus_per_trial=args.cpus_per_trial,
            seed=args.search_seed,
        )
    except ValueError as error:
        raise UsageError(str(error)) from error


def _tune(args: argparse.Namespace) -> int:
    from dataclasses import asdict, replace

    from prod2vec.errors import SweepIncompleteError
    from prod2vec.online_retail.reference_protocol import prepare_sessions
    from prod2vec.tune.connect import check_cpus, connect, ray_address
    from prod2vec.tune.sweep import (
        check_new_sweep,
        read_plan,
        resume_sweep,
        run_sweep,
        sweep_status,
        trial_table,
        write_sweep,
    )

    settings = sweep_settings(args)
    sweep = _storage(args).resolve() / args.name
    output = _output(args, hpo_dir())
    verbose = 0 if args.quiet else 1
    if args.resume:  # checked before the data is read: the sweep's plan, and what was typed
        plan = read_plan(sweep)
        typed = {token.split("=")[0] for token in args.argv if token.startswith("--")}
        flags = {field: f"--{field.replace('_', '-')}" for field in asdict(settings)}
        given = {
            field: getattr(settings, field)
            for field, flag in {**flags, "asha": "--no-asha"}.items()
            if any(flag.startswith(token) for token in typed)  # argparse takes unique prefixes
        }
        settings = plan.resumed_with(replace(plan.settings, **given))
    else:
        check_new_sweep(sweep)
    # the cluster is checked before the data is prepared: a wrong address fails in seconds
    connect(args.address)
    check_cpus(settings.cpus_per_trial, ray_address(args.address))
    split = prepare_sessions().split

    def interrupted() -> str:  # a second Ctrl-C skips Tune's graceful stop: what is on disk
        try:
            return sweep_status(sweep).summary()
        except Prod2VecError:
            return f"no trial of {args.name} ran"

    args.interrupted = interrupted
    try:
        if args.resume:
            resume_sweep(sweep, split.train, split.validation, settings, args.address, verbose)
        else:
            run_sweep(split.train, split.validation, settings, name=args.name,
                      storage=sweep.parent, address=args.address, verbose=verbose)  # fmt: skip
    except SweepIncompleteError as error:
        if error.interrupted:  # exit code 130, as for any Ctrl-C; a failed trial exits with 1
            message = str(error)
            args.interrupted = lambda: message
            raise KeyboardInterrupt from error
        raise
    paths = write_sweep(sweep, output, settings, command_line(args.argv))
    best = Configuration.load(paths["best"])
    print(f"best of {len(trial_table(sweep, settings.k))} trials: {best.word2vec}, "
          f"scoring {best.scoring}")  # fmt: skip
    print(f"{_validation_figures(best)} at epoch {best.best_epoch}")
    print("written:", ", ".join(str(path) for path in paths.values()))
    return 0


def _validation_figures(configuration: Configuration) -> str:
    figures = configuration.validation
    return ", ".join(
        f"validation {metric_label(metric, K)} {figures[metric_key(metric, K)]:.3f}"
        for metric in METRICS
    )


def _finalists(args: argparse.Namespace) -> int:
    from prod2vec.online_retail.reference_protocol import prepare_sessions
    from prod2vec.tune.finalists import (
        finalist_configuration,
        read_trials,
        rescore_finalists,
        write_finalists,
    )

    trials = read_trials(args.trials, K)
    split = prepare_sessions().split
    seeds = list(range(args.model_seeds))
    curves, finalists = rescore_finalists(
        trials, split.train, split.validation, top=args.top, model_seeds=seeds,
        processes=args.processes,
    )  # fmt: skip
    best = finalist_configuration(trials, finalists, K).with_provenance(
        command=command_line(args.argv), model_seeds=tuple(seeds), versions=software_versions()
    )
    output = _output(args, hpo_dir() / "finalists")
    write_finalists(curves, finalists, best, output)
    print(finalists.round(4).to_string(index=False))
    print(f"chosen: trial {best.trial_id} at epoch {best.best_epoch}; written to {output}")
    return 0


def _tuned_configuration(path: str) -> Configuration:
    best = Configuration.load(path)
    if best.best_epoch is None:
        raise ConfigurationError(
            f"{path} has no best_epoch: give a best.json written by `python -m prod2vec "
            "finalists` or `tune`, which say at which epoch validation peaked."
        )
    return best


def _seeds(args: argparse.Namespace) -> int:
    from prod2vec.evaluation.seed_study import (
        LADDER_COMPARISONS,
        ladder_variants,
        study_seeds,
        study_variants,
        summarise_scores,
        write_seed_study,
    )
    from prod2vec.online_retail import reference_protocol

    best = _tuned_configuration(args.config)
    output = _output(args, hpo_dir() / ("ladder" if args.ladder else "seeds"))
    check_can_write_folder(output, overwrite=True, fix="Choose another --output.")
    _, sessions = reference_protocol.clean_sessions()
    sizes = {"n_test": reference_protocol.N_TEST, "n_validation": reference_protocol.N_VALIDATION}
    if args.ladder:
        variants = ladder_variants(best)
        study = study_variants(
            sessions, variants, LADDER_COMPARISONS, workers=args.workers, **sizes
        )
    else:
        study = study_seeds(
            sessions, best.word2vec, best.scoring, best.best_epoch, workers=args.workers, **sizes
        )
    write_seed_study(study, output, command_line(args.argv), args.config)
    print(summarise_scores(study.scores).round(3).to_string())
    print(study.differences.round(4).to_string(index=False))
    return 0


def _pipeline(args: argparse.Namespace) -> int:
    from prod2vec.pipeline import run_pipeline

    chosen = [
        flag
        for flag, given in (
            ("--config", args.config),
            ("--tune", args.tune),
            ("--no-search", args.no_search),
            ("--search-budget", args.search_budget is not None),
        )
        if given
    ]
    if len(chosen) > 1:
        raise UsageError(
            "give one of --config, --tune, --no-search and --search-budget, not "
            + " and ".join(chosen)
        )
    # argparse takes unique prefixes: --search-s is the shortest of --search-seed
    seed_typed = any(
        token.startswith("--search-s") and "--search-seed".startswith(token.split("=")[0])
        for token in args.argv
    )
    if seed_typed and chosen and chosen[0] in ("--config", "--no-search"):
        raise UsageError(f"--search-seed seeds a search, and {chosen[0]} runs none: leave it out")
    ray_probe = argparse.ArgumentParser(add_help=False)
    add_search_options(ray_probe)
    ray_options = [
        "--no-asha" if name == "asha" else f"--{name.replace('_', '-')}"
        for name, default in vars(ray_probe.parse_args([])).items()
        if getattr(args, name) != default
    ]
    if ray_options and not args.tune:
        raise UsageError(
            f"{ray_options[0]} is an option of --tune's Ray Tune search: add --tune, or leave it "
            "out (--search-budget sets the default search's budget)"
        )
    search = None if args.config or args.tune or args.no_search else _search_budget(args)
    if args.metadata and not args.input:
        raise UsageError("--metadata labels your own --input; Online Retail has descriptions")
    settings = _pipeline_settings(args)
    sweep = sweep_settings(args) if args.tune else None
    kept: dict[str, str | Path | None] = {
        "--input": args.input,
        "--metadata": args.metadata,
        "--config": args.config,
    }
    if args.input is None:
        kept["the Online Retail data folder"] = data_dir()
    if sweep is not None:
        kept["--storage"] = _storage(args)
    # before any reading, not after the training
    check_can_write_run(args.out, args.overwrite, kept)
    marker = RunFolder(args.out).marker
    marker_before = marker.read_bytes() if marker.is_file() else None

    def interrupted() -> str:  # for main, on Ctrl-C: did the run's last rename happen?
        if (marker.read_bytes() if marker.is_file() else None) == marker_before:
            return f"nothing was written to {args.out}"
        return f"{args.out} had been written completely"

    args.interrupted = interrupted
    configuration = Configuration.load(args.config) if args.config else None
    stages = Stages()
    with stages.stage("read the input"):
        interactions, quality, labels = _read_input(args)
    if labels is not None and (warning := label_coverage_warning(labels, interactions[ITEM])):
        print(f"warning: {warning}", file=sys.stderr)
    tuner = None
    if sweep is not None:
        from prod2vec.tune.sweep import tune_on

        live = 1 if sys.stdout.isatty() else 0  # Tune's status table, in a terminal only
        tuner = tune_on(sweep, _storage(args), address=args.address, verbose=live)
    result = run_pipeline(
        interactions,
        quality,
        settings,
        configuration=configuration,
        tuner=tuner,
        search=search,
        labels=labels,
        stages=stages,
    )
    run = write_run(result, args.out, command_line(args.argv), overwrite=args.overwrite)
    print(wide_table(result.results).to_string())
    print(verdict(result).replace("**", ""))
    print(f"written: {run.path}")
    return 0


def _search_budget(args: argparse.Namespace) -> SearchBudget:
    """The search budget of ``--search-budget``, or the default one."""
    from prod2vec.search import parse_budget

    if args.search_budget is None:
        return DEFAULT_BUDGET
    try:
        return parse_budget(args.search_budget)
    except ConfigurationError as error:
        raise UsageError(f"--search-budget: {error}") from error


def _pipeline_settings(args: argparse.Namespace) -> PipelineSettings:
    """The pipeline's settings from its arguments; the session gap is parsed here, once."""
    from prod2vec.online_retail import reference_protocol
    from prod2vec.pipeline import PipelineSettings

    gap = None
    if args.session_gap is not None:
        try:
            gap = session_gap(args.session_gap)
        except ConfigurationError as error:
            raise UsageError(str(error)) from error
        if args.input and (args.layout == "wide" or not args.time_col):
            raise UsageError("--session-gap needs event times: a long table with --time-col")
    # Online Retail keeps the reference protocol's split, the one notebooks 02-04 chose on: a
    # configuration chosen on its validation pairs is then never tested on them
    reference = args.input is None
    default_seed = reference_protocol.SPLIT_SEED if reference else SPLIT_SEED
    try:
        return PipelineSettings(
            session_gap=gap,
            min_session_length=args.min_session_length,
            n_test=args.n_test or (reference_protocol.N_TEST if reference else None),
            n_validation=args.n_validation
            or (reference_protocol.N_VALIDATION if reference else None),
            split_seed=default_seed if args.split_seed is None else args.split_seed,
            model_seed=args.model_seed,
            search_seed=args.search_seed,
            patience=args.patience,
            workers=args.workers,
        )
    except ConfigurationError as error:
        raise UsageError(str(error)) from error


def _read_input(args: argparse.Namespace) -> tuple[pd.DataFrame, QualityReport, pd.Series | None]:
    """The interactions, their quality report and labels: the user's table, or Online Retail."""
    from prod2vec.data.readers import read_labels, read_long, read_wide

    if args.input is None:
        from prod2vec.online_retail import reference_protocol
        from prod2vec.online_retail.reader import read_online_retail

        return read_online_retail(reference_protocol.RECIPE)
    if args.time_format and (args.layout == "wide" or not args.time_col):
        raise UsageError("--time-format reads the --time-col of a long table")
    if args.layout == "wide":
        interactions, quality = read_wide(
            args.input, args.user_col, args.items_col, args.separator, args.encoding,
            delimiter=args.delimiter,
        )  # fmt: skip
    else:
        interactions, quality = read_long(
            args.input, args.user_col, args.item_col, args.time_col, args.encoding,
            delimiter=args.delimiter, time_format=args.time_format,
        )  # fmt: skip
    labels = None
    if args.metadata:
        labels = read_labels(args.metadata, args.metadata_item_col, args.label_col, args.encoding)
    return interactions, quality, labels


def _app(args: argparse.Namespace) -> int:
    from prod2vec.app.server import create_app, serve
    from prod2vec.online_retail.explore_settings import STOP_WORDS

    port = args.port
    if port is None:  # CML gives an application its port in CDSW_APP_PORT
        try:
            port = positive_int(os.environ.get("CDSW_APP_PORT", "8080"))
        except argparse.ArgumentTypeError as error:
            raise UsageError(f"$CDSW_APP_PORT is not a port: {error}; or give --port") from error
    # Online Retail's filler words are English filler for any run's descriptions
    app = create_app(args.run_dir, stop_words=STOP_WORDS)
    seconds = app.config["STARTUP_SECONDS"]
    print(f"{args.run_dir} loaded in {seconds['load']:.1f} s, its map drawn in "
          f"{seconds['map']:.1f} s", file=sys.stderr)  # fmt: skip
    serve(app, args.host, port)
    return 0


def add_search_options(parser: Any) -> None:
    """The options of a Ray Tune search, shared by ``tune`` and ``pipeline --tune``.

    ``parser`` is an argparse parser or argument group.
    """
    parser.add_argument(
        "--storage", default=None, help="Ray's results folder (default: the project's ray_results/)"
    )
    parser.add_argument(
        "--search",
        choices=("grid", "random", "bayes"),
        default="random",
        help="the original grid, random, or Bayesian (Optuna TPE) search (%(default)s)",
    )
    parser.add_argument("--samples", type=positive_int, default=100, help="trials (%(default)s)")
    parser.add_argument(
        "--max-epochs", type=positive_int, default=50, help="most epochs a trial (%(default)s)"
    )
    parser.add_argument(
        "--no-asha", dest="asha", action="store_false", help="run every trial to its end"
    )
    parser.add_argument(
        "--grace-period", type=positive_int, default=3, help="ASHA's first rung (%(default)s)"
    )
    parser.add_argument(
        "--concurrency", type=positive_int, default=2, help="trials at once (%(default)s)"
    )
    parser.add_argument(
        "--cpus-per-trial", type=positive_int, default=1, help="CPUs and Gensim workers a trial"
    )
    parser.add_argument(
        "--address",
        default=None,
        help="a Ray cluster: host:port from one of its nodes, ray://host:10001 (Ray Client) "
        "from anywhere (default: $RAY_ADDRESS, else a local Ray)",
    )


def _add_data_command(commands: Any) -> None:
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


def _add_tune_command(commands: Any) -> None:
    search = commands.add_parser(
        "tune", help="search Word2Vec's hyperparameters with Ray Tune (extra: tune)"
    )
    add_search_options(search)
    search.add_argument("--name", default="word2vec", help="the experiment's name (%(default)s)")
    search.add_argument(
        "--output", default=None, help="folder of the tables and best.json (default: data/hpo/)"
    )
    search.add_argument(
        "--seed",
        dest="search_seed",
        type=seed_number,
        default=SEARCH_SEED,
        help="the search's seed",
    )
    search.add_argument(
        "--resume",
        action="store_true",
        help="finish the interrupted or failed sweep --name, trusting only what the project "
        "wrote in its folder (prod2vec_sweep.json and prod2vec_trials/, plain JSON), never "
        "Ray's pickles: finished and ASHA-stopped trials are kept, the others run again from "
        "epoch 1 (a sweep that did not finish exits with 130 if interrupted, 1 if a trial "
        "failed, and writes no tables)",
    )
    search.add_argument("--quiet", action="store_true", help="no progress lines")
    search.set_defaults(run=_tune)


def _add_seeds_command(commands: Any) -> None:
    seeds = commands.add_parser(
        "seeds", help="test a configuration over 5 split seeds and 5 Word2Vec seeds"
    )
    seeds.add_argument("--config", required=True, help="a best.json written by `tune`")
    seeds.add_argument(
        "--output", default=None, help="folder of the tables (default: data/hpo/seeds/)"
    )
    seeds.add_argument("--workers", type=positive_int, default=1, help="Gensim worker threads")
    seeds.add_argument(
        "--ladder",
        action="store_true",
        help="also test Gensim's defaults, the project's, each default put back, and the tuned "
        "configuration scored input-input (default folder data/hpo/ladder/)",
    )
    seeds.set_defaults(run=_seeds)


def _add_finalists_command(commands: Any) -> None:
    finalists = commands.add_parser(
        "finalists",
        help="train a sweep's best trials again on more Word2Vec seeds; choose on the mean",
    )
    finalists.add_argument("--trials", required=True, help="a trials.csv written by `tune`")
    finalists.add_argument(
        "--top", type=positive_int, default=5, help="best trials to train again (%(default)s)"
    )
    finalists.add_argument(
        "--model-seeds", type=positive_int, default=3, help="Word2Vec seeds each (%(default)s)"
    )
    finalists.add_argument(
        "--processes", type=positive_int, default=2, help="trainings at once (%(default)s)"
    )
    finalists.add_argument(
        "--output", default=None, help="folder of the tables (default: data/hpo/finalists/)"
    )
    finalists.set_defaults(run=_finalists)


def _add_pipeline_command(commands: Any) -> None:
    pipeline = commands.add_parser(
        "pipeline",
        help="the whole pipeline on your interaction data (or Online Retail): train, "
        "evaluate, export",
    )
    source = pipeline.add_argument_group("input (default: Online Retail)")
    source.add_argument("--input", default=None, help="a CSV or parquet table of interactions")
    source.add_argument(
        "--layout",
        choices=LAYOUTS,
        default="long",
        help="long: a row per event; wide: a row per user with a list of items (%(default)s)",
    )
    source.add_argument("--user-col", default="user_id", help="user column (%(default)s)")
    source.add_argument("--item-col", default="item_id", help="item column, long (%(default)s)")
    source.add_argument(
        "--time-col", default=None, help="timestamp column, long (default: row order)"
    )
    source.add_argument(
        "--items-col", default="product_id", help="item-list column, wide (%(default)s)"
    )
    source.add_argument(
        "--separator", default=",", help="separator of a wide item list, literal (%(default)r)"
    )
    source.add_argument(
        "--delimiter",
        default=None,
        help="the CSV delimiter of --input, one character or \\t (default: detected)",
    )
    source.add_argument(
        "--time-format",
        default=None,
        help="strftime format of --time-col, such as '%%d/%%m/%%Y %%H:%%M' (default: inferred "
        "from the whole column)",
    )
    source.add_argument("--encoding", default="utf-8", help="text encoding (%(default)s)")
    source.add_argument("--metadata", default=None, help="a table of item labels")
    source.add_argument(
        "--metadata-item-col", default="item_id", help="its item column (%(default)s)"
    )
    source.add_argument("--label-col", default="label", help="its label column (%(default)s)")
    shaping = pipeline.add_argument_group("sessions and split")
    shaping.add_argument(
        "--session-gap",
        default=None,
        help="split a user's history at pauses longer than this (30min, 1D); default: "
        "one session per user",
    )
    shaping.add_argument("--min-session-length", type=positive_int, default=3, help="(%(default)s)")
    shaping.add_argument("--n-test", type=positive_int, default=None, help="test pairs")
    shaping.add_argument("--n-validation", type=positive_int, default=None, help="validation pairs")
    training = pipeline.add_argument_group("configuration and training")
    training.add_argument(
        "--search-budget",
        default=None,
        help="search a configuration on your validation pairs (the default) within this many "
        f"trials ('40') or this long ('5min', '90s'); default: {DEFAULT_BUDGET.describe()}",
    )
    training.add_argument(
        "--no-search",
        action="store_true",
        help="train the defaults measured best across datasets instead of searching",
    )
    training.add_argument(
        "--search-seed",
        type=seed_number,
        default=SEARCH_SEED,
        help="the seed of the search, or of --tune's (%(default)s)",
    )
    training.add_argument("--config", default=None, help="train this best.json (no search)")
    training.add_argument(
        "--tune", action="store_true", help="search with Ray Tune instead (a cluster; extra: tune)"
    )
    training.add_argument(
        "--patience", type=positive_int, default=5, help="early stopping (%(default)s)"
    )
    training.add_argument(
        "--workers", type=positive_int, default=1, help="Gensim threads (1: reproducible)"
    )
    training.add_argument(
        "--split-seed",
        type=seed_number,
        default=None,
        help=f"seed of the held-out draw (default: {SPLIT_SEED}; Online Retail: the reference "
        f"protocol's)",
    )
    training.add_argument(
        "--model-seed", type=seed_number, default=MODEL_SEED, help="Word2Vec's seed (%(default)s)"
    )
    searching = pipeline.add_argument_group("Ray Tune search, with --tune (extra: tune)")
    add_search_options(searching)
    output = pipeline.add_argument_group("output")
    output.add_argument("--out", required=True, help="folder to write (complete or not at all)")
    output.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    pipeline.set_defaults(run=_pipeline)


def _add_app_command(commands: Any) -> None:
    app = commands.add_parser(
        "app",
        help="serve a pipeline run as a web page to try: search, next items, similar products, "
        "the map (extras: app, explore)",
    )
    app.add_argument(
        "--run",
        dest="run_dir",
        required=True,
        help="a run folder written by `python -m prod2vec pipeline --out`",
    )
    app.add_argument("--host", default="127.0.0.1", help="address to listen on (%(default)s)")
    app.add_argument(
        "--port",
        type=positive_int,
        default=None,
        help="port (default: $CDSW_APP_PORT, else 8080)",
    )
    app.set_defaults(run=_app)


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
    _add_data_command(commands)
    _add_tune_command(commands)
    _add_seeds_command(commands)
    _add_finalists_command(commands)
    _add_pipeline_command(commands)
    _add_app_command(commands)
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
    except USER_ERRORS as error:
        if args.debug or os.environ.get("PROD2VEC_DEBUG"):
            raise
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C: what was left on disk, in one line
        if args.debug or os.environ.get("PROD2VEC_DEBUG"):
            raise
        state = getattr(args, "interrupted", None)
        print(f"interrupted: {state()}" if state else "interrupted", file=sys.stderr)
        return 130
