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
from typing import Any

import numpy as np
import pandas as pd

from prod2vec.data.integer_sessions import encode_sessions
from prod2vec.data.sessions import split_sessions
from prod2vec.defaults import STUDY_MODEL_SEEDS, STUDY_SPLIT_SEEDS, K
from prod2vec.evaluation.bootstrap import paired_difference_interval
from prod2vec.evaluation.metrics import metric_label
from prod2vec.evaluation.results import pair_metrics
from prod2vec.evaluation.selection import fit_baselines
from prod2vec.models.callbacks import StopAfterEpoch
from prod2vec.models.word2vec import Word2VecRecommender
from prod2vec.outputs.atomic import write_csv_atomic, write_json_atomic

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

    The sessions are given once, and the training sessions encoded once for the baselines:
    only the held-out pairs change with the split seed.

    Parameters
    ----------
    sessions : pandas.Series
        Every session, before any split (for Online Retail
        :func:`prod2vec.online_retail.reference_protocol.clean_sessions`).
    word2vec : mapping
        Word2Vec settings (``epochs`` is the planned schedule).
    scoring : str
        The recommender's scoring (:data:`prod2vec.models.word2vec.SCORINGS`).
    epochs_to_run : int
        Epochs of the schedule to run (the epoch at which the sweep's trial peaked).
    split_seeds, model_seeds : sequence of int
        The seeds to study.
    k : int
        The cut-off K.
    workers : int
        Gensim worker threads (results then vary slightly from run to run).
    n_test, n_validation : int
        The split's sizes.

    Returns
    -------
    SeedStudy
    """
    splits = [
        split_sessions(sessions, n_test=n_test, n_validation=n_validation, seed=seed)
        for seed in split_seeds
    ]
    train = splits[0].train
    encoded = encode_sessions(train)
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
    for split_seed, split in zip(split_seeds, splits, strict=True):
        test = split.test
        baselines = fit_baselines(encoded, split.validation, k=k).models[2:]
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
