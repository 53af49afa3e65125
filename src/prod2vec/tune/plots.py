"""The figures of a sweep (notebook 04): learning curves, each setting against the recall, the
budget view."""

from __future__ import annotations

import matplotlib.pyplot as plt
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


#: the searched settings drawn one panel each, and those drawn on a log scale
HYPERPARAMETERS = ("sample", "alpha", "ns_exponent", "window", "negative", "vector_size", "epochs")
LOG_SCALED = frozenset({"sample", "alpha"})


def plot_hyperparameter_panels(trials: pd.DataFrame, marks: dict[str, str], k: int = K) -> Figure:
    """Each trial's best validation Recall@K against each searched setting, one panel each.

    Every trial is a point in every panel, coloured by its scoring; a trial ASHA stopped is
    hollow (its value is the best it reached before the stop). Each panel's title gives the
    Spearman rank correlation between the setting and the recall over all trials.

    Parameters
    ----------
    trials : pandas.DataFrame
        One row per trial: ``trial_id``, ``scoring``, ``stopped_early``, the settings of
        :data:`HYPERPARAMETERS` and ``best_recall_at_K``.
    marks : dict of str to str
        Trials to mark with a star, legend label -> ``trial_id``.
    k : int
        The cut-off of the recall drawn.

    Returns
    -------
    matplotlib.figure.Figure
    """
    recall = metric_key("recall", k, prefix="best")
    figure, axes = plt.subplots(2, 4, figsize=(15, 6.6), sharey=True)
    panels = axes.ravel()
    scorings = sorted(trials["scoring"].unique())
    colours = dict(zip(scorings, ("tab:blue", "tab:orange", "tab:green"), strict=False))
    for axis, name in zip(panels, HYPERPARAMETERS, strict=False):
        for scoring in scorings:
            for stopped in (False, True):
                rows = trials[(trials["scoring"] == scoring) & (trials["stopped_early"] == stopped)]
                axis.scatter(
                    rows[name],
                    rows[recall],
                    s=20,
                    facecolors="none" if stopped else colours[scoring],
                    edgecolors=colours[scoring],
                    alpha=0.8,
                )
        for trial_id, marker in zip(marks.values(), ("*", "X"), strict=False):
            marked = trials[trials["trial_id"] == trial_id]
            axis.scatter(marked[name], marked[recall], marker=marker, s=220, color="tab:red",
                         edgecolor="black", zorder=3)  # fmt: skip
        if name in LOG_SCALED:
            axis.set_xscale("log")
        rho = trials[name].corr(trials[recall], method="spearman")
        axis.set(xlabel=name + (" (log)" if name in LOG_SCALED else ""),
                 title=f"Spearman {rho:+.2f}")  # fmt: skip
        axis.grid(alpha=0.3)
    for axis in axes[:, 0]:
        axis.set_ylabel(f"best validation {metric_label('recall', k)}")
    legend_axis = panels[-1]
    legend_axis.axis("off")
    for scoring in scorings:
        count = int((trials["scoring"] == scoring).sum())
        legend_axis.scatter([], [], color=colours[scoring], label=f"{scoring} ({count} trials)")
    legend_axis.scatter([], [], facecolors="none", edgecolors="0.3", label="stopped by ASHA")
    for (label, _), marker in zip(marks.items(), ("*", "X"), strict=False):
        legend_axis.scatter([], [], marker=marker, s=160, color="tab:red", edgecolor="black",
                            label=label)  # fmt: skip
    legend_axis.legend(loc="center left", frameon=False)
    figure.tight_layout()
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
