"""The product map to hover (prod2vec.explore.interactive): complete, escaped, stable, offline.

Small maps with planted regions; the last tests open one in headless Chromium (skipped where
there is no ``chromium``), as a reader's browser would.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex

pytest.importorskip("umap")  # the explore extra; make setup installs it

from prod2vec.explore.interactive import map_html, point_radii  # noqa: E402
from prod2vec.explore.plots import inside_frame, plot_item_map, region_colours  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"
TRICKY = """HEART <3 & "LOVE" 'N' <script>alert(1)</script>"""


def planted_map(regions: int = 3, per_region: int = 50, seed: int = 0) -> dict[str, object]:
    """Points around one centre per region, two far-off islands at opposite corners (beyond
    the static map's frame), one tricky label and one missing."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-10, 10, size=(regions, 2))
    point_regions = np.repeat(np.arange(regions), per_region)
    coordinates = centres[point_regions] + rng.normal(scale=0.5, size=(len(point_regions), 2))
    coordinates[:2] = [[60.0, -40.0], [-60.0, 40.0]]
    items = [f"{1000 + index}" for index in range(len(coordinates))]
    labels: list[str | None] = [
        f"THING {index} OF REGION {r}" for index, r in enumerate(point_regions)
    ]
    labels[3] = TRICKY
    labels[4] = None
    return {
        "coordinates": coordinates,
        "items": items,
        "labels": labels,
        "regions": point_regions,
        "names": {region: f"REGION {region} & CO" for region in range(regions)},
        "counts": rng.integers(1, 5_000, size=len(coordinates)),
    }


def parsed(fragment: str) -> ET.Element:
    return ET.fromstring(fragment)


def map_circles(fragment: str) -> list[ET.Element]:
    """The map's circles (those with a tooltip), not the legend's swatches."""
    return [
        circle
        for circle in parsed(fragment).iter(f"{SVG}circle")
        if circle.find(f"{SVG}title") is not None
    ]


def test_every_point_is_a_circle_with_its_item_label_region_and_count() -> None:
    planted = planted_map()
    fragment = map_html(**planted)
    circles = map_circles(fragment)
    assert len(circles) == len(planted["coordinates"])
    titles = sorted(circle.find(f"{SVG}title").text for circle in circles)
    expected = []
    for item, label, region, count in zip(
        planted["items"], planted["labels"], planted["regions"], planted["counts"], strict=True
    ):
        what = item if label is None else f"{item} {label}"
        expected.append(f"{what}\nREGION {region} & CO · {count:,} purchases")
    assert titles == sorted(expected)


def test_labels_and_names_are_escaped() -> None:
    fragment = map_html(**planted_map())
    assert html.escape(TRICKY) in fragment
    assert "<script>" not in fragment and "<3" not in fragment
    assert '"LOVE"' not in fragment and "'N'" not in fragment
    assert "REGION 0 &amp; CO" in fragment
    # the parsed text reads as the label was written
    titles = [circle.find(f"{SVG}title").text for circle in map_circles(fragment)]
    assert any(title.startswith(f"1003 {TRICKY}\n") for title in titles)


def test_the_same_input_gives_the_same_text_and_positions_are_rounded() -> None:
    assert map_html(**planted_map()) == map_html(**planted_map())
    fragment = map_html(**planted_map())
    for circle in map_circles(fragment):
        assert re.fullmatch(r"\d+", circle.get("cx")) and re.fullmatch(r"\d+", circle.get("cy"))
        assert re.fullmatch(r"\d+(\.\d)?", circle.get("r"))
    # a change below the rounding changes nothing
    planted = planted_map()
    planted["coordinates"] = planted["coordinates"] + 1e-9
    assert map_html(**planted) == fragment


def test_the_svg_and_the_whole_fragment_are_well_formed_xml() -> None:
    root = parsed(map_html(**planted_map()))
    svg = root.find(f".//{SVG}svg")
    assert svg is not None and svg.get("viewBox") == "0 0 960 600"
    ET.fromstring(ET.tostring(svg))


def test_regions_take_the_static_maps_colours() -> None:
    planted = planted_map(regions=12, per_region=5)
    figure = plot_item_map(
        planted["coordinates"], planted["counts"], planted["regions"], planted["names"]
    )
    drawn = figure.axes[0].collections[0].get_facecolors()
    plt.close(figure)
    static = {}
    for region, colour in zip(planted["regions"], drawn, strict=True):
        static.setdefault(int(region), to_hex(colour[:3]))
    assert region_colours(planted["names"]) == static
    groups = parsed(map_html(**planted)).iter(f"{SVG}g")
    colours = {int(group.get("class").removeprefix("r")): group.get("fill") for group in groups}
    assert colours == static
    assert len(set(colours.values())) == 12
    # ten regions or fewer: tab10, as on the static map
    assert region_colours(range(3)) == {
        region: to_hex(plt.get_cmap("tab10")(region)) for region in range(3)
    }


def test_points_are_grouped_by_region_with_no_style_per_point() -> None:
    planted = planted_map()
    root = parsed(map_html(**planted))
    for group in root.iter(f"{SVG}g"):
        region = int(group.get("class").removeprefix("r"))
        members = group.findall(f"{SVG}circle")
        assert len(members) == int((planted["regions"] == region).sum())
        assert all(set(circle.keys()) == {"cx", "cy", "r"} for circle in members)


def test_nothing_is_cut_off_and_islands_lie_beyond_the_dashed_frame() -> None:
    planted = planted_map()
    fragment = map_html(**planted)
    frame = parsed(fragment).find(f".//{SVG}rect")
    left, top = float(frame.get("x")), float(frame.get("y"))
    right, bottom = left + float(frame.get("width")), top + float(frame.get("height"))
    inside = inside_frame(planted["coordinates"])
    assert (~inside).sum() == 2
    by_item = {
        circle.find(f"{SVG}title").text.split()[0]: circle for circle in map_circles(fragment)
    }
    for item, is_inside in zip(planted["items"], inside, strict=True):
        circle = by_item[item]
        cx, cy, r = (float(circle.get(name)) for name in ("cx", "cy", "r"))
        assert r <= cx <= 960 - r and r <= cy <= 600 - r
        within = left - 1 <= cx <= right + 1 and top - 1 <= cy <= bottom + 1
        assert within == bool(is_inside), item
    assert f"The {(~inside).sum()} items outside the dashed frame" in fragment


def test_bigger_sellers_get_bigger_circles() -> None:
    radii = point_radii(np.array([0, 1, 10, 100, 10_000]))
    assert radii[0] == radii[1] and (np.diff(radii[1:]) > 0).all()


def test_a_map_with_no_islands_draws_no_frame() -> None:
    coordinates = np.array([[0.0, 0.0], [1.0, 1.0], [0.5, 0.2]])
    fragment = map_html(
        coordinates,
        ["a", "b", "c"],
        ["x", "y", "z"],
        np.array([0, 0, 1]),
        {0: "A", 1: "B"},
        np.array([1, 2, 3]),
    )
    assert "<rect" not in fragment and "outside the dashed frame" not in fragment
    assert len(map_circles(fragment)) == 3


def test_bad_input_is_refused() -> None:
    planted = planted_map()
    with pytest.raises(ValueError, match="one item, label"):
        map_html(**{**planted, "items": planted["items"][:-1]})
    with pytest.raises(ValueError, match="have no name"):
        map_html(**{**planted, "names": {0: "A"}})


@pytest.fixture
def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.skip("no chromium on PATH")
    return path


def dump_dom(chromium: str, page: Path) -> str:
    run = subprocess.run(
        [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_a_browser_renders_the_circles_and_their_titles(chromium: str, tmp_path: Path) -> None:
    planted = planted_map()
    page = tmp_path / "map.html"
    # the script reports what the reader sees: the figure shown, the note hidden
    page.write_text(
        "<!doctype html><html><head><meta charset='utf-8'></head><body>"
        + map_html(**planted)
        + "<script>const f = document.querySelector('.p2v-figure'),"
        " n = document.querySelector('.p2v-note');"
        "document.body.dataset.shown = [getComputedStyle(f).display,"
        " getComputedStyle(n).display, f.querySelector('svg').getBoundingClientRect().width]"
        ".join(' ');</script></body></html>",
        encoding="utf-8",
    )
    dom = dump_dom(chromium, page)
    assert dom.count("<circle") == len(planted["coordinates"]) + len(planted["names"])
    assert dom.count("<title>") == len(planted["coordinates"])
    assert html.escape(TRICKY, quote=False) in dom
    display, note, width = re.search(r'data-shown="(\S+) (\S+) (\S+)"', dom).groups()
    assert (display, note) == ("block", "none") and float(width) > 500


def test_where_styles_are_stripped_the_labels_stay_hidden(chromium: str, tmp_path: Path) -> None:
    """JupyterLab sanitises an untrusted notebook's HTML: no <style>, no SVG, text kept.

    What is left must not spill every tooltip's text onto the page: only the note shows.
    """
    fragment = map_html(**planted_map())
    sanitised = re.sub(r"<style>.*?</style>", "", fragment)
    sanitised = re.sub(r"</?(svg|g|circle|title|rect)\b[^>]*>", "", sanitised)
    page = tmp_path / "untrusted.html"
    page.write_text(
        "<!doctype html><html><head><meta charset='utf-8'></head><body>"
        + sanitised
        + "<script>document.body.dataset.seen = document.body.innerText.trim();</script>"
        "</body></html>",
        encoding="utf-8",
    )
    dom = dump_dom(chromium, page)
    seen = html.unescape(re.search(r'data-seen="([^"]*)"', dom).group(1))
    assert "THING" not in seen and "purchases" not in seen
    assert seen.startswith("(The interactive map shows once this cell has run")
