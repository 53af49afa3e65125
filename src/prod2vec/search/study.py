"""The in-process configuration search: Optuna's TPE sampler and a pruner between epochs.

Every trial trains Word2Vec on the planned schedule of
:data:`~prod2vec.search.space.PLANNED_EPOCHS` epochs with early stopping on validation
Recall@K; after every epoch it reports its best Recall@K so far to Optuna, whose pruner may end
it. The first trial is the starting configuration, so the search never ends below it on
validation. Optuna is imported when a search starts (the core of the package imports quickly).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from gensim.models import Word2Vec

from prod2vec.configuration import SEARCHED, Configuration, Provenance
from prod2vec.data.sessions import SessionSplit
from prod2vec.defaults import MODEL_SEED, SEARCH_SEED, K
from prod2vec.errors import ConfigurationError
from prod2vec.evaluation.metrics import METRICS, metric_key, metric_label
from prod2vec.models.callbacks import EarlyStopping, MetricLogger
from prod2vec.models.word2vec import TrainingControl, Word2VecRecommender
from prod2vec.search.budget import SearchBudget
from prod2vec.search.sample import SAMPLE_ABOVE_TOKENS, search_sample
from prod2vec.search.space import (
    RANGES,
    searched_configuration,
    start_point,
    suggest,
)

if TYPE_CHECKING:
    import optuna

#: the default budget, in trials so that the same data and seeds give the same choice: on
#: Online Retail's reference split 18 trials took the whole pipeline to 299 s on 2 cores, at
#: the 5 minutes it should stay within, and its 17th and 18th trials ended 0.02 or more below
#: the best (the 2nd); ``benchmarks/bench_search.py`` measures the search against the
#: 120-trial Ray sweep
DEFAULT_BUDGET = SearchBudget(trials=16)
#: epochs without a better validation Recall@K before a trial stops
PATIENCE = 3
#: trials TPE draws at random before it models the results (the start not counted)
SAMPLER_STARTUP_TRIALS = 5
#: the pruner's settings: trials that run to the end before any is pruned, and the epochs every
#: trial runs before it may be. Measured on Online Retail: with 5 and 3 (and 10 random trials)
#: 23 trials took 276 CPU-seconds and reached 0.273; with 3 and 2 (and 5) 40 trials took 294
#: and reached 0.275, after 197.
PRUNER_STARTUP_TRIALS = 3
PRUNER_WARMUP_EPOCHS = 2

#: the states of a trial in the table
COMPLETE, PRUNED, STOPPED_BY_BUDGET = "complete", "pruned", "stopped-by-budget"


@dataclass(frozen=True)
class SearchResult:
    """What a search found and what it cost.

    Attributes
    ----------
    configuration : Configuration
        The best trial's settings, scoring, best epoch, trial id (``optuna-00012``), validation
        figures and provenance (``provenance.search``: budget, sampler, pruner, seeds, sample).
    trials : pandas.DataFrame
        One row per trial: ``number``, ``trial_id``, ``state`` (complete, pruned,
        stopped-by-budget), the scoring and Word2Vec settings, ``best_recall_at_K`` and
        ``best_mrr_at_K`` (at the best epoch), ``best_epoch``, ``epochs_run``, ``seconds`` and
        ``cpu_seconds``. A row gives its configuration back with
        :meth:`Configuration.from_trial_row`.
    cpu_seconds, wall_seconds : float
        The whole search's CPU time (this process, every thread) and wall-clock time.
    """

    configuration: Configuration
    trials: pd.DataFrame
    cpu_seconds: float
    wall_seconds: float


class _TrialControl(TrainingControl):
    """Reports a trial's best Recall@K so far after every epoch; stops it if pruned or late."""

    def __init__(self, trial: optuna.Trial, stopper: EarlyStopping, deadline: float | None):
        self.trial = trial
        self.stopper = stopper
        self.deadline = deadline
        self.state = COMPLETE
        self.stop_training = False

    def on_epoch_end(self, model: Word2Vec) -> None:
        epoch = len(self.stopper.monitor.rows)
        self.trial.report(self.stopper.best_value, epoch)
        if self.trial.should_prune():
            self.state, self.stop_training = PRUNED, True
        elif self.deadline is not None and time.monotonic() >= self.deadline:
            self.state, self.stop_training = STOPPED_BY_BUDGET, True


def search_configuration(
    split: SessionSplit,
    start: Configuration,
    budget: SearchBudget = DEFAULT_BUDGET,
    *,
    k: int = K,
    seed: int = SEARCH_SEED,
    model_seed: int = MODEL_SEED,
    patience: int = PATIENCE,
    workers: int = 1,
    sample_above_tokens: int = SAMPLE_ABOVE_TOKENS,
    users: Sequence[Hashable] | None = None,
    say: Callable[[str], None] | None = None,
) -> SearchResult:
    """Search a Word2Vec configuration on the validation pairs of ``split``, within ``budget``.

    The first trial trains ``start`` as it is; the others are drawn by Optuna's TPE sampler
    (seeded) from :mod:`prod2vec.search.space`, and a median pruner ends those whose best
    Recall@K after an epoch is below the median of earlier trials at that epoch. Above
    ``sample_above_tokens`` training tokens every trial trains on a sample of the training
    sessions (:func:`~prod2vec.search.sample.search_sample`); train the chosen configuration
    on all of them afterwards. The best trial is the one with the highest validation Recall@K,
    then MRR@K, then the earliest.

    The search stops at whichever limit of ``budget`` comes first. A time limit is checked
    before each trial and after every epoch: a trial in progress when time runs out stops at
    the end of that epoch, keeps its best epoch so far and counts (``stopped-by-budget``), so
    a search may overrun its time by one epoch; the first trial runs one epoch at least. With
    a budget in trials and ``workers=1`` the same inputs and seeds give the same trials and
    choice. Ctrl-C (KeyboardInterrupt) ends the search and propagates.

    Parameters
    ----------
    split : SessionSplit
        Training sessions and validation pairs (the test pairs are not used).
    start : Configuration
        The first trial, such as the pipeline's default configuration.
    budget : SearchBudget
        Trials, seconds or both (:func:`~prod2vec.search.budget.parse_budget`).
    k : int
        The cut-off of Recall@K and MRR@K.
    seed : int
        The sampler's seed and the seed of the sample of sessions.
    model_seed : int
        Gensim's seed for every trial.
    patience : int
        Epochs without a better validation Recall@K before a trial stops.
    workers : int
        Gensim worker threads per trial (1 is reproducible).
    sample_above_tokens : int
        Search on a sample of about this many tokens above it.
    users : sequence, optional
        The user of each training session (the index of the sessions the split was made
        from): the sample then keeps exactly the validation sessions.
    say : callable, optional
        Receives one line of progress per trial.

    Returns
    -------
    SearchResult

    Raises
    ------
    ConfigurationError
        ``k``, ``patience``, ``workers`` or ``sample_above_tokens`` below 1, checked before
        any training.
    """
    for name, value in (
        ("k", k),
        ("patience", patience),
        ("workers", workers),
        ("sample_above_tokens", sample_above_tokens),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigurationError(
                f"The search's {name} must be a whole number of at least 1, got {value!r}."
            )
    import optuna

    started, cpu_started = time.monotonic(), time.process_time()
    deadline = None if budget.seconds is None else started + budget.seconds
    sessions = search_sample(split, sample_above_tokens, seed, users)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(n_startup_trials=SAMPLER_STARTUP_TRIALS, seed=seed)
    pruner = optuna.pruners.MedianPruner(
        n_startup_trials=PRUNER_STARTUP_TRIALS, n_warmup_steps=PRUNER_WARMUP_EPOCHS
    )
    study = optuna.create_study(direction="maximize", sampler=sampler, pruner=pruner)
    study.enqueue_trial(_clipped(start_point(start)))
    recall = metric_label("recall", k)
    rows: list[dict[str, Any]] = []
    configurations: list[Configuration] = []
    best_recall = metric_key("recall", k, prefix="best")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        # the starting configuration always runs, for one epoch at least
        while not rows or (
            (budget.trials is None or len(rows) < budget.trials)
            and (deadline is None or time.monotonic() < deadline)
        ):
            trial = study.ask()
            point = suggest(trial)
            configuration = start if trial.number == 0 else searched_configuration(point)
            configurations.append(configuration)
            row = _run_trial(
                trial, configuration, sessions, split, k, patience, model_seed, workers, deadline
            )
            rows.append(row)
            value = row[best_recall]
            if row["state"] == PRUNED:
                study.tell(trial, state=optuna.trial.TrialState.PRUNED)
            else:
                study.tell(trial, value)
            if say is not None:
                best_so_far = max(done[best_recall] for done in rows)
                say(_progress(row, len(rows), budget, recall, value, best_so_far))
    trials = pd.DataFrame(rows)
    best = trials.sort_values(
        [best_recall, metric_key("mrr", k, prefix="best"), "number"],
        ascending=[False, False, True],
    ).iloc[0]
    chosen = configurations[int(best["number"])]
    search = {
        "method": "optuna",
        "budget": budget.describe(),
        "trials_run": len(trials),
        "sampler": f"TPESampler(n_startup_trials={SAMPLER_STARTUP_TRIALS}, seed={seed})",
        "pruner": (
            f"MedianPruner(n_startup_trials={PRUNER_STARTUP_TRIALS}, "
            f"n_warmup_steps={PRUNER_WARMUP_EPOCHS})"
        ),
        "seed": seed,
        "patience": patience,
        "k": k,
        "training_sessions": len(split.train),
        "searched_sessions": len(sessions),
        "searched_tokens": int(sum(map(len, sessions))),
        "sample_above_tokens": sample_above_tokens,
        "optuna": optuna.__version__,
    }
    configuration = Configuration(
        word2vec=chosen.word2vec,
        scoring=chosen.scoring,
        best_epoch=int(best["best_epoch"]),
        trial_id=best["trial_id"],
        validation={
            metric_key(metric, k): float(best[metric_key(metric, k, prefix="best")])
            for metric in METRICS
        },
        provenance=Provenance(search=search, model_seed=model_seed),
    )
    return SearchResult(
        configuration=configuration,
        trials=trials,
        cpu_seconds=time.process_time() - cpu_started,
        wall_seconds=time.monotonic() - started,
    )


def _run_trial(
    trial: optuna.Trial,
    configuration: Configuration,
    sessions: list[list[str]],
    split: SessionSplit,
    k: int,
    patience: int,
    model_seed: int,
    workers: int,
    deadline: float | None,
) -> dict[str, Any]:
    """Train one trial with early stopping and the pruner's control; its row of the table."""
    started, cpu_started = time.monotonic(), time.process_time()
    metrics = MetricLogger(split.validation, k=k, scoring=configuration.scoring)
    stopper = EarlyStopping(metrics, metric=metric_label("recall", k), patience=patience)
    control = _TrialControl(trial, stopper, deadline)
    Word2VecRecommender(
        configuration.word2vec,
        seed=model_seed,
        workers=workers,
        callbacks=[metrics, stopper, control],
        scoring=configuration.scoring,
    ).fit(sessions)
    best = metrics.rows[stopper.best_epoch - 1]
    settings = configuration.settings
    return {
        "number": trial.number,
        "trial_id": f"optuna-{trial.number:05d}",
        "state": control.state,
        "scoring": configuration.scoring,
        **{name: settings[name] for name in SEARCHED},
        **{
            metric_key(metric, k, prefix="best"): best[metric_label(metric, k)]
            for metric in METRICS
        },
        "best_epoch": stopper.best_epoch,
        "epochs_run": len(metrics.rows),
        "seconds": time.monotonic() - started,
        "cpu_seconds": time.process_time() - cpu_started,
    }


def _progress(
    row: dict[str, Any], done: int, budget: SearchBudget, recall: str, value: float, best: float
) -> str:
    planned = f"/{budget.trials}" if budget.trials is not None else ""
    ending = {
        COMPLETE: f"stopped at epoch {row['epochs_run']}",
        PRUNED: f"pruned at epoch {row['epochs_run']}",
        STOPPED_BY_BUDGET: f"stopped by the time budget at epoch {row['epochs_run']}",
    }[row["state"]]
    return f"trial {done}{planned}: {recall} {value:.3f} (best {best:.3f}), {ending}"


def _clipped(point: dict[str, Any]) -> dict[str, Any]:
    """A point moved into the searched ranges (what Optuna is told of a start outside them)."""
    clipped = dict(point)
    for name, (low, high, _) in RANGES.items():
        clipped[name] = type(low)(np.clip(point[name], low, high))
    return clipped
