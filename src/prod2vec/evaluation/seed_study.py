"""How much a result depends on luck: a configuration over split seeds and Word2Vec seeds.

A split seed only changes *which* sessions give the held-out pairs: the training sessions
(every session minus its last item) are the same for every split seed. So one Word2Vec model
per model seed serves every split, and the variance of training comes from the model seed.
The counting baselines are deterministic; only their window, chosen on each split's validation
pairs, can change with the split.

A difference between two models counts as a win only when its paired bootstrap interval (the
same resampled test pairs for both, every split seed weighted equally) excludes zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from prod2vec.data.integer_sessions import encode_sessions
from prod2vec.data.sessions import split_sessions
from prod2vec.defaults import STUDY_MODEL_SEEDS, STUDY_SPLIT_SEEDS, K
from prod2vec.evaluation.bootstrap import paired_difference_interval
from prod2vec.evaluation.metrics import metric_label
from prod2vec.evaluation.results import pair_metrics
from prod2vec.evaluation.selection import fit_baselines
from prod2vec.models.callbacks import EarlyStopping, MetricLogger, StopAfterEpoch
from prod2vec.models.word2vec import (
    DEFAULT_PARAMS,
    OUT_OF_THE_BOX,
    TrainingControl,
    Word2VecRecommender,
    train_word2vec,
)
from prod2vec.outputs.atomic import write_csv_atomic, write_json_atomic

if TYPE_CHECKING:
    from collections.abc import Iterator

    from gensim.models import Word2Vec

    from prod2vec.configuration import Configuration
    from prod2vec.data.sessions import SessionSplit

TUNED = "Word2Vec tuned"
#: the comparisons of :func:`study_seeds`: the tuned embedding against each counting model
SEED_COMPARISONS = (
    (TUNED, "CoOccurrence"), (TUNED, "SequentialRules"), ("CoOccurrence", "SequentialRules")
)  # fmt: skip
#: patience of the early stopping of variants without a fixed number of epochs
PATIENCE = 5

GENSIM = "Gensim defaults"
PROD2VEC = "prod2vec defaults"
#: the ladder's comparisons, each "model minus versus": every step up the ladder, each of the
#: four default settings the project changes put back to Gensim's one at a time, the scoring
#: the search chose, and the best counting model
LADDER_COMPARISONS = (
    (PROD2VEC, GENSIM),
    (TUNED, PROD2VEC),
    (TUNED, GENSIM),
    (PROD2VEC, "prod2vec defaults but CBOW"),
    (PROD2VEC, "prod2vec defaults but min_count=5"),
    (PROD2VEC, "prod2vec defaults but vector_size=100"),
    (PROD2VEC, "prod2vec defaults but 5 epochs"),
    (TUNED, "Word2Vec tuned but input-input"),
    (TUNED, "CoOccurrence"),
)


@dataclass(frozen=True)
class Variant:
    """A Word2Vec configuration to study.

    Parameters
    ----------
    name : str
        Its name in the tables (without parentheses, which mark a counting model's settings).
    settings : mapping
        Word2Vec settings; ``epochs`` is the planned schedule.
    scoring : str
        The recommender's scoring (:data:`prod2vec.models.word2vec.SCORINGS`).
    epochs_to_run : int, optional
        Epochs of the schedule to run for every split. Without it training stops early on each
        split's own validation pairs (Recall@K, patience :data:`PATIENCE`) and keeps that
        split's best epoch.
    """

    name: str
    settings: Mapping[str, Any]
    scoring: str = "input-input"
    epochs_to_run: int | None = None


@dataclass(frozen=True)
class SeedStudy:
    """Test metrics per split seed, model seed and model, and the paired differences.

    ``reference_pairs`` holds the per-pair test metrics on the first split seed (the
    protocol's) of the first variant with the first model seed, so that a results table can
    show it with a bootstrap interval without training it again.

    ``scores`` has columns ``split_seed``, ``model_seed`` (-1 for deterministic models),
    ``model``, ``epochs`` (the epochs of training whose vectors were tested; 0 for the counting
    models), ``Recall@K``, ``MRR@K``. ``differences`` has one row per (model, versus, metric):
    the mean over split seeds of ``model``'s advantage over ``versus`` (Word2Vec averaged over
    its model seeds), its 95% paired bootstrap interval, and whether that is a win or a loss
    (the interval excludes zero) or a tie.
    """

    scores: pd.DataFrame
    differences: pd.DataFrame
    reference_pairs: pd.DataFrame


def model_family(name: str) -> str:
    """A model's name without its settings: ``CoOccurrence(window=2)`` -> ``CoOccurrence``."""
    return name.split("(")[0]


def ladder_variants(tuned: Configuration) -> list[Variant]:
    """Out of the box, the project's defaults and the tuned configuration, and the ablations.

    The project's defaults change four of Gensim's settings at once (skip-gram, every item
    kept, 64 dimensions, 30 planned epochs with early stopping); each ablation puts one of them
    back. The tuned configuration is also scored input-input, to see what its scoring adds.

    Parameters
    ----------
    tuned : Configuration
        The search's choice (a ``best.json`` with its ``best_epoch``).

    Returns
    -------
    list of Variant
    """
    defaults = dict(DEFAULT_PARAMS)
    tuned_epochs = tuned.best_epoch or tuned.word2vec["epochs"]
    return [
        Variant(TUNED, tuned.word2vec, tuned.scoring, tuned_epochs),
        Variant("Word2Vec tuned but input-input", tuned.word2vec, "input-input", tuned_epochs),
        Variant(GENSIM, OUT_OF_THE_BOX, epochs_to_run=OUT_OF_THE_BOX["epochs"]),
        Variant(PROD2VEC, defaults),
        Variant("prod2vec defaults but CBOW", {**defaults, "sg": 0}),
        Variant("prod2vec defaults but min_count=5", {**defaults, "min_count": 5}),
        Variant("prod2vec defaults but vector_size=100", {**defaults, "vector_size": 100}),
        Variant("prod2vec defaults but 5 epochs", {**defaults, "epochs": 5}, epochs_to_run=5),
    ]


class _StopOnEverySplit(TrainingControl):
    """Early stopping on several validation sets at once: one logger and stopper per split.

    A split's stopper stops watching once it has stopped, and training ends when all have.
    """

    def __init__(self, loggers: list[MetricLogger], stoppers: list[EarlyStopping]) -> None:
        self.watchers = list(zip(loggers, stoppers, strict=True))
        self.stop_training = False

    def on_train_begin(self, model: Word2Vec) -> None:
        for logger, _ in self.watchers:
            logger.on_train_begin(model)

    def on_epoch_end(self, model: Word2Vec) -> None:
        for logger, stopper in self.watchers:
            if not stopper.stop_training:
                logger.on_epoch_end(model)
                stopper.on_epoch_end(model)
        self.stop_training = all(stopper.stop_training for _, stopper in self.watchers)


def _trained_per_split(
    variant: Variant,
    train: pd.Series,
    splits: Sequence[SessionSplit],
    model_seed: int,
    k: int,
    workers: int,
) -> Iterator[tuple[Word2VecRecommender, int]]:
    """One trained model per split and the epochs it trained, in the order of ``splits``.

    Early-stopped variants train once and put back each split's best epoch in turn, so use
    each model before asking for the next.
    """
    if variant.epochs_to_run is not None:
        model = Word2VecRecommender(
            variant.settings, seed=model_seed, workers=workers, label=variant.name,
            scoring=variant.scoring, callbacks=[StopAfterEpoch(variant.epochs_to_run)],
        ).fit(train)  # fmt: skip
        for _ in splits:
            yield model, variant.epochs_to_run
        return
    loggers = [MetricLogger(split.validation, k=k, scoring=variant.scoring) for split in splits]
    stoppers = [EarlyStopping(logger, metric_label("recall", k), PATIENCE) for logger in loggers]
    trained = train_word2vec(
        train, variant.settings, callbacks=[_StopOnEverySplit(loggers, stoppers)],
        seed=model_seed, workers=workers,
    )  # fmt: skip
    for stopper in stoppers:
        stopper.restore_best(trained)
        model = Word2VecRecommender.from_vectors(
            trained.wv, variant.name, getattr(trained, "syn1neg", None), variant.scoring
        )
        yield model, stopper.best_epoch


def study_variants(
    sessions: pd.Series,
    variants: Sequence[Variant],
    comparisons: Sequence[tuple[str, str]],
    *,
    n_test: int,
    n_validation: int,
    split_seeds: Sequence[int] = STUDY_SPLIT_SEEDS,
    model_seeds: Sequence[int] = STUDY_MODEL_SEEDS,
    k: int = K,
    workers: int = 1,
) -> SeedStudy:
    """Test Word2Vec variants and the counting baselines over split seeds and model seeds.

    Each variant trains once per model seed (the training sessions are the same for every
    split seed) and is tested on every split; the baselines' windows are chosen on each
    split's validation pairs.

    Parameters
    ----------
    sessions : pandas.Series
        Every session, before any split (for Online Retail
        :func:`prod2vec.online_retail.reference_protocol.clean_sessions`).
    variants : sequence of Variant
        The Word2Vec configurations (names unique).
    comparisons : sequence of (str, str)
        ``(model, versus)`` names, variants' or counting families' (``CoOccurrence``,
        ``SequentialRules``): ``model``'s advantage over ``versus`` is tested.
    n_test, n_validation : int
        The split's sizes.
    split_seeds, model_seeds : sequence of int
        The seeds to study.
    k : int
        The cut-off K.
    workers : int
        Gensim worker threads (results then vary slightly from run to run).

    Returns
    -------
    SeedStudy

    Raises
    ------
    ValueError
        Two variants share a name, or a comparison names a model the study does not test.
    """
    names = [variant.name for variant in variants]
    known = {*names, "CoOccurrence", "SequentialRules"}
    if len(set(names)) != len(names):
        raise ValueError(f"Variant names must be unique: {names}.")
    if unknown := {name for pair in comparisons for name in pair} - known:
        raise ValueError(f"Comparisons name {sorted(unknown)}; the study tests {sorted(known)}.")
    splits = [
        split_sessions(sessions, n_test=n_test, n_validation=n_validation, seed=seed)
        for seed in split_seeds
    ]
    train = splits[0].train
    encoded = encode_sessions(train)
    rows, per_pair = [], {}

    def score(
        model: Any, split_seed: int, model_seed: int, test: pd.DataFrame, epochs: int
    ) -> None:
        metrics = pair_metrics(model, test, k=k)
        per_pair[(split_seed, model_seed, model_family(model.name))] = metrics
        rows.append(
            {"split_seed": split_seed, "model_seed": model_seed, "model": model.name,
             "epochs": epochs} | metrics.mean().to_dict()
        )  # fmt: skip

    for split_seed, split in zip(split_seeds, splits, strict=True):
        for model in fit_baselines(encoded, split.validation, k=k).models[2:]:
            score(model, split_seed, -1, split.test, 0)
    for variant in variants:
        for model_seed in model_seeds:
            trained = _trained_per_split(variant, train, splits, model_seed, k, workers)
            for split_seed, split, (model, epochs) in zip(
                split_seeds, splits, trained, strict=True
            ):
                score(model, split_seed, model_seed, split.test, epochs)

    def per_split(family: str, split: int, metric: str) -> np.ndarray:
        seeds = model_seeds if family in names else (-1,)
        return np.mean([per_pair[(split, seed, family)][metric] for seed in seeds], axis=0)

    differences = []
    for model, versus in comparisons:
        for metric in (metric_label("recall", k), metric_label("mrr", k)):
            gaps = [
                per_split(model, split, metric) - per_split(versus, split, metric)
                for split in split_seeds
            ]
            mean, low, high = paired_difference_interval(gaps)
            verdict = "win" if low > 0 else "loss" if high < 0 else "tie"
            differences.append(
                {"model": model, "versus": versus, "metric": metric, "difference": mean,
                 "ci_low": low, "ci_high": high, "verdict": verdict}
            )  # fmt: skip
    reference_pairs = per_pair[(split_seeds[0], model_seeds[0], names[0])]
    return SeedStudy(pd.DataFrame(rows), pd.DataFrame(differences), reference_pairs)


def study_seeds(
    sessions: pd.Series,
    word2vec: Mapping[str, Any],
    scoring: str,
    epochs_to_run: int,
    *,
    n_test: int,
    n_validation: int,
    split_seeds: Sequence[int] = STUDY_SPLIT_SEEDS,
    model_seeds: Sequence[int] = STUDY_MODEL_SEEDS,
    k: int = K,
    workers: int = 1,
) -> SeedStudy:
    """Train the configuration once per model seed; test it and the baselines on every split.

    :func:`study_variants` with one variant, :data:`TUNED`, and :data:`SEED_COMPARISONS`.

    Parameters
    ----------
    sessions : pandas.Series
        Every session, before any split.
    word2vec : mapping
        Word2Vec settings (``epochs`` is the planned schedule).
    scoring : str
        The recommender's scoring (:data:`prod2vec.models.word2vec.SCORINGS`).
    epochs_to_run : int
        Epochs of the schedule to run (the epoch at which the sweep's trial peaked).
    n_test, n_validation : int
        The split's sizes.
    split_seeds, model_seeds : sequence of int
        The seeds to study.
    k : int
        The cut-off K.
    workers : int
        Gensim worker threads (results then vary slightly from run to run).

    Returns
    -------
    SeedStudy
    """
    return study_variants(
        sessions, [Variant(TUNED, word2vec, scoring, epochs_to_run)], SEED_COMPARISONS,
        n_test=n_test, n_validation=n_validation, split_seeds=split_seeds,
        model_seeds=model_seeds, k=k, workers=workers,
    )  # fmt: skip


def summarise_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation of every metric per model family, over all seeds."""
    metrics = [column for column in scores.columns if "@" in column]
    return (
        scores.assign(model=scores["model"].map(model_family))
        .groupby("model", sort=False)[metrics]
        .agg(["mean", "std"])
    )


def differences_table(differences: pd.DataFrame) -> pd.DataFrame:
    """Paired differences as a readable table: one row per comparison, one column per metric.

    Parameters
    ----------
    differences : pandas.DataFrame
        A :class:`SeedStudy`'s ``differences`` (or its ``differences.csv``).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``"model − versus"`` in the study's order; each cell "+0.0234 [+0.0182,
        +0.0286] win".
    """
    cells = differences.assign(
        comparison=differences["model"] + " − " + differences["versus"],
        cell=[
            f"{row.difference:+.4f} [{row.ci_low:+.4f}, {row.ci_high:+.4f}] {row.verdict}"
            for row in differences.itertuples()
        ],
    )
    table = cells.pivot(index="comparison", columns="metric", values="cell")
    return table.loc[cells["comparison"].unique(), list(differences["metric"].unique())]


def write_seed_study(
    study: SeedStudy, folder: str | Path, command: str, config: str | Path | None = None
) -> dict[str, Path]:
    """Write a seed study's tables and the command that made them into ``folder``.

    Parameters
    ----------
    study : SeedStudy
        What :func:`study_seeds` returned.
    folder : str or Path
        Where to write (created if needed); every file is written atomically.
    command : str
        The command line that ran (:func:`prod2vec.provenance.command_line`).
    config : str or Path, optional
        The configuration file (a ``best.json``) the study tested.

    Returns
    -------
    dict of str to Path
        ``scores``, ``differences``, ``reference_split_pairs`` (CSV) and ``command`` (JSON).
    """
    folder = Path(folder)
    paths = {
        name: write_csv_atomic(table, folder / f"{name}.csv")
        for name, table in (
            ("scores", study.scores),
            ("differences", study.differences),
            ("reference_split_pairs", study.reference_pairs),
        )
    }
    paths["command"] = write_json_atomic(
        {"command": command, "config": None if config is None else str(config)},
        folder / "command.json",
    )
    return paths
