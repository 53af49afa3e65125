"""The whole pipeline for anyone's interaction data, as a scheduled training job would run it.

sessionize and split -> a configuration (given, the defaults, or searched with Ray Tune) ->
train with early stopping -> evaluate against the counting baselines on the held-out pairs.

:func:`run_pipeline` orchestrates the stages and returns a :class:`PipelineResult`;
:func:`prod2vec.outputs.run_folder.write_run` writes it into a folder that is complete or absent.
Reading the input is the caller's (:mod:`prod2vec.data.readers`, or
:func:`prod2vec.online_retail.reader.read_online_retail`); ``python -m prod2vec pipeline`` is the
command line over all of it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from prod2vec.configuration import Configuration, Provenance
from prod2vec.data.readers import QualityReport
from prod2vec.data.sessions import SessionSplit, item_counts, sessionize, split_sessions
from prod2vec.defaults import CONTEXT_MARGIN, MODEL_SEED, SEARCH_SEED, SPLIT_SEED, K
from prod2vec.errors import ConfigurationError, InputDataError
from prod2vec.evaluation.context import (
    CANDIDATE_RULES,
    ContextRule,
    choose_rule,
    context_results_table,
    measure_contexts,
)
from prod2vec.evaluation.metrics import METRICS, metric_key, metric_label
from prod2vec.evaluation.results import (
    pair_metrics_by_model,
    paired_differences,
    summarise_pair_metrics,
)
from prod2vec.evaluation.selection import ServedModelChoice, choose_served_model, fit_baselines
from prod2vec.models.callbacks import EarlyStopping, MetricLogger, training_history
from prod2vec.models.word2vec import DEFAULT_PARAMS, Word2VecRecommender
from prod2vec.outputs.export import text_export_collisions
from prod2vec.outputs.served_model import ServedModel
from prod2vec.progress import EpochProgress, Stages
from prod2vec.provenance import software_versions
from prod2vec.search import SearchBudget, SearchResult, search_configuration

#: What trains with ``--no-search``, and the search's first trial: the project's defaults with
#: the negative-sampling exponent and window that did best across five datasets (Online Retail
#: and four public logs; ``benchmarks/bench_defaults.py``: validation Recall@10 0.80-1.06 of the
#: best counting model's, where NLP's exponent 0.75 reached 0.05-0.90), scored input-output.
DEFAULT_CONFIGURATION = Configuration(
    word2vec={**DEFAULT_PARAMS, "ns_exponent": -0.5, "window": 3}, scoring="input-output"
)

#: the most held-out pairs of each kind; fewer when the data has few sessions
MAX_HELD_OUT = 1000


@dataclass(frozen=True)
class PipelineSettings:
    """How to turn interactions into sessions and a trained, evaluated model.

    Parameters
    ----------
    session_gap : pandas.Timedelta, optional
        Split a user's history where two events are further apart than this (parsed at the
        boundary by :func:`prod2vec.data.sessions.session_gap`); default one session per user.
    min_session_length : int
        Sessions with fewer items are dropped (and counted): a session needs a training part
        and a (query, target) pair.
    n_test, n_validation : int, optional
        Held-out pairs; default a tenth of the sessions each, at most 1,000.
    split_seed : int
        Seed of the draw of held-out sessions.
    model_seed : int
        Gensim's seed: the same data and seeds give the same result.
    search_seed : int
        The seed of the configuration search's sampler (and of its sample of sessions).
    patience : int
        Epochs without a better validation Recall@K before training stops.
    workers : int
        Gensim worker threads (1 is reproducible to the bit; more is faster).
    k : int
        The cut-off K of every metric.

    Raises
    ------
    ConfigurationError
        A setting out of its range.
    """

    session_gap: pd.Timedelta | None = None
    min_session_length: int = 3
    n_test: int | None = None
    n_validation: int | None = None
    split_seed: int = SPLIT_SEED
    model_seed: int = MODEL_SEED
    search_seed: int = SEARCH_SEED
    patience: int = 5
    workers: int = 1
    k: int = K

    def __post_init__(self) -> None:
        if self.min_session_length < 3:
            raise ConfigurationError(
                f"min_session_length must be at least 3 (a training item, a query and a "
                f"target), got {self.min_session_length}."
            )
        for name in ("n_test", "n_validation"):
            if (value := getattr(self, name)) is not None and value < 1:
                raise ConfigurationError(f"{name} must be at least 1, got {value}.")
        for name in ("patience", "workers", "k"):
            if getattr(self, name) < 1:
                raise ConfigurationError(f"{name} must be at least 1, got {getattr(self, name)}.")


def make_sessions(
    interactions: pd.DataFrame, report: QualityReport, settings: PipelineSettings
) -> pd.Series:
    """Sessions of at least ``min_session_length`` items; the report counts what is dropped.

    Raises
    ------
    InputDataError
        No session is long enough, or no item occurs twice (nothing to learn from).
    """
    sessions = sessionize(interactions, gap=settings.session_gap)
    lengths = sessions.map(len)
    short = lengths < settings.min_session_length
    report.drop(
        f"in sessions of fewer than {settings.min_session_length} items", lengths[short].sum()
    )
    sessions = sessions[~short]
    if sessions.empty:
        raise InputDataError(
            f"No session has {settings.min_session_length} or more items (longest: "
            f"{lengths.max()}). Each user (or session) needs a few events: check the user "
            "column, use a longer --session-gap, or lower --min-session-length (3 at least)."
        )
    if item_counts(sessions).max() < 2:
        raise InputDataError(
            "Every item occurs only once, so no two sessions share an item and there is "
            "nothing to learn: check that the item column holds item ids, not event ids."
        )
    report.keep(sessions)
    return sessions


def split_for(sessions: pd.Series, settings: PipelineSettings) -> SessionSplit:
    """Hold out test and validation pairs: the settings' numbers, or a tenth each (<= 1,000)."""
    default = min(MAX_HELD_OUT, len(sessions) // 10)
    n_test = settings.n_test or default
    n_validation = settings.n_validation or default
    if n_test < 1 or n_validation < 1 or n_test + n_validation > len(sessions):
        raise InputDataError(
            f"{len(sessions)} sessions are too few to hold out {n_test} test and {n_validation} "
            "validation pairs: bring more users (20 sessions at least), or set --n-test and "
            "--n-validation."
        )
    return split_sessions(
        sessions, n_test=n_test, n_validation=n_validation, seed=settings.split_seed
    )


def training_memory_bytes(split: SessionSplit, configuration: Configuration) -> int:
    """A rough estimate of the memory training and evaluating take beyond the data, in bytes.

    Four float32 item x dimension matrices (Gensim's input and output weights and the
    normalised copies scoring uses), a batch of 512 float64 score rows, and the largest of the
    baselines' sparse matrices, the association rules' (12 bytes a pair of items bought in one
    session, at most every pair of items). On Online Retail's reference split it says 173 MiB;
    fitting the baselines took 92 MiB there.
    """
    settings = configuration.settings
    counts = item_counts(split.train)
    n_items = int((counts >= settings["min_count"]).sum())
    lengths = np.fromiter(map(len, split.train), dtype=np.float64, count=len(split.train))
    pairs = min(float(len(counts)) ** 2, (lengths**2).sum())
    word2vec = 4 * n_items * settings["vector_size"] * 4
    return int(word2vec + 512 * len(counts) * 8 + 12 * pairs)


def available_memory_bytes() -> int | None:
    """Bytes of memory this process may still take, or None where that is not known.

    Linux's MemAvailable, lowered to what a cgroup (v2) memory limit leaves; elsewhere the
    physical memory.
    """
    try:
        meminfo = Path("/proc/meminfo").read_text()
        available = next(
            int(line.split()[1]) * 1024
            for line in meminfo.splitlines()
            if line.startswith("MemAvailable:")
        )
    except (OSError, StopIteration, ValueError, IndexError):
        try:
            available = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, AttributeError):
            return None
    try:
        cgroup = Path("/sys/fs/cgroup")
        limit = (cgroup / "memory.max").read_text().strip()
        if limit != "max":
            used = int((cgroup / "memory.current").read_text())
            available = min(available, int(limit) - used)
    except (OSError, ValueError):
        pass
    return available


def preflight(split: SessionSplit, configuration: Configuration) -> None:
    """Refuse, before the first epoch, what would otherwise fail once training is done.

    Two item ids the word2vec text export would write as one (white space becomes ``_``),
    and a catalogue and ``vector_size`` that need more memory than the machine has
    (:func:`training_memory_bytes`).

    Raises
    ------
    InputDataError
        Item ids that collide, named.
    ConfigurationError
        Not enough memory, with the numbers.
    """
    counts = item_counts(split.train)
    if collisions := text_export_collisions(counts.index, "_"):
        named = "; ".join(" and ".join(map(repr, group)) for group in collisions[:3])
        raise InputDataError(
            f"Item ids that differ only in white space would be written as one id in "
            f"vectors.word2vec.txt (white space becomes '_'), {len(collisions)} group(s): "
            f"{named}. Rename one id of each group in your data."
        )
    needed, available = training_memory_bytes(split, configuration), available_memory_bytes()
    if available is not None and needed > available:
        vector_size = configuration.settings["vector_size"]
        raise ConfigurationError(
            f"Training needs about {needed / 2**20:,.0f} MiB of memory ({len(counts):,} items x "
            f"vector_size {vector_size}, and the baselines' counts), more than the "
            f"{available / 2**20:,.0f} MiB available: lower vector_size in --config, raise "
            "min_count to drop rare items, or use a machine with more memory."
        )


@dataclass
class PipelineResult:
    """Everything a run produced, before it is written.

    ``configuration`` is what trained, with this run's best epoch, validation figures and
    provenance (versions and seeds; the command is added when it is written). ``choice`` says
    which model won on validation and ``served`` is what the endpoint will serve, with its
    context rule; ``test_difference`` is Word2Vec minus the best counting model on the test
    pairs, per metric label: the mean and its paired 95% bootstrap interval.
    """

    configuration: Configuration
    settings: PipelineSettings
    quality: QualityReport
    split_sizes: dict[str, int]
    model: Word2VecRecommender
    history: pd.DataFrame
    results: pd.DataFrame
    labels: pd.Series | None
    stage_seconds: dict[str, float]
    choice: ServedModelChoice
    served: ServedModel
    context: ContextStudy
    test_difference: dict[str, tuple[float, float, float]]
    sweep_trials: pd.DataFrame | None = None
    search: SearchResult | None = None


@dataclass(frozen=True)
class TrainedWord2Vec:
    """A Word2Vec model trained with early stopping, its history, and its configuration.

    ``configuration`` is the one trained, with its best epoch and the validation figures there.
    """

    model: Word2VecRecommender
    history: pd.DataFrame
    configuration: Configuration


def train_early_stopped(
    split: SessionSplit,
    configuration: Configuration,
    settings: PipelineSettings,
    stages: Stages | None = None,
) -> TrainedWord2Vec:
    """Train ``configuration`` on the training sessions, stopping on validation Recall@K.

    The learning rate decays over the planned epochs; training stops after ``settings.patience``
    epochs without a better validation Recall@K and keeps the weights of the best epoch.

    Parameters
    ----------
    split : SessionSplit
        Training sessions and validation pairs.
    configuration : Configuration
        What to train; its planned epochs are the most that run.
    settings : PipelineSettings
        The seeds, workers, patience and K.
    stages : Stages, optional
        Told each epoch's validation Recall@K and the best epoch; default silent.
    """
    stages = stages or Stages(stream=None)
    recall = metric_label("recall", settings.k)
    metrics = MetricLogger(split.validation, k=settings.k, scoring=configuration.scoring)
    stopper = EarlyStopping(metrics, metric=recall, patience=settings.patience)
    model = Word2VecRecommender(
        configuration.word2vec,
        seed=settings.model_seed,
        workers=settings.workers,
        callbacks=[metrics, EpochProgress(metrics, stages), stopper],
        label="Word2Vec",
        scoring=configuration.scoring,
    ).fit(split.train)
    stages.say(
        f"best validation {recall} {stopper.best_value:.3f} at epoch "
        f"{stopper.best_epoch} of {len(metrics.rows)} run"
    )
    history = training_history(metrics)
    best_row = history.loc[stopper.best_epoch]
    validation = {
        metric_key(metric, settings.k): float(best_row[metric_label(metric, settings.k)])
        for metric in METRICS
    }
    return TrainedWord2Vec(
        model, history, replace(configuration, best_epoch=stopper.best_epoch, validation=validation)
    )


@dataclass(frozen=True)
class ContextStudy:
    """Session context measured for Word2Vec and the best counting model.

    ``validation`` is :func:`~prod2vec.evaluation.context.measure_contexts`' table over
    :data:`~prod2vec.evaluation.context.CANDIDATE_RULES`; ``rules`` the rule chosen there for
    each model, by name; ``test`` each model's test figures under its chosen rule (with 95%
    bootstrap intervals), filled in when the test pairs are evaluated.
    """

    validation: pd.DataFrame
    rules: dict[str, ContextRule]
    test: pd.DataFrame | None = None


def study_context(choice: ServedModelChoice, split: SessionSplit, k: int) -> ContextStudy:
    """Measure the last 1-10 items (mean and recency weightings) as the context of a request,
    on the validation pairs, for Word2Vec and the best counting model; choose each one's rule
    (the last item unless a context beats it by more than :data:`CONTEXT_MARGIN`)."""
    models = [choice.word2vec, choice.best_baseline]
    table = measure_contexts(
        models, split.validation_context, split.validation["target"], CANDIDATE_RULES, k=k
    )
    rules = {
        model.name: choose_rule(table, model.name, k=k, margin=CONTEXT_MARGIN) for model in models
    }
    return ContextStudy(validation=table, rules=rules)


Tuner = Callable[[SessionSplit], tuple[Configuration, pd.DataFrame]]


def run_pipeline(
    interactions: pd.DataFrame,
    quality: QualityReport,
    settings: PipelineSettings,
    configuration: Configuration | None = None,
    tuner: Tuner | None = None,
    search: SearchBudget | None = None,
    labels: pd.Series | None = None,
    stages: Stages | None = None,
) -> PipelineResult:
    """Sessionize, split, configure, train with early stopping and evaluate.

    Parameters
    ----------
    interactions : pandas.DataFrame
        Validated interactions (:mod:`prod2vec.data.readers` or an adapter).
    quality : QualityReport
        The report of reading them; this adds the session rules.
    settings : PipelineSettings
        Sessions, split, seeds and training settings.
    configuration : Configuration, optional
        What to train; default :data:`DEFAULT_CONFIGURATION`. Its planned epochs are the most
        that may run.
    tuner : callable, optional
        Instead of a configuration: given the split, returns the best configuration found on
        its validation pairs and the sweep's trial table (:func:`prod2vec.tune.sweep.tune_on`).
    search : SearchBudget, optional
        Instead of a configuration: search one on the validation pairs within this budget,
        in-process, starting from :data:`DEFAULT_CONFIGURATION`
        (:func:`prod2vec.search.search_configuration`).
    labels : pandas.Series, optional
        Label by item id, for readable reports and Projector files.
    stages : Stages, optional
        Where progress goes; default stderr.
    """
    stages = stages or Stages()
    with stages.stage("sessionize and split"):
        sessions = make_sessions(interactions, quality, settings)
        stages.say(quality.to_markdown())
        split = split_for(sessions, settings)
        # a search keeps every item (min_count 1) as the defaults do, at sizes like theirs
        preflight(split, configuration or DEFAULT_CONFIGURATION)
    if sum(given is not None for given in (configuration, tuner, search)) > 1:
        raise ConfigurationError("Give a configuration, a tuner or a search budget: one at most.")
    trials = searched = None
    if tuner is not None:
        with stages.stage("tune"):
            configuration, trials = tuner(split)
    if search is not None:
        with stages.stage(f"search a configuration on the validation pairs ({search.describe()})"):
            searched = search_configuration(
                split, DEFAULT_CONFIGURATION, search, k=settings.k, seed=settings.search_seed,
                model_seed=settings.model_seed, workers=settings.workers, users=sessions.index,
                say=stages.step,
            )  # fmt: skip
        configuration, trials = searched.configuration, searched.trials
    configuration = configuration or DEFAULT_CONFIGURATION
    with stages.stage(f"train (at most {configuration.planned_epochs} epochs)"):
        trained = train_early_stopped(split, configuration, settings, stages)
    with stages.stage("fit the baselines (windows chosen on validation)"):
        baselines = fit_baselines(
            split.train, split.validation, k=settings.k, say=stages.step
        ).models
    with stages.stage("choose the model to serve and its context (on validation)"):
        choice = choose_served_model(trained.model, baselines, split.validation, k=settings.k)
        context = study_context(choice, split, settings.k)
        served = ServedModel(choice.served.name, choice.served, context.rules[choice.served.name])
        stages.step(f"serve {served.name}, given {served.rule.label}")
    with stages.stage("evaluate on the test pairs"):
        models = [trained.model, *baselines]
        per_pair = pair_metrics_by_model(models, split.test, k=settings.k, say=stages.step)
        results = summarise_pair_metrics(per_pair)
        context = replace(
            context,
            test=context_results_table(
                [trained.model, choice.best_baseline], split.test_context, split.test["target"],
                context.rules, k=settings.k,
            ),
        )  # fmt: skip
        test_difference = paired_differences(
            per_pair[trained.model.name], per_pair[choice.best_baseline.name]
        )
    trained_configuration = replace(
        trained.configuration,
        provenance=Provenance(
            versions=software_versions(),
            search=searched.configuration.provenance.search if searched else None,
            split_seed=settings.split_seed,
            model_seed=settings.model_seed,
        ),
    )
    return PipelineResult(
        configuration=trained_configuration,
        settings=settings,
        quality=quality,
        split_sizes={
            "training_sessions": len(split.train),
            "test_pairs": len(split.test),
            "validation_pairs": len(split.validation),
        },
        model=trained.model,
        history=trained.history,
        results=results,
        labels=labels,
        stage_seconds=stages.seconds,
        choice=choice,
        served=served,
        context=context,
        test_difference=test_difference,
        sweep_trials=trials,
        search=searched,
    )
