"""Choose again among a sweep's best trials, on more Word2Vec seeds: against the winner's curse.

The best of a hundred trials, each scored on one validation set with one Word2Vec seed, won
partly by luck: its score flatters it, and a runner-up may well be better. So the top trials
are trained again with several model seeds, each for its planned schedule, and their
validation curves (Recall@K after every epoch) are averaged; the configuration and epoch with
the best mean curve win. The choice still uses the validation pairs only, never the test
pairs; what is averaged away is the luck of the model seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pandas as pd

from prod2vec.models.callbacks import MetricLogger
from prod2vec.models.word2vec import train_word2vec
from prod2vec.tune.sweep import best_configuration


def _validation_curve(
    trial_id: str,
    configuration: dict[str, Any],
    model_seed: int,
    train: Sequence[Sequence[str]],
    validation: pd.DataFrame,
    k: int,
) -> pd.DataFrame:
    metrics = MetricLogger(validation, k=k, scoring=configuration["scoring"])
    train_word2vec(train, configuration["word2vec"], callbacks=[metrics], seed=model_seed)
    return (
        metrics.history[[f"Recall@{k}", f"MRR@{k}"]]
        .reset_index()
        .assign(trial_id=trial_id, model_seed=model_seed)
    )


def rescore_finalists(
    trials: pd.DataFrame,
    train: Sequence[Sequence[str]],
    validation: pd.DataFrame,
    *,
    top: int = 5,
    model_seeds: Sequence[int] = (0, 1, 2),
    k: int = 10,
    processes: int = 1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validation curves of the ``top`` trials over ``model_seeds``, and their summary.

    Parameters
    ----------
    trials : pandas.DataFrame
        A sweep's trial table (:func:`prod2vec.tune.sweep.trial_table`), best first.
    train, validation
        The training sessions and the validation pairs the sweep used.
    top : int
        How many of the best trials to train again.
    model_seeds : sequence of int
        Word2Vec seeds; each training uses one worker thread, so it is reproducible.
    k : int
        The cut-off K.
    processes : int
        Trainings run at once, in separate processes.

    Returns
    -------
    tuple of (pandas.DataFrame, pandas.DataFrame)
        ``curves``: one row per (trial, model seed, epoch) with Recall@K and MRR@K.
        ``finalists``: one row per trial, best mean curve first: ``trial_id``, the sweep's
        ``sweep_recall_at_k``, ``mean_recall_at_k`` and ``mean_mrr_at_k`` at ``best_epoch``
        (the epoch of the best mean Recall@K), and ``seed_std_recall_at_k`` there.
    """
    if top < 1 or not model_seeds:
        raise ValueError("Need top >= 1 and at least one model seed.")
    chosen = trials.head(top)
    jobs = [
        (row.trial_id, best_configuration(chosen.loc[[index]], k), seed)
        for index, row in chosen.iterrows()
        for seed in model_seeds
    ]
    with ProcessPoolExecutor(max_workers=processes) as pool:
        futures = [
            pool.submit(_validation_curve, trial_id, configuration, seed, train, validation, k)
            for trial_id, configuration, seed in jobs
        ]
        curves = pd.concat([future.result() for future in futures], ignore_index=True)
    recall, mrr = f"Recall@{k}", f"MRR@{k}"
    mean = curves.groupby(["trial_id", "epoch"])[[recall, mrr]].mean()
    spread = curves.groupby(["trial_id", "epoch"])[recall].std(ddof=1)
    rows = []
    for trial_id, row in chosen.set_index("trial_id").iterrows():
        curve = mean.loc[trial_id]
        epoch = int(curve[recall].idxmax())
        rows.append(
            {
                "trial_id": trial_id,
                f"sweep_recall_at_{k}": float(row[f"best_recall_at_{k}"]),
                "best_epoch": epoch,
                f"mean_recall_at_{k}": float(curve.loc[epoch, recall]),
                f"mean_mrr_at_{k}": float(curve.loc[epoch, mrr]),
                f"seed_std_recall_at_{k}": float(spread.loc[(trial_id, epoch)]),
            }
        )
    finalists = pd.DataFrame(rows).sort_values(
        [f"mean_recall_at_{k}", f"mean_mrr_at_{k}"], ascending=False, ignore_index=True
    )
    return curves, finalists


def finalist_configuration(
    trials: pd.DataFrame, finalists: pd.DataFrame, k: int = 10
) -> dict[str, Any]:
    """The winning finalist as a ``best.json`` configuration, with its mean validation scores."""
    winner = finalists.iloc[0]
    configuration = best_configuration(trials[trials["trial_id"] == winner["trial_id"]], k)
    return {
        **configuration,
        "best_epoch": int(winner["best_epoch"]),
        f"validation_recall_at_{k}": float(winner[f"mean_recall_at_{k}"]),
        f"validation_mrr_at_{k}": float(winner[f"mean_mrr_at_{k}"]),
    }
