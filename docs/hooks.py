"""MkDocs hooks for the rendered site: the repository's own files are the site's pages.

README.md becomes the home page, ``notebooks/NN_*.ipynb`` the notebook pages (mkdocs-jupyter
renders them as committed, outputs included; their ``.py`` twins are left out) and ``images/``
the figures, all read in place. Links inside notebooks are HTML once rendered, which MkDocs
neither rewrites nor checks, so ``on_page_content`` points them at the pages they name and
reports any that lead nowhere (a warning, so ``--strict`` fails the build).
"""

from __future__ import annotations

import logging
import posixpath
import re
import warnings
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

log = logging.getLogger("mkdocs.hooks.prod2vec_site")

ROOT = Path(__file__).resolve().parent.parent
# the repository's path -> the site's source path
RENAMED = {"README.md": "index.md"}
LINK = re.compile(r'(?P<attr>href|src)="(?P<target>[^"#:]+)(?P<fragment>#[^"]*)?"')


def on_startup(command: str, dirty: bool) -> None:
    # the notebooks' recorded figures (prod2vec.notebook_checks) are meant to stay invisible
    warnings.filterwarnings(
        "ignore", message=r"Your element with mimetype\(s\) .*application/vnd\.prod2vec\.record"
    )


# before mkdocs-jupyter's on_files, which must see the notebooks to render them
@event_priority(100)
def on_files(files: Files, config: MkDocsConfig) -> Files:
    files.append(File.generated(config, "index.md", abs_src_path=str(ROOT / "README.md")))
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    images = sorted((ROOT / "images").glob("*.png"))
    for path in notebooks + images:
        # a File read in place: mkdocs-jupyter's wrapper loses a generated File's source path
        files.append(
            File(
                path.relative_to(ROOT).as_posix(),
                src_dir=str(ROOT),
                dest_dir=config.site_dir,
                use_directory_urls=config.use_directory_urls,
            )
        )
    return files


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    if not page.file.src_uri.endswith(".ipynb"):
        return html

    def point_at_page(link: re.Match[str]) -> str:
        target = link["target"]
        if target.startswith("/") or target.startswith("data:"):
            return link[0]
        repository_path = posixpath.normpath(posixpath.join("notebooks", target))
        site_file = files.get_file_from_path(RENAMED.get(repository_path, repository_path))
        if site_file is None:
            log.warning("%s links to %r, which is not part of the site", page.file.src_uri, target)
            return link[0]
        url = site_file.url_relative_to(page.file)
        return f'{link["attr"]}="{url}{link["fragment"] or ""}"'

    return LINK.sub(point_at_page, html)
