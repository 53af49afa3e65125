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
from typing import Any

import numpy as np
import pandas as pd

from prod2vec.evaluation.results import pair_metrics
from prod2vec.evaluation.selection import fit_baselines
from prod2vec.models.callbacks import StopAfterEpoch
from prod2vec.models.word2vec import Word2VecRecommender
from prod2vec.online_retail.reference_protocol import N_TEST, N_VALIDATION, prepare_sessions

SPLIT_SEEDS = (123, 7, 42, 2024, 99)
MODEL_SEEDS = (0, 1, 2, 3, 4)
TUNED = "Word2Vec tuned"


@dataclass(frozen=True)
class SeedStudy:
    """Test metrics per split seed, model seed and model, and the paired differences.

    ``reference_pairs`` holds the per-pair test metrics on the first split seed (the
    protocol's) of the tuned model with the first model seed, so that a results table can show
    it with a bootstrap interval without training it again.

    ``scores`` has columns ``split_seed``, ``model_seed`` (-1 for deterministic models),
    ``model``, ``Recall@K``, ``MRR@K``. ``differences`` has one row per (model, versus,
    metric): the mean over split seeds of ``model``'s advantage over ``versus`` (Word2Vec
    averaged over its model seeds), its 95% paired bootstrap interval, and whether that is a
    win or a loss (the interval excludes zero) or a tie.
    """

    scores: pd.DataFrame
    differences: pd.DataFrame
    reference_pairs: pd.DataFrame


def model_family(name: str) -> str:
    """A model's name without its settings: ``CoOccurrence(window=2)`` -> ``CoOccurrence``."""
    return name.split("(")[0]


def paired_difference_interval(
    differences: Sequence[np.ndarray], n_resamples: int = 2000, level: float = 0.95, seed: int = 0
) -> tuple[float, float, float]:
    """Mean of per-split mean differences, and its percentile bootstrap interval.

    Each split's per-pair differences are resampled on their own; the statistic weighs every
    split equally.
    """
    rng = np.random.default_rng(seed)
    means = np.zeros(n_resamples)
    for values in differences:
        values = np.asarray(values, dtype=np.float64)
        means += values[rng.integers(0, len(values), size=(n_resamples, len(values)))].mean(axis=1)
    means /= len(differences)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(np.mean([np.mean(values) for values in differences])), float(low), float(high)


def study_seeds(
    word2vec: Mapping[str, Any],
    scoring: str,
    epochs_to_run: int,
    *,
    raw: pd.DataFrame | None = None,
    split_seeds: Sequence[int] = SPLIT_SEEDS,
    model_seeds: Sequence[int] = MODEL_SEEDS,
    k: int = 10,
    workers: int = 1,
    n_test: int = N_TEST,
    n_validation: int = N_VALIDATION,
) -> SeedStudy:
    """Train the configuration once per model seed; test it and the baselines on every split.

    Parameters
    ----------
    word2vec : mapping
        Word2Vec settings (``epochs`` is the planned schedule).
    scoring : str
        The recommender's scoring (:data:`prod2vec.models.word2vec.SCORINGS`).
    epochs_to_run : int
        Epochs of the schedule to run (the epoch at which the sweep's trial peaked).
    raw : pandas.DataFrame, optional
        The raw Online Retail table (loaded if None).
    split_seeds, model_seeds : sequence of int
        The seeds to study.
    k : int
        The cut-off K.
    workers : int
        Gensim worker threads (results then vary slightly from run to run).
    n_test, n_validation : int
        The split's sizes (the protocol's by default).
    """
    prepared = [
        prepare_sessions(seed=seed, n_test=n_test, n_validation=n_validation, raw=raw)
        for seed in split_seeds
    ]
    train = prepared[0].split.train
    tuned = [
        Word2VecRecommender(
            word2vec,
            seed=seed,
            workers=workers,
            callbacks=[StopAfterEpoch(epochs_to_run)],
            label=TUNED,
            scoring=scoring,
        ).fit(train)
        for seed in model_seeds
    ]
    rows, per_pair = [], {}
    for split_seed, data in zip(split_seeds, prepared, strict=True):
        test = data.split.test
        baselines = fit_baselines(train, data.split.validation, k=k).models[2:]
        for model_seed, model in [(-1, model) for model in baselines] + list(
            zip(model_seeds, tuned, strict=True)
        ):
            metrics = pair_metrics(model, test, k=k)
            per_pair[(split_seed, model_seed, model_family(model.name))] = metrics
            rows.append(
                {"split_seed": split_seed, "model_seed": model_seed, "model": model.name}
                | metrics.mean().to_dict()
            )

    def per_split(family: str, split: int, metric: str) -> np.ndarray:
        seeds = model_seeds if family == TUNED else (-1,)
        return np.mean([per_pair[(split, seed, family)][metric] for seed in seeds], axis=0)

    differences = []
    for model, versus in ((TUNED, "CoOccurrence"), (TUNED, "SequentialRules"),
                          ("CoOccurrence", "SequentialRules")):  # fmt: skip
        for metric in (f"Recall@{k}", f"MRR@{k}"):
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
    reference_pairs = per_pair[(split_seeds[0], model_seeds[0], TUNED)]
    return SeedStudy(pd.DataFrame(rows), pd.DataFrame(differences), reference_pairs)


def summarise_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation of every metric per model family, over all seeds."""
    metrics = [column for column in scores.columns if "@" in column]
    return (
        scores.assign(model=scores["model"].map(model_family))
        .groupby("model", sort=False)[metrics]
        .agg(["mean", "std"])
    )
