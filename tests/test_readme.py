"""The README's results tables are what the notebooks and commands recorded, not typed in."""

from __future__ import annotations

from pathlib import Path

import pytest

from prod2vec.outputs.readme import TABLES, current_readme, with_table

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_tables_match_their_sources() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert current_readme(ROOT) == readme, "the README's tables are stale: run `make readme`"


def test_the_results_table_lists_every_model_with_intervals() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- results:")[1].split("<!-- end of results -->")[0]
    rows = [line for line in block.splitlines() if line.startswith("| ") and "[" in line]
    models = [row.split(" | ")[0].removeprefix("| ") for row in rows]
    assert models[:2] == ["MostPopular", "AssociationRules"]
    assert sum(model.startswith("Word2Vec") for model in models) == 3
    assert all(row.count("[") == 2 for row in rows)  # Recall@10 and MRR@10, each with interval


def test_a_table_is_replaced_between_its_markers_only() -> None:
    source = TABLES["results"][0]
    readme = with_table(
        f"intro\n<!-- results: written by `make readme` from {source.as_posix()} -->\n"
        "| old |\n<!-- end of results -->\noutro\n",
        "results",
        source,
        "| new |",
    )
    assert readme.endswith("-->\n| new |\n<!-- end of results -->\noutro\n")
    assert readme.startswith("intro\n")
    assert with_table(readme, "results", source, "| new |") == readme
    with pytest.raises(ValueError, match="needs the lines"):
        with_table("no markers\n", "results", source, "| new |")


def test_the_readme_has_each_heading_once_and_no_stray_comment_ends() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    outside_code = readme.split("```")[::2]
    headings = [line for part in outside_code for line in part.splitlines() if line.startswith("#")]
    assert len(headings) == len(set(headings)), "a heading is repeated"
    for part in outside_code:
        for line in part.splitlines():
            assert line.count("-->") == line.count("<!--"), line
