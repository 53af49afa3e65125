"""Run a hyperparameter sweep with Ray Tune, locally or on a Ray cluster, and tabulate it.

A sweep runs on the local machine by default and on an existing Ray cluster when given its
address (or ``RAY_ADDRESS``), with no other change. Trials share the training sessions and
validation pairs through Ray's object store, each gets its CPU share (and as many Gensim
workers), and trial actors are reused. ASHA (asynchronous successive halving) stops weak trials
at rungs of ``grace_period``, ``grace_period * reduction_factor``, ... epochs.

Results are two tidy tables, one row per trial (:func:`trial_table`) and one per trial-epoch
(:func:`epoch_table`), and the best configuration, a
:class:`~prod2vec.configuration.Configuration` (:func:`best_configuration`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import ray
from ray import tune
from ray.tune import ProgressReporter, ResultGrid
from ray.tune.schedulers import ASHAScheduler, FIFOScheduler
from ray.tune.search import BasicVariantGenerator
from ray.tune.search.optuna import OptunaSearch

from prod2vec.configuration import SEARCHED, Configuration
from prod2vec.data.sessions import SessionSplit
from prod2vec.defaults import SEARCH_SEED, K
from prod2vec.errors import ConfigurationError
from prod2vec.evaluation.metrics import metric_key
from prod2vec.outputs.atomic import write_csv_atomic
from prod2vec.provenance import software_versions
from prod2vec.tune.space import grid_space, random_space
from prod2vec.tune.trainable import train_trial

SEARCHES = ("grid", "random", "bayes")


class _SilentReporter(ProgressReporter):
    """Reports nothing: in a notebook, Tune's own reporter leaves an HTML status output."""

    def should_report(self, trials: list, done: bool = False) -> bool:
        return False

    def report(self, trials: list, done: bool, *sys_info: dict) -> None:
        pass


@dataclass(frozen=True)
class SweepSettings:
    """How to search.

    Parameters
    ----------
    search : str
        ``grid`` (the original tutorial's grid), ``random`` or ``bayes`` (Optuna's TPE) over
        :func:`~prod2vec.tune.space.random_space`.
    samples : int
        Trials to run (for ``grid``: repetitions of the whole grid).
    max_epochs : int
        The most epochs a trial may plan (ASHA's ``max_t``).
    asha : bool
        Stop weak trials early with ASHA; otherwise every trial runs all its epochs.
    grace_period, reduction_factor : int
        ASHA's first rung (in epochs) and how many trials a rung keeps one of.
    concurrency : int
        Trials running at once.
    cpus_per_trial : int
        CPUs reserved for a trial, and its Gensim worker threads.
    seed : int
        Seed of the search algorithm (and of every trial's Word2Vec).
    k : int
        The cut-off K of the validation metrics; Recall@K is what is maximised.
    """

    search: str = "random"
    samples: int = 100
    max_epochs: int = 50
    asha: bool = True
    grace_period: int = 3
    reduction_factor: int = 3
    concurrency: int = 2
    cpus_per_trial: int = 1
    seed: int = SEARCH_SEED
    k: int = K

    def __post_init__(self) -> None:
        if self.search not in SEARCHES:
            raise ValueError(f"Unknown search {self.search!r}; choose one of {SEARCHES}.")
        for name in ("samples", "max_epochs", "grace_period", "concurrency", "cpus_per_trial"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}.")
        if self.reduction_factor < 2:
            raise ValueError(f"reduction_factor must be at least 2, got {self.reduction_factor}.")
        if self.search != "grid" and self.max_epochs < 5:
            raise ValueError(f"max_epochs must be at least 5, got {self.max_epochs}.")

    @property
    def metric(self) -> str:
        """The metric maximised, as Ray names it: ``recall_at_10``."""
        return metric_key("recall", self.k)


def connect(address: str | None = None) -> None:
    """Start a local Ray (no dashboard) or connect to the cluster at ``address``/RAY_ADDRESS."""
    if ray.is_initialized():
        return
    ray.init(
        address=address or os.environ.get("RAY_ADDRESS") or None,
        include_dashboard=False,
        log_to_driver=False,
        logging_level=logging.ERROR,
        configure_logging=True,
    )


def _trainable(
    train: Sequence[Sequence[str]], validation: pd.DataFrame, settings: SweepSettings
) -> Any:
    with_data = tune.with_parameters(
        train_trial,
        train=train,
        validation=validation,
        k=settings.k,
        workers=settings.cpus_per_trial,
    )
    return tune.with_resources(with_data, {"cpu": settings.cpus_per_trial})


def _tune_config(
    settings: SweepSettings, points: Sequence[dict[str, Any]] | None = None
) -> tune.TuneConfig:
    if settings.asha:
        scheduler = ASHAScheduler(
            time_attr="training_iteration",
            max_t=settings.max_epochs,
            grace_period=min(settings.grace_period, settings.max_epochs),
            reduction_factor=settings.reduction_factor,
        )
    else:
        scheduler = FIFOScheduler()
    # a Searcher takes Tune's concurrency limit; the variant generator takes its own
    if settings.search == "bayes":
        search = OptunaSearch(seed=settings.seed, points_to_evaluate=points)
        limit = settings.concurrency
    else:
        search = BasicVariantGenerator(
            random_state=settings.seed,
            max_concurrent=settings.concurrency,
            points_to_evaluate=points,
        )
        limit = None
    return tune.TuneConfig(
        metric=settings.metric,
        mode="max",
        scheduler=scheduler,
        search_alg=search,
        num_samples=settings.samples,
        max_concurrent_trials=limit,
        reuse_actors=True,
    )


def param_space(settings: SweepSettings) -> dict[str, Any]:
    """The searched space, with the Word2Vec seed every trial shares."""
    space = (
        grid_space(settings.max_epochs)
        if settings.search == "grid"
        else random_space(settings.max_epochs)
    )
    return {**space, "seed": settings.seed}


def run_sweep(
    train: Sequence[Sequence[str]],
    validation: pd.DataFrame,
    settings: SweepSettings,
    *,
    name: str,
    storage: str | Path,
    address: str | None = None,
    verbose: int = 1,
    points_to_evaluate: Sequence[dict[str, Any]] | None = None,
) -> ResultGrid:
    """Run a sweep; its state is kept under ``storage/name`` so that it can be resumed.

    Parameters
    ----------
    train, validation
        Training sessions and validation pairs (``query``, ``target``).
    settings : SweepSettings
        What to search, and how.
    name, storage
        The experiment's name and the folder of Ray's results (``ray_results/``).
    address : str, optional
        A Ray cluster's address; default ``RAY_ADDRESS``, else a local Ray.
    verbose : int
        Ray Tune's progress output: 0 none (for notebooks: Ray's newer output engine would
        still print its configuration box, so the legacy one is chosen), 1 a live status table.
    points_to_evaluate : sequence of dict, optional
        Configurations to try first (for example Gensim's defaults); they count in
        ``settings.samples``.
    """
    if verbose == 0:
        os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
    connect(address)
    tuner = tune.Tuner(
        _trainable(train, validation, settings),
        param_space=param_space(settings),
        tune_config=_tune_config(settings, points_to_evaluate),
        run_config=tune.RunConfig(
            name=name,
            storage_path=str(Path(storage).resolve()),
            verbose=verbose,
            progress_reporter=_SilentReporter() if verbose == 0 else None,
        ),
    )
    return tuner.fit()


def resume_sweep(
    path: str | Path,
    train: Sequence[Sequence[str]],
    validation: pd.DataFrame,
    settings: SweepSettings,
    address: str | None = None,
) -> ResultGrid:
    """Finish an interrupted sweep from its folder; trials that reported nothing run again."""
    connect(address)
    if not tune.Tuner.can_restore(str(Path(path).resolve())):
        raise FileNotFoundError(f"No sweep to resume at {path}: run the sweep first.")
    tuner = tune.Tuner.restore(
        str(Path(path).resolve()),
        trainable=_trainable(train, validation, settings),
        resume_unfinished=True,
        restart_errored=True,
    )
    return tuner.fit()


def epoch_table(results: ResultGrid, k: int = K) -> pd.DataFrame:
    """One row per trial-epoch: ``trial_id``, ``epoch``, Recall@K, MRR@K, ``cpu_seconds``."""
    columns = ["trial_id", "epoch", metric_key("recall", k), metric_key("mrr", k), "cpu_seconds"]
    frames = []
    for result in results:
        history = result.metrics_dataframe
        if history is None or history.empty:
            continue
        frames.append(history.assign(trial_id=result.metrics["trial_id"])[columns])
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True).sort_values(
        ["trial_id", "epoch"], ignore_index=True
    )


def trial_table(results: ResultGrid, k: int = K) -> pd.DataFrame:
    """One row per trial: its configuration, best and last metrics, epochs, cost, ASHA's verdict.

    ``stopped_early`` is True when the trial ran fewer epochs than it planned: the scheduler
    stopped it (trials never stop themselves).
    """
    recall, mrr = metric_key("recall", k), metric_key("mrr", k)
    best_recall = metric_key("recall", k, prefix="best")
    rows = []
    for result in results:
        history = result.metrics_dataframe
        if history is None or history.empty:
            continue
        config = result.config
        best = history.loc[history[recall].idxmax()]
        last = history.iloc[-1]
        rows.append(
            {
                "trial_id": result.metrics["trial_id"],
                **{name: config.get(name) for name in (*SEARCHED, "scoring")},
                best_recall: float(best[recall]),
                metric_key("mrr", k, prefix="best"): float(best[mrr]),
                "best_epoch": int(best["epoch"]),
                metric_key("recall", k, prefix="last"): float(last[recall]),
                metric_key("mrr", k, prefix="last"): float(last[mrr]),
                "epochs_run": int(last["epoch"]),
                "epochs_planned": int(config["epochs"]),
                "stopped_early": int(last["epoch"]) < int(config["epochs"]),
                "cpu_seconds": float(last["cpu_seconds"]),
                "node": last["node"],
            }
        )
    return pd.DataFrame(rows).sort_values(best_recall, ascending=False, ignore_index=True)


def best_configuration(trials: pd.DataFrame, k: int = K) -> Configuration:
    """The best trial (the first row of a trial table) as a configuration for training.

    Parameters
    ----------
    trials : pandas.DataFrame
        A trial table (:func:`trial_table`), best validation Recall@K first.
    k : int
        The cut-off K of the table's metrics.

    Returns
    -------
    Configuration
        ``word2vec`` holds the trial's Word2Vec settings with the epochs it planned (its
        schedule), ``best_epoch`` the epoch at which validation peaked (train with early
        stopping, or for ``best_epoch`` epochs of that schedule), and ``validation`` its best
        epoch's Recall@K and MRR@K.

    Raises
    ------
    ConfigurationError
        No trial reported anything, or the row is not a trial's.
    """
    if trials.empty:
        raise ConfigurationError(
            "The sweep has no trial that reported anything: read the trials' errors in Ray's "
            "results folder, fix them and run the sweep again."
        )
    return Configuration.from_trial_row(trials.iloc[0].to_dict(), k)


def write_sweep(
    results: ResultGrid, folder: str | Path, settings: SweepSettings, command: str
) -> dict[str, Path]:
    """Write ``trials.csv``, ``epochs.csv`` and ``best.json``, each atomically.

    Parameters
    ----------
    results : ray.tune.ResultGrid
        The sweep's results (:func:`run_sweep`, :func:`resume_sweep`).
    folder : str or Path
        Where to write; created if missing, the three files replaced.
    settings : SweepSettings
        The search's settings, recorded in ``best.json``.
    command : str
        The command that ran the sweep (:func:`prod2vec.provenance.command_line`).

    Returns
    -------
    dict of str to Path
        The files written, by name: ``trials``, ``epochs`` and ``best``.
    """
    folder = Path(folder)
    trials, epochs = trial_table(results, settings.k), epoch_table(results, settings.k)
    best = best_configuration(trials, settings.k).with_provenance(
        command=command, versions=software_versions(), search=asdict(settings)
    )
    return {
        "trials": write_csv_atomic(trials, folder / "trials.csv"),
        "epochs": write_csv_atomic(epochs, folder / "epochs.csv"),
        "best": best.save(folder / "best.json"),
    }


def tune_on(
    settings: SweepSettings,
    storage: str | Path,
    name: str = "pipeline",
    address: str | None = None,
    verbose: int = 0,
) -> Callable[[SessionSplit], tuple[Configuration, pd.DataFrame]]:
    """A tuner for :func:`prod2vec.pipeline.run_pipeline`: sweep on a split's validation pairs.

    Parameters
    ----------
    settings : SweepSettings
        What to search, and how.
    storage : str or Path
        The folder of Ray's results.
    name : str
        The experiment's name.
    address : str, optional
        A Ray cluster's address; default ``RAY_ADDRESS``, else a local Ray.
    verbose : int
        Ray Tune's progress output (:func:`run_sweep`).

    Returns
    -------
    callable
        Given a split, runs the sweep on its training sessions and validation pairs and
        returns the best configuration (:func:`best_configuration`, with the search settings
        as provenance) and the trial table.
    """

    def tuner(split: SessionSplit) -> tuple[Configuration, pd.DataFrame]:
        results = run_sweep(
            split.train,
            split.validation,
            settings,
            name=name,
            storage=storage,
            address=address,
            verbose=verbose,
        )
        trials = trial_table(results, settings.k)
        best = best_configuration(trials, settings.k).with_provenance(search=asdict(settings))
        return best, trials

    return tuner
