"""Figures the notebooks show, and saving them to ``images/`` for the README."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from prod2vec.outputs.atomic import atomic_path
from prod2vec.paths import images_dir


def save_figure(figure: Figure, name: str, folder: str | Path | None = None) -> Path:
    """Save ``figure`` as ``<folder>/<name>.png`` (default: the project's ``images/``)."""
    path = Path(folder or images_dir()) / f"{name}.png"
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=110, bbox_inches="tight")
    return path


def plot_item_popularity(sessions: Sequence[Sequence[str]], title: str = "") -> Figure:
    """Rank-frequency plot of items on log-log axes, with the share of tokens in the top items."""
    counts = pd.Series([item for session in sessions for item in session]).value_counts()
    ranks = np.arange(1, len(counts) + 1)
    share = counts.cumsum() / counts.sum()
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
    left.loglog(ranks, counts.to_numpy(), color="tab:blue")
    left.set(xlabel="item rank", ylabel="purchases (log)", title="Item popularity")
    right.plot(ranks / len(ranks) * 100, share.to_numpy() * 100, color="tab:orange")
    for top in (0.05, 0.2):
        covered = share.iloc[int(top * len(ranks)) - 1] * 100
        right.axvline(top * 100, color="grey", lw=0.8, ls=":")
        right.annotate(
            f"top {top:.0%} of items:\n{covered:.0f}% of purchases",
            (top * 100, covered),
            xytext=(8, -28),
            textcoords="offset points",
        )
    right.set(
        xlabel="% of items (most popular first)",
        ylabel="% of purchases",
        title="Cumulative share",
    )
    figure.suptitle(title)
    figure.tight_layout()
    return figure


def plot_session_lengths(lengths: dict[str, pd.Series]) -> Figure:
    """Histograms of session length on a log x axis, one per named set of sessions."""
    figure, axis = plt.subplots(figsize=(8, 3.8))
    shortest = min(int(series.min()) for series in lengths.values())
    longest = max(int(series.max()) for series in lengths.values())
    bins = np.unique(np.geomspace(shortest, longest + 1, 40).astype(int))
    for label, series in lengths.items():
        axis.hist(
            series,
            bins=bins,
            histtype="step",
            lw=1.8,
            label=f"{label} (median {series.median():.0f})",
        )
    axis.set_xscale("log")
    axis.set(xlabel="items per session (log)", ylabel="sessions", title="Session length")
    axis.legend()
    figure.tight_layout()
    return figure


def plot_results(results: pd.DataFrame, title: str = "") -> Figure:
    """Bars of every model's metrics with their confidence intervals (a tidy results table)."""
    metrics = list(results["metric"].unique())
    models = list(results["model"].unique())
    figure, axes = plt.subplots(
        1, len(metrics), figsize=(5.2 * len(metrics), 0.5 * len(models) + 1.6)
    )
    for axis, metric in zip(np.atleast_1d(axes), metrics, strict=True):
        rows = results[results["metric"] == metric].set_index("model").loc[models]
        errors = [rows["value"] - rows["ci_low"], rows["ci_high"] - rows["value"]]
        positions = np.arange(len(models))[::-1]
        axis.barh(positions, rows["value"], xerr=errors, color="tab:blue", alpha=0.8, capsize=3)
        for position, value in zip(positions, rows["value"], strict=True):
            axis.annotate(
                f"{value:.3f}",
                (value, position),
                xytext=(4, 4),
                textcoords="offset points",
                fontsize=8,
            )
        axis.set_yticks(positions, models if axis is np.atleast_1d(axes)[0] else [""] * len(models))
        axis.set(xlabel=f"{metric} (95% bootstrap CI)", title=metric)
        axis.grid(axis="x", alpha=0.3)
    figure.suptitle(title)
    figure.tight_layout()
    return figure


def plot_window_sweep(sweep: pd.DataFrame, metric: str = "Recall@10") -> Figure:
    """Validation ``metric`` against the window size, one line per model family."""
    rows = sweep[sweep["metric"] == metric].copy()
    rows["window"] = rows["model"].str.extract(r"window=(\d+)")[0].astype(int)
    figure, axis = plt.subplots(figsize=(7, 3.6))
    families = rows.groupby("family", sort=False)
    shifts = np.linspace(0.96, 1.04, families.ngroups)
    for shift, (family, group) in zip(shifts, families, strict=True):
        axis.errorbar(
            group["window"] * shift,  # side by side, so the error bars do not overlap
            group["value"],
            yerr=[group["value"] - group["ci_low"], group["ci_high"] - group["value"]],
            marker="o",
            capsize=3,
            label=family,
        )
    axis.set_xscale("log")
    axis.set_xticks(
        sorted(rows["window"].unique()), [str(w) for w in sorted(rows["window"].unique())]
    )
    axis.set(
        xlabel="window (positions)", ylabel=f"validation {metric}", title="Choosing the window"
    )
    axis.legend(loc="upper right")
    figure.tight_layout()
    return figure


def plot_training_history(
    history: pd.DataFrame,
    metric: str = "Recall@10",
    best_epoch: int | None = None,
    stopped_epoch: int | None = None,
) -> Figure:
    """Validation metric, training loss and learning rate per epoch, best and stop marked."""
    panels = [column for column in (metric, "loss", "alpha") if column in history]
    labels = {metric: f"validation {metric}", "loss": "training loss", "alpha": "learning rate"}
    figure, axes = plt.subplots(1, len(panels), figsize=(4.3 * len(panels), 3.4))
    for axis, column in zip(np.atleast_1d(axes), panels, strict=True):
        axis.plot(history.index, history[column], marker="o", ms=3)
        if best_epoch is not None:
            axis.axvline(
                best_epoch, color="tab:green", ls="--", lw=1, label=f"best (epoch {best_epoch})"
            )
        if stopped_epoch is not None:
            axis.axvline(
                stopped_epoch,
                color="tab:red",
                ls=":",
                lw=1,
                label=f"stopped (epoch {stopped_epoch})",
            )
        axis.set(xlabel="epoch", title=labels[column])
        axis.grid(alpha=0.3)
    if best_epoch is not None or stopped_epoch is not None:
        np.atleast_1d(axes)[0].legend(loc="lower right")
    figure.tight_layout()
    return figure


def plot_learning_curves(epochs: pd.DataFrame, trials: pd.DataFrame, k: int = 10) -> Figure:
    """Validation Recall@K against epoch for every trial of a sweep; stopped trials in grey."""
    recall = f"recall_at_{k}"
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
    axis.set(xlabel="epoch", ylabel=f"validation Recall@{k}", title="Every trial of the sweep")
    axis.grid(alpha=0.3)
    axis.legend(loc="lower right")
    figure.tight_layout()
    return figure


def plot_hyperparameter_maps(
    trials: pd.DataFrame, marks: dict[str, dict[str, float]], k: int = 10, bins: int = 6
) -> Figure:
    """Mean best validation Recall@K over pairs of hyperparameters, with configurations marked.

    The original tutorial's three views: negative vs ns_exponent, window vs ns_exponent and
    window vs negative. Each cell is the mean over the trials that fall in it (empty: blank).
    """
    recall = f"best_recall_at_{k}"
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
    figure.colorbar(image, ax=axes, label=f"mean best validation Recall@{k}")
    return figure


def plot_budget(trials: pd.DataFrame, front: pd.DataFrame, k: int = 10) -> Figure:
    """Best validation Recall@K against the CPU seconds each trial cost, Pareto front joined."""
    recall = f"best_recall_at_{k}"
    figure, axis = plt.subplots(figsize=(8, 4))
    for scoring, group in trials.groupby("scoring"):
        axis.scatter(group["cpu_seconds"], group[recall], s=18, alpha=0.7, label=scoring)
    axis.step(front["cpu_seconds"], front[recall], where="post", color="black", lw=1,
              label="Pareto front")  # fmt: skip
    axis.set_xscale("log")
    axis.set(
        xlabel="CPU seconds the trial cost (log)",
        ylabel=f"best validation Recall@{k}",
        title="What each configuration cost, and what it reached",
    )
    axis.grid(alpha=0.3)
    axis.legend(loc="lower right")
    figure.tight_layout()
    return figure


def plot_item_map(
    coordinates: np.ndarray,
    counts: np.ndarray,
    clusters: np.ndarray,
    names: dict[int, str],
    title: str = "",
) -> Figure:
    """Every item as a point of its 2-D map, coloured by log purchase count, clusters named.

    The frame holds the central 98% of the points on each axis (small far-off islands of
    near-identical items would otherwise shrink the rest to a blob); how many points fall
    outside is written in the corner.
    """
    low, high = np.percentile(coordinates, [1, 99], axis=0)
    margin = (high - low) * 0.08
    low, high = low - margin, high + margin
    outside = int((~((coordinates >= low) & (coordinates <= high)).all(axis=1)).sum())
    figure, axis = plt.subplots(figsize=(10, 8))
    points = axis.scatter(
        coordinates[:, 0], coordinates[:, 1], c=np.log10(np.maximum(counts, 1)), s=6,
        cmap="viridis", alpha=0.8, linewidths=0,
    )  # fmt: skip
    figure.colorbar(points, ax=axis, label="log10 purchases in training", shrink=0.7)
    for cluster, name in names.items():
        centre = np.median(coordinates[clusters == cluster], axis=0)
        if ((centre >= low) & (centre <= high)).all():
            axis.annotate(
                name, centre, ha="center", fontsize=8.5, weight="bold",
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "0.6", "alpha": 0.85},
            )  # fmt: skip
    axis.set(xlim=(low[0], high[0]), ylim=(low[1], high[1]), xticks=[], yticks=[], title=title)
    axis.text(0.01, 0.01, f"{outside} of {len(coordinates):,} items outside the frame",
              transform=axis.transAxes, fontsize=8, color="0.4")  # fmt: skip
    figure.tight_layout()
    return figure
