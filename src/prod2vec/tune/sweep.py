"""Run a hyperparameter sweep with Ray Tune, locally or on a Ray cluster, and tabulate it.

A sweep runs on the local machine by default and on an existing Ray cluster when given its
address (or ``RAY_ADDRESS``), with no other change. Trials share the training sessions and
validation pairs through Ray's object store, each gets its CPU share (and as many Gensim
workers), and trial actors are reused. ASHA (asynchronous successive halving) stops weak trials
at rungs of ``grace_period``, ``grace_period * reduction_factor``, ... epochs.

A sweep's folder (``<storage>/<name>``) holds the project's own record of it: its plan
(``prod2vec_sweep.json``: the settings and, for random and grid search, every configuration,
drawn up front from the seeded space) and a JSON-lines record per trial (``prod2vec_trials/``).
The tables and :func:`resume_sweep` read only these; Ray's pickled state (``tuner.pkl``, its
searcher and trial checkpoints) is never loaded, since unpickling a file can run any code.

A sweep either completes every planned trial or says it did not: :func:`run_sweep` and
:func:`resume_sweep` raise :class:`~prod2vec.errors.SweepIncompleteError` ("4 of 6 trials
finished, 1 errored, ...; finish it with ``--resume``") when a trial failed or the run was
interrupted, and :func:`write_sweep` refuses such a sweep, so no table or ``best.json`` is
written from part of one. Connecting is checked first (:mod:`~prod2vec.tune.connect`), and a
run where no trial can start for :data:`PENDING_TIMEOUT_S` is stopped with the reason.

Results are two tidy tables, one row per trial (:func:`trial_table`) and one per trial-epoch
(:func:`epoch_table`), and the best configuration, a
:class:`~prod2vec.configuration.Configuration` (:func:`best_configuration`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import ray
from ray import tune
from ray.exceptions import RayTaskError
from ray.tune import ProgressReporter, ResultGrid
from ray.tune.progress_reporter import RemoteReporterMixin
from ray.tune.schedulers import ASHAScheduler, FIFOScheduler
from ray.tune.search import BasicVariantGenerator, Searcher
from ray.tune.search.optuna import OptunaSearch
from ray.tune.search.sample import _BackwardsCompatibleNumpyRng
from ray.tune.search.variant_generator import generate_variants

from prod2vec.configuration import SEARCHED, Configuration
from prod2vec.data.sessions import SessionSplit
from prod2vec.defaults import SEARCH_SEED, K
from prod2vec.errors import (
    ClusterError,
    ConfigurationError,
    Prod2VecError,
    ProjectFileError,
    SweepIncompleteError,
)
from prod2vec.evaluation.metrics import metric_key
from prod2vec.outputs.atomic import write_csv_atomic, write_json_atomic
from prod2vec.provenance import software_versions
from prod2vec.tune.connect import (
    PENDING_TIMEOUT_S,
    check_cpus,
    connect,
    is_client_address,
    ray_address,
)
from prod2vec.tune.space import grid_space, random_space
from prod2vec.tune.trainable import (
    FAILED,
    FINISHED,
    INTERRUPTED,
    STOPPED,
    TrialRecord,
    TrialRecorder,
    mark_stopped_early,
    read_trial_records,
    train_trial,
)

SEARCHES = ("grid", "random", "bayes")
#: seconds between two progress lines while nothing changes
PROGRESS_INTERVAL_S = 30.0


class _SilentReporter(ProgressReporter):
    """Reports nothing: in a notebook, Tune's own reporter leaves an HTML status output."""

    def should_report(self, trials: list, done: bool = False) -> bool:
        return False

    def report(self, trials: list, done: bool, *sys_info: dict) -> None:
        pass


def _trial_name(trial: Any) -> str:
    """The trial's name in the tables when its plan index is known, else Ray's."""
    index = trial.config.get("config_index")
    return f"trial_{int(index):05d}" if index is not None else str(trial.trial_id)


class StatusLine(RemoteReporterMixin, ProgressReporter):
    """A line of progress when a trial starts or ends, and every ``interval`` seconds between.

    The line counts the trials that ended, errored, run and wait, and gives the best metric so
    far and each running trial's epoch. It is the same however the driver connects: with Ray
    Client the Tune loop runs on the head, and Tune hands the lines to the driver through a
    queue (a remote reporter's ``output_queue``).

    Parameters
    ----------
    planned : int
        Trials the sweep runs.
    kept : int
        Trials complete before this run (a resume).
    metric : str
        The metric maximised, shown for the best trial so far.
    interval : float
        Seconds between two lines while no trial starts or ends.
    """

    def __init__(
        self, planned: int, kept: int, metric: str, interval: float = PROGRESS_INTERVAL_S
    ) -> None:
        self.planned, self.kept, self.metric, self.interval = planned, kept, metric, interval
        self._last: tuple[float, tuple[int, ...]] = (0.0, ())

    def _counts(self, trials: list) -> tuple[int, ...]:
        statuses = [trial.status for trial in trials]
        return tuple(statuses.count(name) for name in ("TERMINATED", "ERROR", "RUNNING", "PENDING"))

    def should_report(self, trials: list, done: bool = False) -> bool:
        when, counts = self._last
        changed = self._counts(trials) != counts
        return done or changed or time.monotonic() - when >= self.interval

    def report(self, trials: list, done: bool, *sys_info: dict) -> None:
        counts = self._counts(trials)
        self._last = (time.monotonic(), counts)
        ended, errored, running, pending = counts
        scores = [
            trial.metric_analysis[self.metric]["max"]
            for trial in trials
            if self.metric in trial.metric_analysis
        ]
        epochs = ", ".join(
            f"{_trial_name(trial)} epoch {trial.last_result.get('epoch', 0)}/"
            f"{trial.config.get('epochs')}"
            for trial in trials
            if trial.status == "RUNNING"
        )
        line = (
            f"[{time.strftime('%H:%M:%S')}] {self.kept + ended} of {self.planned} trials ended, "
            f"{errored} errored, {running} running, {pending} waiting"
            + (f"; best {self.metric} {max(scores):.4f}" if scores else "")
            + (f"; running {epochs}" if epochs else "")
        )
        if self.output_queue is not None:
            self.output_queue.put(line)
        else:
            self.display(line)

    def display(self, string: str) -> None:
        print(string, flush=True)


class PendingWatchdog(tune.Callback):
    """Stops a run in which trials wait and none runs for ``timeout`` seconds, saying why.

    Ray Tune would wait for ever (its own warning is hidden by the logging level): a cluster
    whose CPUs are all held by another job, or lost its nodes, leaves every trial pending.

    Parameters
    ----------
    cpus_per_trial : int
        CPUs a trial needs, for the message.
    address : str, optional
        The cluster's address, for the message.
    timeout : float
        Seconds with trials pending and none running.
    """

    def __init__(
        self, cpus_per_trial: int, address: str | None, timeout: float = PENDING_TIMEOUT_S
    ) -> None:
        self.cpus_per_trial, self.address, self.timeout = cpus_per_trial, address, timeout
        self._since: float | None = None

    def on_step_begin(self, iteration: int, trials: list, **info: Any) -> None:
        now = time.monotonic()
        statuses = {trial.status for trial in trials}
        if "RUNNING" in statuses or "PENDING" not in statuses or self._since is None:
            self._since = now
        elif now - self._since > self.timeout:
            free = ray.available_resources().get("CPU", 0.0)
            total = ray.cluster_resources().get("CPU", 0.0)
            where = f"the Ray cluster at {self.address}" if self.address else "the local Ray"
            raise ClusterError(
                f"No trial could start for {self.timeout:.0f} s: {where} has {free:g} of "
                f"{total:g} CPUs free and a trial needs {self.cpus_per_trial} "
                "(--cpus-per-trial); free or add CPUs, then resume the sweep with --resume."
            )


class _RecordingASHA(ASHAScheduler):
    """ASHA that records the trials it stops early, so that their records say so."""

    def __init__(self, sweep: Path, **options: Any) -> None:
        super().__init__(**options)
        self.sweep = str(sweep)

    def on_trial_result(self, tune_controller: Any, trial: Any, result: dict) -> str:
        decision = super().on_trial_result(tune_controller, trial, result)
        if decision == self.STOP and result.get("epoch", 0) < int(trial.config["epochs"]):
            mark_stopped_early(self.sweep, trial.trial_id)
        return decision


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
            raise ValueError(
                f"max_epochs must be at least 5, got {self.max_epochs}: random and Bayesian "
                "search draw each trial's epochs from 5 to max_epochs (fewer rarely show a "
                "trend for ASHA to judge); grid search takes any number."
            )

    @property
    def metric(self) -> str:
        """The metric maximised, as Ray names it: ``recall_at_10``."""
        return metric_key("recall", self.k)


#: the file of a sweep's folder that says what it runs: the first thing a sweep writes
SWEEP_FILE = "prod2vec_sweep.json"
_FORMAT = 1
#: settings that say how to run a sweep, not what it searches: a resume may change them
_RUN_SETTINGS = ("concurrency", "cpus_per_trial")


@dataclass(frozen=True)
class SweepPlan:
    """What a sweep runs, as written in its folder (``SWEEP_FILE``): all ``--resume`` trusts.

    Parameters
    ----------
    settings : SweepSettings
        The search's settings.
    configurations : list of dict, optional
        Every trial's config in order, drawn up front from the seeded space (random and grid
        search); None for Bayesian search, whose configurations depend on earlier results.
    data : str
        The fingerprint of the training sessions and validation pairs (:func:`fingerprint`).
    """

    settings: SweepSettings
    configurations: list[dict[str, Any]] | None
    data: str

    @property
    def trial_count(self) -> int:
        """Trials the sweep runs."""
        if self.configurations is None:
            return self.settings.samples
        return len(self.configurations)

    def resumed_with(self, settings: SweepSettings) -> SweepSettings:
        """The settings to resume with: these, if they search what the sweep searches.

        Raises
        ------
        ConfigurationError
            ``settings`` differ from the sweep's in something else than concurrency and CPUs.
        """
        recorded, given = asdict(self.settings), asdict(settings)
        changed = [
            f"{name} {recorded[name]!r} (given {given[name]!r})"
            for name in recorded
            if name not in _RUN_SETTINGS and given[name] != recorded[name]
        ]
        if changed:
            raise ConfigurationError(
                f"The sweep was started with {', '.join(changed)}: a resume searches what the "
                "sweep searches, so drop those options (only --concurrency and "
                "--cpus-per-trial may change)."
            )
        return settings


def fingerprint(train: Sequence[Sequence[str]], validation: pd.DataFrame) -> str:
    """A SHA-256 of training sessions and validation pairs: a resume must run on the same."""
    digest = hashlib.sha256()
    for session in train:
        digest.update(("\x1f".join(map(str, session)) + "\n").encode())
    digest.update(validation[["query", "target"]].to_csv(index=False).encode())
    return digest.hexdigest()


def plan_sweep(
    settings: SweepSettings,
    train: Sequence[Sequence[str]],
    validation: pd.DataFrame,
    points_to_evaluate: Sequence[dict[str, Any]] | None = None,
) -> SweepPlan:
    """Draw a sweep's configurations up front, as Ray's variant generator would with its seed.

    Parameters
    ----------
    settings : SweepSettings
        What to search, and how.
    train, validation
        Training sessions and validation pairs (``query``, ``target``), fingerprinted.
    points_to_evaluate : sequence of dict, optional
        Configurations to try first; they count in ``settings.samples``.

    Returns
    -------
    SweepPlan
        For ``bayes``, without configurations (Optuna's TPE chooses them as the sweep runs).
    """
    if settings.search == "bayes":
        return SweepPlan(settings, None, fingerprint(train, validation))
    space, points = param_space(settings), list(points_to_evaluate or [])
    # Ray's generator and seeded draws (a private wrapper): the configurations Ray drew before
    draws = _BackwardsCompatibleNumpyRng(settings.seed)
    configurations = []
    for sample in range(settings.samples):
        preset = {**space, **points[sample]} if sample < len(points) else space
        configurations += [
            resolved["config"]
            for _, resolved in generate_variants({"config": preset}, random_state=draws)
        ]
    return SweepPlan(settings, configurations, fingerprint(train, validation))


def read_plan(sweep: str | Path) -> SweepPlan:
    """The plan a sweep's folder holds (``SWEEP_FILE``), written when the sweep started.

    Raises
    ------
    ProjectFileError
        The folder does not exist, or the project did not write it, or its plan is damaged.
    """
    folder = Path(sweep)
    path = folder / SWEEP_FILE
    if not folder.is_dir():
        raise ProjectFileError(f"No sweep at {folder}: start it without --resume first.")
    if not path.is_file():
        raise ProjectFileError(
            f"{folder} was not written by `python -m prod2vec tune`: it has no {SWEEP_FILE}, "
            "and --resume reads nothing else (never Ray's pickles); start a new sweep with "
            "another --name."
        )
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
        if content.get("format") != _FORMAT:
            raise ValueError(f"format {content.get('format')!r}, not {_FORMAT}")
        settings = SweepSettings(**content["settings"])
        plan = SweepPlan(settings, content["configurations"], str(content["data"]))
        keys = set(param_space(plan.settings))
        planned = plan.configurations or []
        if (plan.configurations is None) != (plan.settings.search == "bayes") or not all(
            isinstance(config, dict) and keys <= set(config) for config in planned
        ):
            raise ValueError(f"its configurations are not those of a {plan.settings.search} search")
    except (ValueError, LookupError, TypeError, AttributeError) as error:
        raise ProjectFileError(
            f"{path} is not a sweep plan this project can read ({error}): start a new sweep "
            "with another --name."
        ) from error
    return plan


def check_new_sweep(sweep: str | Path) -> None:
    """Refuse to start a sweep over an unfinished one of the same name (resume that instead).

    Raises
    ------
    ProjectFileError
        ``sweep`` holds a sweep whose trials did not all complete.
    """
    folder = Path(sweep)
    if not (folder / SWEEP_FILE).is_file():
        return
    plan = read_plan(folder)
    complete = sum(record.complete for record in read_trial_records(folder))
    if complete < plan.trial_count:
        raise ProjectFileError(
            f"{folder} holds an unfinished sweep ({complete} of {plan.trial_count} trials "
            f"complete): resume it with --resume --name {folder.name}, or give another --name."
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


def _scheduler(settings: SweepSettings, folder: Path) -> ASHAScheduler | FIFOScheduler:
    if not settings.asha:
        return FIFOScheduler()
    return _RecordingASHA(
        folder,
        time_attr="training_iteration",
        max_t=settings.max_epochs,
        grace_period=min(settings.grace_period, settings.max_epochs),
        reduction_factor=settings.reduction_factor,
    )


def _search(
    plan: SweepPlan,
    settings: SweepSettings,
    kept: Sequence[TrialRecord],
    points: Sequence[dict[str, Any]] | None,
) -> tuple[dict[str, Any], Searcher | BasicVariantGenerator, int]:
    """Ray's param space, search algorithm and number of trials for what remains to run."""
    if plan.configurations is None:
        space = OptunaSearch.convert_search_space(random_space(settings.max_epochs))
        if kept:
            # a fresh TPE, told what the kept trials scored (their last result, as Ray tells
            # it), with a seed of its own so that its first random draws are new ones
            points = [{name: record.config[name] for name in space} for record in kept]
            rewards = [record.epochs[-1][settings.metric] for record in kept]
        else:
            rewards = None
        search = OptunaSearch(
            space=space,
            metric=settings.metric,
            mode="max",
            seed=settings.seed + len(kept),
            points_to_evaluate=list(points) if points else None,
            evaluated_rewards=rewards,
        )
        return {"seed": settings.seed}, search, settings.samples - len(kept)
    done = {record.index for record in kept}
    pending = [
        {**config, "config_index": index}
        for index, config in enumerate(plan.configurations)
        if index not in done
    ]
    # every key is preset by a pending configuration: nothing is drawn, the plan is run
    space = {**param_space(settings), "config_index": tune.randint(0, len(plan.configurations))}
    search = BasicVariantGenerator(points_to_evaluate=pending, max_concurrent=settings.concurrency)
    return space, search, len(pending)


@dataclass(frozen=True)
class SweepStatus:
    """How far a sweep got, from the project's records of its trials (:func:`sweep_status`).

    Parameters
    ----------
    folder : Path
        The sweep's folder.
    planned : int
        Trials the sweep runs.
    finished, stopped, errored, interrupted : int
        Trials that ran all their epochs, that ASHA stopped early, that failed, and that were
        cut short (Ctrl-C, a killed driver, a lost node); the rest never started.
    errors : tuple of str
        The failed trials' errors, ``trial_00002: ModuleNotFoundError: ...``.
    """

    folder: Path
    planned: int
    finished: int
    stopped: int
    errored: int
    interrupted: int
    errors: tuple[str, ...] = ()

    @property
    def complete(self) -> int:
        """Trials with nothing left to run: finished, or stopped by ASHA."""
        return self.finished + self.stopped

    @property
    def done(self) -> bool:
        """Every planned trial is complete."""
        return self.complete >= self.planned

    def summary(self) -> str:
        """One line: ``4 of 6 trials finished, 1 errored, ...; finish it with ...``."""
        waiting = self.planned - self.complete - self.errored - self.interrupted
        line = (
            f"{self.complete} of {self.planned} trials finished ({self.stopped} stopped early "
            f"by ASHA), {self.errored} errored, {self.interrupted} interrupted, "
            f"{max(waiting, 0)} not started"
        )
        if self.errors:
            line += f"; {self.errors[0]}" + (" (and others)" if len(self.errors) > 1 else "")
        if self.done:
            return line
        return (
            f"{line}; finish it with `python -m prod2vec tune --resume --name "
            f"{self.folder.name} --storage {self.folder.parent}` (finished trials are kept)"
        )


def sweep_status(sweep: ResultGrid | str | Path) -> SweepStatus:
    """How far the sweep in ``sweep`` got, from its plan and its trials' records.

    Raises
    ------
    ProjectFileError
        The folder holds no plan written by the project (:func:`read_plan`).
    """
    folder = Path(sweep.experiment_path if isinstance(sweep, ResultGrid) else sweep)
    records = read_trial_records(folder)
    ended = [record.ended for record in records]
    errors = tuple(
        f"{record.trial_id}: {record.error or 'failed'}"
        for record in records
        if record.ended == FAILED
    )
    return SweepStatus(
        folder.resolve(),
        read_plan(folder).trial_count,
        ended.count(FINISHED),
        ended.count(STOPPED),
        ended.count(FAILED),
        ended.count(INTERRUPTED),
        errors,
    )


def _check_complete(folder: Path) -> None:
    status = sweep_status(folder)
    if not status.done:
        raise SweepIncompleteError(
            f"The sweep {folder.name} did not finish: {status.summary()}.",
            interrupted=status.errored == 0,
        )


def _prepare(address: str | None, settings: SweepSettings) -> None:
    """Connect, and check that a trial can start, before anything is written."""
    connect(address)
    check_cpus(settings.cpus_per_trial, ray_address(address))


@contextmanager
def _quiet_trial_errors() -> Iterator[None]:
    """Ray Tune logs each failed trial's traceback; the sweep's outcome names the error."""
    tune_logger = logging.getLogger("ray.tune")
    level = tune_logger.level
    tune_logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        tune_logger.setLevel(level)


def _fit(tuner: tune.Tuner, client: bool) -> ResultGrid:
    """``tuner.fit()``; the project's errors raised in the Tune loop come out unwrapped."""
    try:
        with _quiet_trial_errors():
            return tuner.fit()
    except RayTaskError as error:  # Ray Client: the loop ran on the head
        if isinstance(error.cause, Prod2VecError):
            raise error.cause from None
        raise
    except KeyboardInterrupt:
        # Ray Client: Ctrl-C reaches only this driver; stop the loop on the head and its trials
        remote = getattr(tuner, "_remote_tuner", None)
        if client and remote is not None:
            ray.kill(remote)
            raise SweepIncompleteError("interrupted", interrupted=True) from None
        raise


def _run(
    folder: Path,
    plan: SweepPlan,
    settings: SweepSettings,
    kept: Sequence[TrialRecord],
    train: Sequence[Sequence[str]],
    validation: pd.DataFrame,
    address: str | None,
    verbose: int,
    points: Sequence[dict[str, Any]] | None = None,
) -> ResultGrid | None:
    """Run the trials of ``plan`` not in ``kept``, recording each; None when none remain.

    Raises
    ------
    SweepIncompleteError
        A trial failed, or the run was interrupted, so the sweep is not complete.
    ClusterError
        The head does not see ``folder`` (Ray Client), or no trial could start.
    """
    space, search, trials = _search(plan, settings, kept, points)
    if trials < 1:
        return None
    plan_text = (folder / SWEEP_FILE).read_text(encoding="utf-8")
    # the legacy output engine: the only one that takes the project's progress reporter
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
    reporter = (
        _SilentReporter()
        if verbose == 0
        else StatusLine(plan.trial_count, len(kept), settings.metric)
    )
    tuner = tune.Tuner(
        _trainable(train, validation, settings),
        param_space=space,
        tune_config=tune.TuneConfig(
            metric=settings.metric,
            mode="max",
            scheduler=_scheduler(settings, folder),
            search_alg=search,
            num_samples=trials,
            # a Searcher takes Tune's concurrency limit; the variant generator takes its own
            max_concurrent_trials=settings.concurrency if plan.configurations is None else None,
            reuse_actors=True,
        ),
        run_config=tune.RunConfig(
            name=folder.name,
            storage_path=str(folder.parent),
            verbose=verbose,
            progress_reporter=reporter,
            callbacks=[
                TrialRecorder(folder, settings.k, (SWEEP_FILE, plan_text)),
                PendingWatchdog(settings.cpus_per_trial, ray_address(address)),
            ],
        ),
    )
    try:
        results = _fit(tuner, is_client_address(ray_address(address)))
    except SweepIncompleteError:
        _check_complete(folder)
        raise
    _check_complete(folder)
    return results


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
    """Run a sweep in ``storage/name``, recorded there so that it can be resumed.

    The folder first gets the sweep's plan (``SWEEP_FILE``: the settings and, for random and
    grid search, every configuration), then a record per trial (``prod2vec_trials/``). A
    finished sweep of the same name is replaced; an unfinished one is refused.

    Parameters
    ----------
    train, validation
        Training sessions and validation pairs (``query``, ``target``).
    settings : SweepSettings
        What to search, and how.
    name, storage
        The experiment's name and the folder of Ray's results (``ray_results/``).
    address : str, optional
        A Ray cluster's address (:func:`~prod2vec.tune.connect.connect`): ``host:port`` from a
        node, ``ray://host:port`` from anywhere; default ``RAY_ADDRESS``, else a local Ray.
    verbose : int
        Progress: 0 none (for notebooks), 1 or more a line when a trial starts or ends and
        every :data:`PROGRESS_INTERVAL_S` seconds between (:class:`StatusLine`), shown however
        the driver connects; above 1, also Ray Tune's own output of each result.
    points_to_evaluate : sequence of dict, optional
        Configurations to try first (for example Gensim's defaults); they count in
        ``settings.samples``.

    Raises
    ------
    ProjectFileError
        ``storage/name`` holds an unfinished sweep (:func:`check_new_sweep`).
    ClusterError
        The cluster cannot be reached or used (:mod:`~prod2vec.tune.connect`), or no trial
        could start for :data:`PENDING_TIMEOUT_S` seconds.
    SweepIncompleteError
        A trial failed or the run was interrupted: the sweep can be finished with
        :func:`resume_sweep`.
    """
    folder = Path(storage).resolve() / name
    check_new_sweep(folder)
    plan = plan_sweep(settings, train, validation, points_to_evaluate)
    _prepare(address, settings)
    for record in read_trial_records(folder):  # the finished sweep's, written by the project
        record.path.unlink()
    content = {"format": _FORMAT, "settings": asdict(settings), "data": plan.data}
    write_json_atomic({**content, "configurations": plan.configurations}, folder / SWEEP_FILE)
    return _run(folder, plan, settings, [], train, validation, address, verbose, points_to_evaluate)


def resume_sweep(
    path: str | Path,
    train: Sequence[Sequence[str]],
    validation: pd.DataFrame,
    settings: SweepSettings | None = None,
    address: str | None = None,
    verbose: int = 1,
) -> Path:
    """Finish an interrupted sweep from the project's own records, never from Ray's state.

    Reads only the folder's plan (``SWEEP_FILE``) and trial records (``prod2vec_trials/``).
    Trials that ran their planned epochs or were stopped by the scheduler are kept as they
    are and never run again; the records of the others (interrupted, failed, cut by a kill)
    are removed and those trials run again from their first epoch, in a new Ray Tune run, so
    the tables hold one row per trial and per (trial, epoch). Every epoch is on disk as it
    is reported, so a killed driver loses at most the epochs in flight. Random and grid
    search run exactly the planned configurations that are missing. Bayesian search cannot
    replay its TPE: it runs as many new trials as are missing, chosen by a fresh TPE told the
    kept trials' results (``points_to_evaluate`` of the first run are not tried again).

    Parameters
    ----------
    path : str or Path
        The sweep's folder, ``<storage>/<name>``.
    train, validation
        Training sessions and validation pairs (``query``, ``target``).
    settings : SweepSettings, optional
        The sweep's own settings, with another concurrency or CPUs a trial if wanted
        (:meth:`SweepPlan.resumed_with`); default the recorded ones.
    address : str, optional
        A Ray cluster's address; default ``RAY_ADDRESS``, else a local Ray.
    verbose : int
        Ray Tune's progress output (:func:`run_sweep`).

    Returns
    -------
    Path
        The sweep's folder, for :func:`trial_table`, :func:`epoch_table` and
        :func:`write_sweep`.

    Raises
    ------
    ProjectFileError
        The folder has no plan written by the project (:func:`read_plan`).
    ConfigurationError
        ``settings`` search something else than the sweep, or the data is not the sweep's.
    ClusterError, SweepIncompleteError
        As :func:`run_sweep`.
    """
    folder = Path(path).resolve()
    plan = read_plan(folder)
    settings = plan.settings if settings is None else plan.resumed_with(settings)
    if fingerprint(train, validation) != plan.data:
        raise ConfigurationError(
            f"The sweep in {folder} ran on other training sessions or validation pairs: resume "
            "it on the data it started on, or start a new sweep with another name."
        )
    records = read_trial_records(folder)
    kept = [record for record in records if record.complete]
    if len(kept) < plan.trial_count:
        _prepare(address, settings)
    for record in records:
        if not record.complete:
            record.path.unlink()  # its trial runs again from epoch 1
    _run(folder, plan, settings, kept, train, validation, address, verbose)
    _check_complete(folder)
    return folder


def _complete_records(sweep: ResultGrid | str | Path) -> list[TrialRecord]:
    folder = Path(sweep.experiment_path if isinstance(sweep, ResultGrid) else sweep)
    return [record for record in read_trial_records(folder) if record.complete]


def epoch_table(sweep: ResultGrid | str | Path, k: int = K) -> pd.DataFrame:
    """One row per trial-epoch: ``trial_id``, ``epoch``, Recall@K, MRR@K, ``cpu_seconds``.

    Parameters
    ----------
    sweep : ray.tune.ResultGrid or str or Path
        A sweep (:func:`run_sweep`) or its folder (:func:`resume_sweep`); the table is read
        from the project's records of its complete trials.
    k : int
        The cut-off K of the sweep's metrics.
    """
    columns = ["trial_id", "epoch", metric_key("recall", k), metric_key("mrr", k), "cpu_seconds"]
    rows = [
        {"trial_id": record.trial_id, **epoch}
        for record in _complete_records(sweep)
        for epoch in record.epochs
    ]
    return pd.DataFrame(rows, columns=columns)


def trial_table(sweep: ResultGrid | str | Path, k: int = K) -> pd.DataFrame:
    """One row per trial: its configuration, best and last metrics, epochs, cost, ASHA's verdict.

    ``stopped_early`` is True when ASHA stopped the trial before the epochs it planned, and
    ``ended`` says why the trial ended: ``finished`` or ``stopped by the scheduler`` (the
    tables hold complete trials only; :func:`sweep_status` counts the others).

    Parameters
    ----------
    sweep : ray.tune.ResultGrid or str or Path
        A sweep (:func:`run_sweep`) or its folder (:func:`resume_sweep`); the table is read
        from the project's records of its complete trials.
    k : int
        The cut-off K of the sweep's metrics.
    """
    recall, mrr = metric_key("recall", k), metric_key("mrr", k)
    best_recall = metric_key("recall", k, prefix="best")
    rows = []
    for record in _complete_records(sweep):
        history = pd.DataFrame(record.epochs)
        best = history.loc[history[recall].idxmax()]
        last = history.iloc[-1]
        rows.append(
            {
                "trial_id": record.trial_id,
                **{name: record.config.get(name) for name in (*SEARCHED, "scoring")},
                best_recall: float(best[recall]),
                metric_key("mrr", k, prefix="best"): float(best[mrr]),
                "best_epoch": int(best["epoch"]),
                metric_key("recall", k, prefix="last"): float(last[recall]),
                metric_key("mrr", k, prefix="last"): float(last[mrr]),
                "epochs_run": int(last["epoch"]),
                "epochs_planned": record.planned_epochs,
                "stopped_early": record.ended == STOPPED,
                "cpu_seconds": float(last["cpu_seconds"]),
                "node": last["node"],
                "ended": record.ended,
            }
        )
    if not rows:
        return pd.DataFrame(rows)
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
    sweep: ResultGrid | str | Path, folder: str | Path, settings: SweepSettings, command: str
) -> dict[str, Path]:
    """Write ``trials.csv``, ``epochs.csv`` and ``best.json`` of a complete sweep, atomically.

    Parameters
    ----------
    sweep : ray.tune.ResultGrid or str or Path
        A sweep (:func:`run_sweep`) or its folder (:func:`resume_sweep`).
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

    Raises
    ------
    SweepIncompleteError
        Not every planned trial is complete: nothing is written, as a best configuration of
        part of a sweep would look final.
    """
    folder = Path(folder)
    _check_complete(Path(sweep.experiment_path if isinstance(sweep, ResultGrid) else sweep))
    trials, epochs = trial_table(sweep, settings.k), epoch_table(sweep, settings.k)
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
        The start of the experiment's name; each sweep gets a name of its own
        (``pipeline_<time>_<process>``), since a pipeline never resumes one.
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
            name=f"{name}_{time.strftime('%Y%m%d_%H%M%S')}_{os.getpid()}",
            storage=storage,
            address=address,
            verbose=verbose,
        )
        trials = trial_table(results, settings.k)
        best = best_configuration(trials, settings.k).with_provenance(search=asdict(settings))
        return best, trials

    return tuner
