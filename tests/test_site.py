"""`make html`: the site builds offline from the committed notebooks, strictly, and holds up.

One build (``mkdocs build --strict`` into a temporary folder, as the Makefile runs it), then
checks on the HTML: every notebook is a page in reading order, each page carries its notebook's
figures and printed outputs, and every link and image inside the site leads somewhere real.
"""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


class _Page(HTMLParser):
    """The links, image sources and element ids of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        for name in ("href", "src"):
            if attributes.get(name):
                self.links.append(attributes[name])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site_dir = tmp_path_factory.mktemp("site")
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=600,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    return site_dir


def _parse(page: Path) -> _Page:
    parser = _Page()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def _notebook_page(site: Path, notebook: Path) -> Path:
    return site / "notebooks" / notebook.stem / "index.html"


def _outputs(notebook: Path) -> list[dict]:
    cells = json.loads(notebook.read_text())["cells"]
    return [output for cell in cells if cell["cell_type"] == "code" for output in cell["outputs"]]


def test_every_notebook_is_a_page_and_nothing_else(site: Path) -> None:
    assert (site / "index.html").is_file()
    pages = sorted(path.name for path in (site / "notebooks").iterdir() if path.is_dir())
    assert pages == [notebook.stem for notebook in NOTEBOOKS], "the .py twins are not pages"


def test_navigation_lists_the_notebooks_in_reading_order(site: Path) -> None:
    links = _parse(site / "index.html").links
    first_seen = [
        links.index(f"notebooks/{notebook.stem}/")
        for notebook in NOTEBOOKS
        if f"notebooks/{notebook.stem}/" in links
    ]
    assert len(first_seen) == len(NOTEBOOKS)
    assert first_seen == sorted(first_seen)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_each_page_carries_its_notebooks_outputs(site: Path, notebook: Path) -> None:
    """The committed outputs are on the page: every figure, and every printed output."""
    page = _notebook_page(site, notebook).read_text(encoding="utf-8")
    outputs = _outputs(notebook)
    figures = sum("image/png" in output.get("data", {}) for output in outputs)
    assert figures > 0
    assert page.count('src="data:image/png;base64,') == figures
    printed = [output["text"] for output in outputs if output["output_type"] == "stream"]
    assert printed, f"{notebook.name} was committed without its outputs"
    for text in printed:
        first_line = "".join(text).strip().splitlines()[0].strip()
        assert html.escape(first_line, quote=False) in page, first_line


def test_every_internal_link_and_image_resolves(site: Path) -> None:
    site = site.resolve()
    pages = {page: _parse(page) for page in site.rglob("*.html")}
    broken = []
    for page, parsed in pages.items():
        for link in parsed.links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//"):
                continue  # an external address, or a figure embedded as data:
            # 404.html links from the site's root, wherever it is served
            base = site if parts.path.startswith("/") else page.parent
            target = (base / unquote(parts.path).lstrip("/")).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page.relative_to(site)}: {link}")
            elif (
                parts.fragment
                and target.suffix == ".html"
                and unquote(parts.fragment) not in pages[target].ids
            ):
                broken.append(f"{page.relative_to(site)}: {link} (no such anchor)")
    assert len(pages) > len(NOTEBOOKS)
    assert broken == []


def test_the_home_page_is_the_readme_with_its_figures(site: Path) -> None:
    index = _parse(site / "index.html")
    readme_figures = [link for link in index.links if link.startswith("images/")]
    assert readme_figures, "the README's figures are missing from the home page"
    assert "the-notebooks" in index.ids
