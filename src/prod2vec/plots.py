"""Figures of notebooks 01-03, and saving any figure to ``images/`` for the README.

The figures of a stage live with it: :mod:`prod2vec.tune.plots`, :mod:`prod2vec.explore.plots`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from prod2vec.defaults import K
from prod2vec.evaluation.metrics import metric_label
from prod2vec.outputs.atomic import atomic_path
from prod2vec.paths import images_dir


def save_figure(figure: Figure, name: str, folder: str | Path | None = None) -> Path:
    """Save ``figure`` as ``<folder>/<name>.png`` (default: the project's ``images/``).

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure to save (110 dpi, tight bounding box).
    name : str
        The file's name, without ``.png``.
    folder : str or pathlib.Path, optional
        Where to save it; the project's ``images/`` by default.

    Returns
    -------
    pathlib.Path
        The PNG written (atomically: a reader never sees half a file).
    """
    path = Path(folder or images_dir()) / f"{name}.png"
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=110, bbox_inches="tight")
    return path


def plot_item_popularity(sessions: Sequence[Sequence[str]], title: str = "") -> Figure:
    """Rank-frequency plot of items on log-log axes, with the share of tokens in the top items.

    Parameters
    ----------
    sessions : sequence of sequences of str
        Sessions of item ids; every occurrence counts as a purchase.
    title : str
        The figure's title.

    Returns
    -------
    matplotlib.figure.Figure
    """
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
    """Histograms of session length on a log x axis, one per named set of sessions.

    Parameters
    ----------
    lengths : dict of str to pandas.Series
        Session lengths by legend label.

    Returns
    -------
    matplotlib.figure.Figure
    """
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


#: the family of a model in the results bars, by how its name starts; families are drawn in
#: this order, each in its own colour, models of one family together
FAMILIES: tuple[tuple[str, str], ...] = (
    ("MostPopular", "popularity"),
    ("AssociationRules", "counting"),
    ("CoOccurrence", "counting"),
    ("SequentialRules", "counting"),
    ("PMI", "embedding of counts"),
    ("Word2Vec", "Word2Vec"),
)
OTHER_FAMILY = "other"


def result_family(model: str) -> str:
    """The family :func:`plot_results` groups ``model`` under (:data:`FAMILIES`)."""
    return next((family for start, family in FAMILIES if model.startswith(start)), OTHER_FAMILY)


def plot_results(results: pd.DataFrame, title: str = "") -> Figure:
    """Bars of every model's metrics with their confidence intervals (a tidy results table).

    Parameters
    ----------
    results : pandas.DataFrame
        One row per model and metric: ``model``, ``metric``, ``value``, ``ci_low``, ``ci_high``.
    title : str
        The figure's title.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per metric, one bar per model, top down grouped by family
        (:func:`result_family`, in the order of :data:`FAMILIES`, the table's order within a
        family), a colour per family and a gap between families; the legend sits below.
    """
    metrics = list(results["metric"].unique())
    in_table = list(results["model"].unique())
    order = [family for _, family in FAMILIES] + [OTHER_FAMILY]
    models = sorted(in_table, key=lambda model: order.index(result_family(model)))
    families = [result_family(model) for model in models]
    gaps = np.cumsum([0] + [int(a != b) for a, b in zip(families, families[1:], strict=False)])
    positions = -(np.arange(len(models)) + 0.6 * gaps)
    palette = dict(zip(dict.fromkeys(families), plt.get_cmap("tab10").colors, strict=False))
    figure, axes = plt.subplots(
        1,
        len(metrics),
        figsize=(5.2 * len(metrics), 0.45 * len(models) + 0.3 * gaps[-1] + 1.9),
        layout="constrained",
    )
    for axis, metric in zip(np.atleast_1d(axes), metrics, strict=True):
        rows = results[results["metric"] == metric].set_index("model").loc[models]
        errors = [rows["value"] - rows["ci_low"], rows["ci_high"] - rows["value"]]
        axis.barh(
            positions,
            rows["value"],
            xerr=errors,
            color=[palette[family] for family in families],
            alpha=0.85,
            capsize=3,
        )
        for position, value in zip(positions, rows["value"], strict=True):
            axis.annotate(
                f"{value:.3f}",
                (value, position),
                xytext=(4, 4),
                textcoords="offset points",
                fontsize=8,
            )
        axis.set_yticks(positions, models if axis is np.atleast_1d(axes)[0] else [""] * len(models))
        axis.set(xlabel=f"{metric} (bars: 95% bootstrap interval)", title=metric)
        axis.set_xlim(left=0)
        axis.grid(axis="x", alpha=0.3)
    handles = [plt.Rectangle((0, 0), 1, 1, color=color, alpha=0.85) for color in palette.values()]
    figure.legend(handles, list(palette), loc="outside lower center", ncols=len(palette))
    figure.suptitle(title)
    return figure


def plot_window_sweep(sweep: pd.DataFrame, metric: str = metric_label("recall", K)) -> Figure:
    """Validation ``metric`` against the window size, one line per model family.

    Parameters
    ----------
    sweep : pandas.DataFrame
        A results table (as :func:`plot_results`) with a ``family`` column, the window in
        every model's name (``CoOccurrence(window=5)``).
    metric : str
        The metric drawn, as the table names it.

    Returns
    -------
    matplotlib.figure.Figure
    """
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
    axis.legend(loc="upper left", bbox_to_anchor=(1.01, 1))  # beside, not on, the intervals
    figure.tight_layout()
    return figure


def plot_training_history(
    history: pd.DataFrame,
    metric: str = metric_label("recall", K),
    best_epoch: int | None = None,
    stopped_epoch: int | None = None,
) -> Figure:
    """Validation metric, training loss and learning rate per epoch, best and stop marked.

    Parameters
    ----------
    history : pandas.DataFrame
        Indexed by epoch; a panel for each of ``metric``, ``loss`` and ``alpha`` it has.
    metric : str
        The validation metric's column.
    best_epoch, stopped_epoch : int, optional
        Epochs to mark with a vertical line.

    Returns
    -------
    matplotlib.figure.Figure
    """
    panels = [column for column in (metric, "loss", "alpha") if column in history]
    labels = {metric: f"validation {metric}", "loss": "training loss", "alpha": "learning rate"}
    figure, axes = plt.subplots(
        1, len(panels), figsize=(4.3 * len(panels), 3.6), layout="constrained"
    )
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
        axis.set(xlabel="epoch", ylabel=labels[column])
        axis.set_ylim(bottom=0)  # a curve read against zero: no truncated axis exaggerates it
        axis.grid(alpha=0.3)
    if best_epoch is not None or stopped_epoch is not None:
        figure.legend(
            *np.atleast_1d(axes)[0].get_legend_handles_labels(), loc="outside lower center", ncols=2
        )
    return figure
