"""The figures of the ``explore`` stage (notebook 05): the map of every product, and how much
of a session a recommendation should read."""

from __future__ import annotations

from collections.abc import Iterable

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from prod2vec.defaults import K
from prod2vec.evaluation.metrics import metric_label


def inside_frame(coordinates: np.ndarray) -> np.ndarray:
    """Which points fall in the frame :func:`plot_item_map` draws (the rest are its islands)."""
    low, high = central_frame(coordinates)
    return ((coordinates >= low) & (coordinates <= high)).all(axis=1)


def region_colours(regions: Iterable[int]) -> dict[int, str]:
    """The colour of every region of the product maps: ``tab20`` (more than ten regions) or
    ``tab10``, in the order of the region numbers, as ``#rrggbb``."""
    ordered = sorted({int(region) for region in regions})
    palette = plt.get_cmap("tab20" if len(ordered) > 10 else "tab10")
    return {region: to_hex(palette(place % palette.N)) for place, region in enumerate(ordered)}


def point_areas(counts: np.ndarray) -> np.ndarray:
    """The area of every item's point on the product maps (points squared): it grows with the
    logarithm of the item's purchases."""
    return 2 + 6 * np.log10(np.maximum(np.asarray(counts, dtype=float), 1))


def central_frame(coordinates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper corners of the frame: the central 98% of the points on each axis,
    widened by 8% of that span on every side."""
    low, high = np.percentile(coordinates, [1, 99], axis=0)
    margin = (high - low) * 0.08
    return low - margin, high + margin


def plot_item_map(
    coordinates: np.ndarray,
    counts: np.ndarray,
    clusters: np.ndarray,
    names: dict[int, str],
    title: str = "",
) -> Figure:
    """Every item as a point of its 2-D map, coloured by its region, sized by its purchases.

    The main panel frames the central 98% of the points on each axis (small far-off islands of
    near-identical items would otherwise shrink the rest to a blob) and names every region at
    the median of its points inside the frame, kept inside the panel; a second panel shows the
    whole map, the frame drawn on it, so the islands are seen too.

    Parameters
    ----------
    coordinates : numpy.ndarray
        ``(n_items, 2)`` map coordinates (:func:`prod2vec.explore.maps.item_map`).
    counts : numpy.ndarray
        Purchases of every item in training (the point's area grows with their logarithm).
    clusters : numpy.ndarray
        The region of every item (:func:`prod2vec.explore.maps.map_clusters`).
    names : dict of int to str
        Name by region (:func:`prod2vec.explore.maps.cluster_names`).
    title : str
        The figure's title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    low, high = central_frame(coordinates)
    inside = inside_frame(coordinates)
    regions = sorted(names)
    colours = region_colours(regions)
    point_colours = [colours.get(region, "0.5") for region in clusters]
    sizes = point_areas(counts)
    figure, (axis, whole) = plt.subplots(
        1, 2, figsize=(14, 7.5), gridspec_kw={"width_ratios": [2.6, 1]}
    )
    for panel in (axis, whole):
        panel.scatter(coordinates[:, 0], coordinates[:, 1], c=point_colours, s=sizes, alpha=0.75,
                      linewidths=0)  # fmt: skip
        panel.set(xticks=[], yticks=[])
    span = high - low
    for region in regions:
        members = coordinates[(clusters == region) & inside]
        if not len(members):
            continue
        centre = np.clip(np.median(members, axis=0), low + 0.06 * span, high - 0.04 * span)
        axis.annotate(
            names[region], centre, ha="center", fontsize=8.5, weight="bold",
            color=colours[region], annotation_clip=False,
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": colours[region], "alpha": 0.9},
        )  # fmt: skip
    axis.set(xlim=(low[0], high[0]), ylim=(low[1], high[1]), title=title)
    axis.text(0.01, 0.01, f"{int((~inside).sum())} of {len(coordinates):,} items outside the frame",
              transform=axis.transAxes, fontsize=8, color="0.4")  # fmt: skip
    whole.add_patch(plt.Rectangle(low, *span, fill=False, edgecolor="0.2", linestyle="--"))
    whole.set_title("the whole map (dashed: the frame on the left)", fontsize=9)
    figure.tight_layout()
    return figure


def plot_context_study(table: pd.DataFrame, metric: str = metric_label("recall", K)) -> Figure:
    """Validation ``metric`` against the number of recent items read, one panel per model.

    One line per weighting (the mean, and each recency decay); the last item alone is the
    first point of every line.

    Parameters
    ----------
    table : pandas.DataFrame
        A :func:`prod2vec.evaluation.context.measure_contexts` table (``model``, ``items``,
        ``weighting``, ``decay`` and the metric).
    metric : str
        The metric drawn, as the table names it.

    Returns
    -------
    matplotlib.figure.Figure
    """
    models = list(table["model"].unique())
    figure, axes = plt.subplots(1, len(models), figsize=(5.2 * len(models), 3.8), sharey=True)
    last_item = table[table["items"] == 1]
    for axis, model in zip(np.atleast_1d(axes), models, strict=True):
        rows = table[(table["model"] == model) & (table["items"] > 1)]
        start = last_item.loc[last_item["model"] == model, metric].iloc[0]
        weightings = rows.groupby(["weighting", "decay"], dropna=False, sort=False)
        for (weighting, decay), group in weightings:
            label = "mean" if weighting == "mean" else f"recency, decay {decay:g}"
            axis.plot([1, *group["items"]], [start, *group[metric]], marker="o", label=label)
        axis.set_xscale("log")
        ticks = sorted(table["items"].unique())
        axis.set_xticks(ticks, [str(tick) for tick in ticks])
        axis.set(xlabel="recent items read (the last one is the query)", title=model)
        axis.set_ylim(0, table[metric].max() * 1.1)
        axis.grid(alpha=0.3)
    np.atleast_1d(axes)[0].set_ylabel(f"validation {metric}")
    np.atleast_1d(axes)[-1].legend(loc="lower left", fontsize=8)
    figure.tight_layout()
    return figure


def plot_band_differences(
    table: pd.DataFrame, reference: str, metric: str = metric_label("recall", K)
) -> Figure:
    """Each model's paired difference from ``reference`` within each query-frequency band.

    Parameters
    ----------
    table : pandas.DataFrame
        A :func:`prod2vec.evaluation.breakdown.metrics_by_band` table.
    reference : str
        The model the table's differences are taken from (drawn as the zero line).
    metric : str
        The metric drawn, as the table names it.

    Returns
    -------
    matplotlib.figure.Figure
        Bands on the x axis (labelled with their number of pairs), the difference with its
        95% interval on the y axis, one colour per model.
    """
    rows = table[table["metric"] == metric]
    others = [model for model in rows["model"].unique() if model != reference]
    bands = list(dict.fromkeys(rows["band"]))
    pairs = rows.drop_duplicates("band").set_index("band").loc[bands, "pairs"]
    figure, axis = plt.subplots(figsize=(7.5, 3.8))
    offsets = np.linspace(-0.15, 0.15, len(others)) if len(others) > 1 else [0.0]
    for offset, model in zip(offsets, others, strict=True):
        ours = rows[rows["model"] == model].set_index("band").loc[bands]
        below = ours["difference"] - ours["difference_low"]
        above = ours["difference_high"] - ours["difference"]
        axis.errorbar(
            np.arange(len(bands)) + offset,
            ours["difference"],
            yerr=[below, above],
            fmt="o",
            capsize=4,
            label=model,
        )
    labels = [f"{band}\n({count:,} pairs)" for band, count in pairs.items()]
    axis.set_xticks(range(len(bands)), labels)
    axis.axhline(0, color="black", linewidth=1)
    axis.set(
        xlabel="training purchases of the query item", ylabel=f"test {metric} minus {reference}"
    )
    axis.grid(axis="y", alpha=0.3)
    axis.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    figure.tight_layout()
    return figure
