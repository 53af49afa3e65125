"""The figures of a sweep (notebook 04): learning curves, hyperparameter maps, the budget view."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from prod2vec.defaults import K
from prod2vec.evaluation.metrics import metric_key, metric_label


def plot_learning_curves(epochs: pd.DataFrame, trials: pd.DataFrame, k: int = K) -> Figure:
    """Validation Recall@K against epoch for every trial of a sweep; stopped trials in grey.

    Parameters
    ----------
    epochs : pandas.DataFrame
        One row per trial and epoch: ``trial_id``, ``epoch`` and ``recall_at_K``.
    trials : pandas.DataFrame
        One row per trial: ``trial_id`` and ``stopped_early``.
    k : int
        The cut-off of the recall drawn.

    Returns
    -------
    matplotlib.figure.Figure
    """
    recall = metric_key("recall", k)
    stopped = set(trials.loc[trials["stopped_early"], "trial_id"])
    figure, axis = plt.subplots(figsize=(8, 4))
    for trial_id, history in epochs.groupby("trial_id"):
        early = trial_id in stopped
        axis.plot(
            history["epoch"],
            history[recall],
            color="0.75" if early else "tab:blue",
            lw=0.8 if early else 1.4,
            alpha=0.8,
            zorder=1 if early else 2,
        )
    axis.plot([], [], color="0.75", label=f"stopped by ASHA ({len(stopped)})")
    axis.plot([], [], color="tab:blue", label=f"ran to the end ({len(trials) - len(stopped)})")
    axis.set(
        xlabel="epoch",
        ylabel=f"validation {metric_label('recall', k)}",
        title="Every trial of the sweep",
    )
    axis.grid(alpha=0.3)
    axis.legend(loc="lower right")
    figure.tight_layout()
    return figure


def plot_hyperparameter_maps(
    trials: pd.DataFrame, marks: dict[str, dict[str, float]], k: int = K, bins: int = 6
) -> Figure:
    """Mean best validation Recall@K over pairs of hyperparameters, with configurations marked.

    The original tutorial's three views: negative vs ns_exponent, window vs ns_exponent and
    window vs negative. Each cell is the mean over the trials that fall in it (empty: blank).

    Parameters
    ----------
    trials : pandas.DataFrame
        One row per trial: ``ns_exponent``, ``negative``, ``window`` and ``best_recall_at_K``.
    marks : dict of str to dict
        Configurations to mark (at most two), by legend label.
    k : int
        The cut-off of the recall drawn.
    bins : int
        Cells per axis.

    Returns
    -------
    matplotlib.figure.Figure
    """
    recall = metric_key("recall", k, prefix="best")
    pairs = [("ns_exponent", "negative"), ("ns_exponent", "window"), ("negative", "window")]
    figure, axes = plt.subplots(1, 3, figsize=(14, 4))
    values = trials[recall]
    for axis, (x, y) in zip(axes, pairs, strict=True):
        x_edges = np.linspace(trials[x].min(), trials[x].max(), bins + 1)
        y_edges = np.linspace(trials[y].min(), trials[y].max(), bins + 1)
        sums, _, _ = np.histogram2d(trials[x], trials[y], [x_edges, y_edges], weights=values)
        counts, _, _ = np.histogram2d(trials[x], trials[y], [x_edges, y_edges])
        with np.errstate(invalid="ignore"):
            means = sums / counts
        image = axis.pcolormesh(
            x_edges, y_edges, means.T, cmap="viridis", vmin=values.min(), vmax=values.max()
        )
        for (label, config), marker in zip(marks.items(), ("X", "*"), strict=False):
            axis.scatter(
                config[x], config[y], marker=marker, s=160, color="tab:red", edgecolor="white",
                label=label,
            )  # fmt: skip
        axis.set(xlabel=x, ylabel=y)
    axes[0].legend(loc="upper left", fontsize=8)
    figure.colorbar(image, ax=axes, label=f"mean best validation {metric_label('recall', k)}")
    return figure


def plot_budget(trials: pd.DataFrame, front: pd.DataFrame, k: int = K) -> Figure:
    """Best validation Recall@K against the CPU seconds each trial cost, Pareto front joined.

    Parameters
    ----------
    trials : pandas.DataFrame
        One row per trial: ``scoring``, ``cpu_seconds`` and ``best_recall_at_K``.
    front : pandas.DataFrame
        The Pareto front's trials, by increasing cost (same columns).
    k : int
        The cut-off of the recall drawn.

    Returns
    -------
    matplotlib.figure.Figure
    """
    recall = metric_key("recall", k, prefix="best")
    figure, axis = plt.subplots(figsize=(8, 4))
    for scoring, group in trials.groupby("scoring"):
        axis.scatter(group["cpu_seconds"], group[recall], s=18, alpha=0.7, label=scoring)
    axis.step(front["cpu_seconds"], front[recall], where="post", color="black", lw=1,
              label="Pareto front")  # fmt: skip
    axis.set_xscale("log")
    axis.set(
        xlabel="CPU seconds the trial cost (log)",
        ylabel=f"best validation {metric_label('recall', k)}",
        title="What each configuration cost, and what it reached",
    )
    axis.grid(alpha=0.3)
    axis.legend(loc="lower right")
    figure.tight_layout()
    return figure
