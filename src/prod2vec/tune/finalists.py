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
from dataclasses import replace
from pathlib import Path

import pandas as pd

from prod2vec.configuration import SEARCHED, Configuration
from prod2vec.defaults import K
from prod2vec.errors import ConfigurationError, ProjectFileError
from prod2vec.evaluation.metrics import metric_key, metric_label
from prod2vec.models.callbacks import MetricLogger
from prod2vec.models.word2vec import train_word2vec
from prod2vec.outputs.atomic import write_csv_atomic


def read_trials(path: str | Path, k: int = K) -> pd.DataFrame:
    """A sweep's trial table (``trials.csv``), best validation Recall@K first.

    Parameters
    ----------
    path : str or Path
        A ``trials.csv`` written by ``python -m prod2vec tune``
        (:func:`prod2vec.tune.sweep.write_sweep`).
    k : int
        The cut-off K of its metrics.

    Returns
    -------
    pandas.DataFrame
        One row per trial, ``trial_id`` as text (``00001`` stays ``00001``).

    Raises
    ------
    ProjectFileError
        Nothing at ``path``.
    ConfigurationError
        Not a CSV, or a CSV without the columns of a trial table (the message names them).
    """
    path = Path(path)
    fix = "give a trials.csv written by `python -m prod2vec tune` (such as data/hpo/asha/)"
    if not path.is_file():
        raise ProjectFileError(f"No trial table at {path}: {fix}.")
    try:
        trials = pd.read_csv(path, dtype={"trial_id": str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise ConfigurationError(f"{path} is not a trials.csv ({error}): {fix}.") from None
    best_recall = metric_key("recall", k, prefix="best")
    required = ["trial_id", *SEARCHED, "scoring", "best_epoch", best_recall]
    missing = [name for name in required if name not in trials.columns]
    if missing:
        raise ConfigurationError(f"{path} is not a trials.csv: it lacks columns {missing}; {fix}.")
    return trials.sort_values(best_recall, ascending=False, ignore_index=True)


def _validation_curve(
    trial_id: str,
    configuration: Configuration,
    model_seed: int,
    train: Sequence[Sequence[str]],
    validation: pd.DataFrame,
    k: int,
) -> pd.DataFrame:
    metrics = MetricLogger(validation, k=k, scoring=configuration.scoring)
    train_word2vec(train, configuration.word2vec, callbacks=[metrics], seed=model_seed)
    return (
        metrics.history[[metric_label("recall", k), metric_label("mrr", k)]]
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
    k: int = K,
    processes: int = 1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validation curves of the ``top`` trials over ``model_seeds``, and their summary.

    Parameters
    ----------
    trials : pandas.DataFrame
        A sweep's trial table, best first (:func:`read_trials`,
        :func:`prod2vec.tune.sweep.trial_table`).
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
        (row["trial_id"], Configuration.from_trial_row(row.to_dict(), k), seed)
        for _, row in chosen.iterrows()
        for seed in model_seeds
    ]
    with ProcessPoolExecutor(max_workers=processes) as pool:
        futures = [
            pool.submit(_validation_curve, trial_id, configuration, seed, train, validation, k)
            for trial_id, configuration, seed in jobs
        ]
        curves = pd.concat([future.result() for future in futures], ignore_index=True)
    recall, mrr = metric_label("recall", k), metric_label("mrr", k)
    mean_recall, mean_mrr = (metric_key(name, k, prefix="mean") for name in ("recall", "mrr"))
    mean = curves.groupby(["trial_id", "epoch"])[[recall, mrr]].mean()
    spread = curves.groupby(["trial_id", "epoch"])[recall].std(ddof=1)
    rows = []
    for trial_id, row in chosen.set_index("trial_id").iterrows():
        curve = mean.loc[trial_id]
        epoch = int(curve[recall].idxmax())
        rows.append(
            {
                "trial_id": trial_id,
                metric_key("recall", k, prefix="sweep"): float(
                    row[metric_key("recall", k, prefix="best")]
                ),
                "best_epoch": epoch,
                mean_recall: float(curve.loc[epoch, recall]),
                mean_mrr: float(curve.loc[epoch, mrr]),
                metric_key("recall", k, prefix="seed_std"): float(spread.loc[(trial_id, epoch)]),
            }
        )
    finalists = pd.DataFrame(rows).sort_values(
        [mean_recall, mean_mrr], ascending=False, ignore_index=True
    )
    return curves, finalists


def finalist_configuration(
    trials: pd.DataFrame, finalists: pd.DataFrame, k: int = K
) -> Configuration:
    """The winning finalist's configuration, with its best mean epoch and validation scores.

    Parameters
    ----------
    trials : pandas.DataFrame
        The sweep's trial table the finalists came from.
    finalists : pandas.DataFrame
        The summary of :func:`rescore_finalists`, best first.
    k : int
        The cut-off K.

    Returns
    -------
    Configuration
        The winner's trial (:meth:`~prod2vec.configuration.Configuration.from_trial_row`),
        with ``best_epoch`` the epoch of its best mean validation Recall@K and ``validation``
        the mean Recall@K and MRR@K there; no provenance yet.

    Raises
    ------
    ConfigurationError
        The winner is not a trial of ``trials``.
    """
    winner = finalists.iloc[0]
    rows = trials[trials["trial_id"] == winner["trial_id"]]
    if rows.empty:
        raise ConfigurationError(
            f"The winning finalist {winner['trial_id']!r} is not in the trial table: give the "
            "trials.csv the finalists were chosen from."
        )
    configuration = Configuration.from_trial_row(rows.iloc[0].to_dict(), k)
    return replace(
        configuration,
        best_epoch=int(winner["best_epoch"]),
        validation={
            metric_key(name, k): float(winner[metric_key(name, k, prefix="mean")])
            for name in ("recall", "mrr")
        },
    )


def write_finalists(
    curves: pd.DataFrame,
    finalists: pd.DataFrame,
    configuration: Configuration,
    folder: str | Path,
) -> dict[str, Path]:
    """Write ``curves.csv``, ``finalists.csv`` and ``best.json``, each atomically.

    Parameters
    ----------
    curves, finalists : pandas.DataFrame
        The tables of :func:`rescore_finalists`.
    configuration : Configuration
        The chosen configuration (:func:`finalist_configuration`, with its provenance).
    folder : str or Path
        Where to write; created if missing, the three files replaced.

    Returns
    -------
    dict of str to Path
        The files written, by name: ``curves``, ``finalists`` and ``best``.
    """
    folder = Path(folder)
    return {
        "curves": write_csv_atomic(curves, folder / "curves.csv"),
        "finalists": write_csv_atomic(finalists, folder / "finalists.csv"),
        "best": configuration.save(folder / "best.json"),
    }
