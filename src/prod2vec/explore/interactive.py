"""The product map of :func:`prod2vec.explore.plots.plot_item_map`, as a page element to hover.

:func:`map_html` writes the map as one HTML fragment holding an inline SVG: every item a
``<circle>`` whose ``<title>`` child the browser shows as a tooltip (the item, its label, its
region and its purchases), coloured by region with the static map's colours
(:func:`region_colours`) and sized the same way, with a legend of the regions below. No script,
no font and no request: it works offline, in JupyterLab, VS Code and the rendered site alike.

JupyterLab sanitises the HTML of a notebook it does not trust (one opened from disk rather than
run) and removes SVG, which would leave every tooltip's text on the page. The map is therefore
``hidden`` unless its own stylesheet, which only a trusted output keeps, shows it; until then a
short note says to run the cell.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import numpy as np

from prod2vec.explore.plots import central_frame, inside_frame, point_areas, region_colours

#: the share of the width (and of the height) given to each side's far-off islands
ISLAND_BAND = 0.05
#: room around the drawing, in pixels, so that no circle is cut at the edge
PADDING = 6.0

STYLE = (
    ".p2v-map .p2v-figure{display:block!important}"
    ".p2v-map .p2v-note{display:none}"
    ".p2v-figure>svg{display:block;width:100%;height:auto}"
    ".p2v-map circle:hover{stroke:currentColor;stroke-width:1.5;fill-opacity:1}"
    ".p2v-legend{display:flex;flex-wrap:wrap;gap:.2em 1.2em;font-size:.8em;margin:.4em 0}"
    ".p2v-legend span{white-space:nowrap}"
    ".p2v-legend svg{display:inline;width:.8em;height:.8em;margin-right:.3em}"
    ".p2v-caption{font-size:.75em;opacity:.7;margin:0}"
)


def point_radii(counts: np.ndarray) -> np.ndarray:
    """Circle radii in pixels whose areas grow as the static map's points do
    (:func:`~prod2vec.explore.plots.point_areas`)."""
    return 0.75 * np.sqrt(point_areas(counts))


def _squeeze(
    values: np.ndarray, extent: np.ndarray, low: float, high: float, start: float, end: float
) -> np.ndarray:
    """Place ``values`` on ``[start, end]``: ``[low, high]`` linearly on most of it, and what
    lies beyond, up to the ``extent`` of all the points, on a band of :data:`ISLAND_BAND` at
    that side (a band only where some point lies beyond)."""
    smallest, largest = extent.min(), extent.max()
    below, above = smallest < low, largest > high
    band = ISLAND_BAND * (end - start)
    inner_start, inner_end = start + band * below, end - band * above
    positions = inner_start + (values - low) / (high - low) * (inner_end - inner_start)
    if below:
        share = (low - values) / (low - smallest)
        positions = np.where(values < low, inner_start - share * band, positions)
    if above:
        share = (values - high) / (largest - high)
        positions = np.where(values > high, inner_end + share * band, positions)
    return positions


def _pixels(
    points: np.ndarray,
    coordinates: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    width: float,
    height: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Pixel positions of ``points`` on the drawing of ``coordinates`` framed by ``low, high``."""
    x = _squeeze(points[:, 0], coordinates[:, 0], low[0], high[0], PADDING, width - PADDING)
    # SVG's y grows downwards
    y = _squeeze(-points[:, 1], -coordinates[:, 1], -high[1], -low[1], PADDING, height - PADDING)
    return x, y


def _number(value: float) -> str:
    """A pixel position with one decimal, without a trailing ``.0``."""
    text = f"{value:.1f}"
    text = "0.0" if text == "-0.0" else text
    return text.removesuffix(".0")


def map_html(
    coordinates: np.ndarray,
    items: Sequence[str],
    labels: Sequence[str | None],
    regions: np.ndarray,
    names: Mapping[int, str],
    counts: np.ndarray,
    width: int = 960,
    height: int = 600,
) -> str:
    """The item map as an HTML fragment: an inline SVG to hover, a legend, and a caption.

    The drawing frames the same central 98% of the points as the static map's main panel
    (:func:`~prod2vec.explore.plots.inside_frame`, a dashed rectangle when some lie outside);
    the far-off islands beyond it are kept, in a narrow band on each side, nearer than they are
    (nothing is cut off). The axes are scaled separately and not drawn: as in any UMAP map,
    only who sits near whom means something. Hovering a point shows the item, its label, its
    region's name and its purchases. The text is the same for the same input (positions are
    rounded to whole pixels, radii to tenths), and well-formed XML.

    Parameters
    ----------
    coordinates : numpy.ndarray
        ``(n_items, 2)`` map coordinates (:func:`prod2vec.explore.maps.item_map`).
    items : sequence of str
        The item ids, in the order of ``coordinates``.
    labels : sequence of str or None
        What each item is (its description); missing (``None`` or NaN): the id alone.
    regions : numpy.ndarray
        The region of every item (:func:`prod2vec.explore.maps.map_clusters`).
    names : mapping of int to str
        Name by region (:func:`prod2vec.explore.maps.cluster_names`).
    counts : numpy.ndarray
        Purchases of every item (the circle's area grows with their logarithm).
    width, height : int
        The drawing's size in pixels; it scales down to narrower pages.

    Returns
    -------
    str
        The fragment, for ``IPython.display.HTML`` or any HTML page.
    """
    coordinates = np.asarray(coordinates, dtype=float)
    items, labels = list(items), list(labels)
    regions = np.asarray(regions)
    counts = np.asarray(counts)
    lengths = {len(coordinates), len(items), len(labels), len(regions), len(counts)}
    if coordinates.ndim != 2 or coordinates.shape[1] != 2 or len(lengths) != 1:
        raise ValueError(
            "coordinates must be (n_items, 2), with one item, label, region and count for every row"
        )
    if not len(coordinates):
        raise ValueError("there are no items to draw")
    if missing := sorted({int(region) for region in regions} - set(names)):
        raise ValueError(f"regions {missing} have no name")
    colours = region_colours(names)
    low, high = central_frame(coordinates)
    # a map whose points all share one position along an axis: give the frame some width
    high = np.where(high > low, high, low + 1.0)
    x, y = _pixels(coordinates, coordinates, low, high, width, height)
    radii = point_radii(counts)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-label="map of {len(coordinates):,} items, coloured by region">'
    ]
    outside = int((~inside_frame(coordinates)).sum())
    if outside:
        (left, right), (bottom, top) = _pixels(
            np.array([low, high]), coordinates, low, high, width, height
        )
        parts.append(
            f'<rect x="{_number(left)}" y="{_number(top)}" width="{_number(right - left)}" '
            f'height="{_number(bottom - top)}" fill="none" stroke="#888" stroke-dasharray="4 3"/>'
        )
    for region in sorted(colours):
        members = np.flatnonzero(regions == region)
        if not len(members):
            continue
        parts.append(f'<g class="r{region}" fill="{colours[region]}" fill-opacity="0.75">')
        for index in members:
            label = labels[index]
            what = str(items[index]) if _missing(label) else f"{items[index]} {label}"
            title = f"{what}\n{names[region]} · {int(counts[index]):,} purchases"
            parts.append(
                f'<circle cx="{x[index]:.0f}" cy="{y[index]:.0f}" '
                f'r="{_number(radii[index])}"><title>{html.escape(title)}</title></circle>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    legend = "".join(
        f'<span><svg viewBox="0 0 10 10" width="10" height="10">'
        f'<circle cx="5" cy="5" r="5" fill="{colours[region]}"/></svg>'
        f"{html.escape(names[region])}</span>"
        for region in sorted(colours)
    )
    caption = "Hover a point to see the item."
    if outside:
        caption += (
            f" The {outside:,} items outside the dashed frame are far-off islands, drawn nearer "
            "than they are."
        )
    return (
        f'<div class="p2v-map"><style>{STYLE}</style>'
        '<p class="p2v-note">(The interactive map shows once this cell has run: JupyterLab '
        "does not display the drawings of a notebook it does not trust.)</p>"
        f'<div class="p2v-figure" hidden="hidden">{"".join(parts)}'
        f'<div class="p2v-legend">{legend}</div>'
        f'<p class="p2v-caption">{html.escape(caption)}</p></div></div>'
    )


def _missing(label: object) -> bool:
    return label is None or (isinstance(label, float) and np.isnan(label)) or label == ""
