"""The whole pipeline for anyone's interaction data, as a scheduled training job would run it.

load -> data-quality checks -> sessionize and split -> a configuration (given, or tuned with
Ray Tune) -> train with early stopping -> evaluate against the counting baselines on the
held-out pairs -> write vectors, Projector files, metrics and a report.

:func:`run_pipeline` does the work and returns a :class:`PipelineResult`; :func:`write_results`
writes it into a folder that is complete or absent (:func:`prod2vec.outputs.atomic.atomic_folder`).
``python -m prod2vec pipeline`` is the command line over both.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

import pandas as pd
from gensim.models import Word2Vec
from gensim.models.callbacks import CallbackAny2Vec

from prod2vec.data.item_labels import describe_items
from prod2vec.data.readers import InputDataError, QualityReport
from prod2vec.data.sessions import SessionSplit, item_counts, sessionize, split_sessions
from prod2vec.evaluation.results import markdown_table, results_table, wide_table
from prod2vec.evaluation.selection import fit_baselines
from prod2vec.models.callbacks import EarlyStopping, MetricLogger, training_history
from prod2vec.models.word2vec import (
    DEFAULT_PARAMS,
    SCORINGS,
    Word2VecRecommender,
    check_word2vec_settings,
    save_vectors,
)
from prod2vec.online_retail import (
    clean_transactions,
    item_descriptions,
    load_online_retail,
    to_interactions,
)
from prod2vec.online_retail.reference_protocol import RECIPE
from prod2vec.outputs.atomic import atomic_folder, write_csv_atomic, write_json_atomic
from prod2vec.outputs.export import save_keyed_vectors, write_projector_files

#: What trains when no configuration is given: the project's defaults, scored input-output,
#: the scoring that did better in notebook 04's sweep on Online Retail.
DEFAULT_CONFIGURATION: dict[str, Any] = {
    "word2vec": dict(DEFAULT_PARAMS),
    "scoring": "input-output",
}

#: the most held-out pairs of each kind; fewer when the data has few sessions
MAX_HELD_OUT = 1000


@dataclass(frozen=True)
class PipelineSettings:
    """How to turn interactions into sessions and a trained, evaluated model.

    Parameters
    ----------
    session_gap : str, optional
        Split a user's history where two events are further apart than this (``"30min"``,
        ``"1D"``); default one session per user.
    min_session_length : int
        Sessions with fewer items are dropped (and counted): a session needs a training part
        and a (query, target) pair.
    n_test, n_validation : int, optional
        Held-out pairs; default a tenth of the sessions each, at most 1,000.
    seed : int
        Seed of the split and of Word2Vec: the same data and seed give the same result.
    patience : int
        Epochs without a better validation Recall@K before training stops.
    workers : int
        Gensim worker threads (1 is reproducible to the bit; more is faster).
    k : int
        The cut-off K of every metric.
    """

    session_gap: str | None = None
    min_session_length: int = 3
    n_test: int | None = None
    n_validation: int | None = None
    seed: int = 0
    patience: int = 5
    workers: int = 1
    k: int = 10

    def __post_init__(self) -> None:
        if self.min_session_length < 3:
            raise ValueError(
                f"min_session_length must be at least 3 (a training item, a query and a "
                f"target), got {self.min_session_length}."
            )
        for name in ("n_test", "n_validation"):
            if (value := getattr(self, name)) is not None and value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}.")
        for name in ("patience", "workers", "k"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}.")


def load_configuration(path: str | Path) -> dict[str, Any]:
    """A configuration from a ``best.json`` (``python -m prod2vec tune``) or a ``config.json``.

    It needs ``word2vec`` (Gensim keyword arguments, checked against Gensim's signature) and
    may give ``scoring`` (default ``input-input``).
    """
    path = Path(path)
    try:
        content = json.loads(path.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(
            f"No configuration at {path}: give a best.json written by `python -m prod2vec "
            "tune`, or leave out --config to use the defaults."
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{path} is not JSON ({error}): give a best.json.") from None
    if not isinstance(content, dict) or not isinstance(content.get("word2vec"), dict):
        raise ValueError(
            f"{path} has no 'word2vec' settings: give a best.json written by `python -m "
            "prod2vec tune` ({'word2vec': {...}, 'scoring': ...})."
        )
    return checked_configuration(content)


def checked_configuration(configuration: Mapping[str, Any]) -> dict[str, Any]:
    """``word2vec`` settings Gensim accepts and a known ``scoring``, or a ValueError."""
    settings = dict(configuration["word2vec"])
    check_word2vec_settings(settings)
    scoring = configuration.get("scoring", "input-input")
    if scoring not in SCORINGS:
        raise ValueError(f"Unknown scoring {scoring!r}; choose one of {SCORINGS}.")
    if scoring == "input-output" and settings.get("negative", 5) == 0:
        raise ValueError("The input-output scoring needs negative sampling (negative > 0).")
    return {"word2vec": settings, "scoring": scoring}


@dataclass
class Stages:
    """Seconds spent per stage, printed as each one ends (to ``stream``, or nowhere)."""

    stream: TextIO | None = sys.stderr
    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self.say(f"{name} ...")
        started = time.perf_counter()
        yield
        self.seconds[name] = round(time.perf_counter() - started, 2)
        self.say(f"{name}: done in {self.seconds[name]:.1f} s")

    def say(self, text: str) -> None:
        if self.stream is not None:
            print(text, file=self.stream, flush=True)


class EpochProgress(CallbackAny2Vec):
    """Says each epoch's validation Recall@K as it ends (put it after its MetricLogger)."""

    def __init__(self, metrics: MetricLogger, stages: Stages) -> None:
        self.metrics = metrics
        self.stages = stages

    def on_epoch_end(self, model: Word2Vec) -> None:
        latest = self.metrics.rows[-1]
        k = self.metrics.k
        self.stages.say(
            f"  epoch {latest['epoch']}: validation Recall@{k} {latest[f'Recall@{k}']:.3f}"
        )


def read_online_retail(recipe: str = RECIPE) -> tuple[pd.DataFrame, QualityReport, pd.Series]:
    """Online Retail (downloaded and cached) as interactions, its cleaning report, descriptions."""
    raw = load_online_retail()
    transactions, cleaning = clean_transactions(raw, recipe)
    quality = QualityReport(source=f"Online Retail (UCI), {recipe!r} recipe", rows_read=len(raw))
    for rule, rows in cleaning.removed_by_rule.items():
        quality.drop(rule, rows)
    return to_interactions(transactions), quality, item_descriptions(transactions)


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
    return split_sessions(sessions, n_test=n_test, n_validation=n_validation, seed=settings.seed)


@dataclass
class PipelineResult:
    """Everything a run produced, before it is written."""

    configuration: dict[str, Any]
    settings: PipelineSettings
    quality: QualityReport
    split_sizes: dict[str, int]
    model: Word2VecRecommender
    history: pd.DataFrame
    best_epoch: int
    results: pd.DataFrame
    labels: pd.Series | None
    stage_seconds: dict[str, float]
    sweep_trials: pd.DataFrame | None = None


Tuner = Callable[[SessionSplit], tuple[dict[str, Any], pd.DataFrame]]


def run_pipeline(
    interactions: pd.DataFrame,
    quality: QualityReport,
    settings: PipelineSettings,
    configuration: Mapping[str, Any] | None = None,
    tuner: Tuner | None = None,
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
        Sessions, split, seed and training settings.
    configuration : mapping, optional
        ``word2vec`` settings and ``scoring`` (:func:`load_configuration`); default
        :data:`DEFAULT_CONFIGURATION`. Its ``epochs`` are the most that may run.
    tuner : callable, optional
        Instead of a configuration: given the split, returns the best configuration found on
        its validation pairs and the sweep's trial table (:func:`prod2vec.tune.sweep.tune_on`).
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
    trials = None
    if tuner is not None:
        with stages.stage("tune"):
            configuration, trials = tuner(split)
    configuration = checked_configuration(configuration or DEFAULT_CONFIGURATION)
    with stages.stage(f"train (at most {configuration['word2vec'].get('epochs', 5)} epochs)"):
        metrics = MetricLogger(split.validation, k=settings.k, scoring=configuration["scoring"])
        stopper = EarlyStopping(metrics, metric=f"Recall@{settings.k}", patience=settings.patience)
        model = Word2VecRecommender(
            configuration["word2vec"],
            seed=settings.seed,
            workers=settings.workers,
            callbacks=[metrics, EpochProgress(metrics, stages), stopper],
            label="Word2Vec",
            scoring=configuration["scoring"],
        ).fit(split.train)
        stages.say(
            f"best validation Recall@{settings.k} {stopper.best_value:.3f} at epoch "
            f"{stopper.best_epoch} of {len(metrics.rows)} run"
        )
    with stages.stage("fit the baselines (windows chosen on validation)"):
        baselines = fit_baselines(split.train, split.validation, k=settings.k).models
    with stages.stage("evaluate on the test pairs"):
        results = results_table([model, *baselines], split.test, k=settings.k)
    return PipelineResult(
        configuration=configuration,
        settings=settings,
        quality=quality,
        split_sizes={
            "training_sessions": len(split.train),
            "test_pairs": len(split.test),
            "validation_pairs": len(split.validation),
        },
        model=model,
        history=training_history(metrics),
        best_epoch=stopper.best_epoch,
        results=results,
        labels=labels,
        stage_seconds=stages.seconds,
        sweep_trials=trials,
    )


def metrics_summary(result: PipelineResult) -> dict[str, Any]:
    """The run's figures as JSON-ready data: data quality, split, training, test metrics."""
    return {
        "data_quality": result.quality.as_dict(),
        "split": result.split_sizes,
        "configuration": result.configuration,
        "settings": asdict(result.settings),
        "training": {
            "epochs_run": len(result.history),
            "best_epoch": result.best_epoch,
            f"best_validation_recall_at_{result.settings.k}": float(
                result.history[f"Recall@{result.settings.k}"].max()
            ),
        },
        "test": [
            {
                key: (round(value, 6) if isinstance(value, float) else value)
                for key, value in row.items()
            }
            for row in result.results.to_dict("records")
        ],
        "stage_seconds": result.stage_seconds,
    }


def markdown_report(result: PipelineResult, command: str, examples: int = 3) -> str:
    """A short human-readable report: data quality, results, and a few neighbour lists."""
    k = result.settings.k
    table = wide_table(result.results)
    lines = [
        "# prod2vec pipeline report",
        "",
        f"Command: `{command}`",
        "",
        "## Data quality",
        "",
        result.quality.to_markdown(),
        "",
        "## Split and training",
        "",
        f"{result.split_sizes['training_sessions']:,} training sessions; "
        f"{result.split_sizes['test_pairs']:,} test and "
        f"{result.split_sizes['validation_pairs']:,} validation (query, target) pairs "
        f"(split seed {result.settings.seed}).",
        "",
        f"Word2Vec ({result.configuration['scoring']} scoring, "
        f"{json.dumps(result.configuration['word2vec'])}) ran {len(result.history)} epochs; "
        f"validation Recall@{k} peaked at epoch {result.best_epoch}, whose weights were kept.",
        "",
        "## Test results (95% bootstrap intervals; a model wins only where intervals part)",
        "",
        markdown_table(table.reset_index()),
        "",
        "## What it recommends after the most frequent items",
        "",
    ]
    model = result.model
    for item in model.items_[:examples]:
        neighbours = model.recommend([item], k=5)[0]
        described = describe_items([item, *neighbours], _labels_or_ids(result))
        head, rest = described.iloc[0], described.iloc[1:]
        lines.append(
            f"- **{head['item']}** ({head['description']}): "
            + "; ".join(f"{row.item} ({row.description})" for row in rest.itertuples())
        )
    return "\n".join(lines) + "\n"


def _labels_or_ids(result: PipelineResult) -> pd.Series:
    if result.labels is not None:
        return result.labels
    return pd.Series(result.model.items_, index=result.model.items_)


def write_results(
    result: PipelineResult, out: str | Path, command: str, overwrite: bool = False
) -> Path:
    """Write a run into ``out``, completely or not at all; returns ``out``.

    Files: ``vectors.npz`` (this project's format, with output weights),
    ``vectors.word2vec.txt`` (Gensim's KeyedVectors text format; white space inside an id
    becomes ``_``, the format's separator being a space), ``projector/vectors.tsv``
    and ``projector/metadata.tsv``, ``metrics.json``, ``config.json`` (usable as ``--config``),
    ``history.csv``, ``report.md``, and ``trials.csv`` when the run tuned.
    """
    vectors = result.model.vectors_
    with atomic_folder(out, overwrite=overwrite) as folder:
        save_vectors(vectors, folder / "vectors.npz", result.model.output_weights_)
        save_keyed_vectors(vectors, folder / "vectors.word2vec.txt", replace_spaces="_")
        write_projector_files(vectors, folder / "projector", result.labels)
        write_json_atomic({**metrics_summary(result), "command": command}, folder / "metrics.json")
        write_json_atomic(
            {**result.configuration, "best_epoch": result.best_epoch, "command": command},
            folder / "config.json",
        )
        write_csv_atomic(result.history.reset_index(), folder / "history.csv")
        if result.sweep_trials is not None:
            write_csv_atomic(result.sweep_trials, folder / "trials.csv")
        (folder / "report.md").write_text(markdown_report(result, command))
    return Path(out)
