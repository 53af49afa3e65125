"""The README's results tables, written from what the notebooks and commands recorded.

Three tables in the README are never typed in:

- ``results``: every model's test Recall@10 and MRR@10 with bootstrap intervals, from the
  figures notebook 03 records (:func:`prod2vec.notebook_checks.record_results`);
- ``seeds``: the tuned model and the counting baselines over 5 split seeds and 5 Word2Vec
  seeds, and the paired differences, from ``data/hpo/seeds/`` (``python -m prod2vec seeds``);
- ``ladder``: the same for Gensim's defaults, the project's and the tuned configuration, and
  each default put back, from ``data/hpo/ladder/`` (``python -m prod2vec seeds --ladder``).

``make readme`` (also the last step of ``make tutorial``) runs
``python -m prod2vec.outputs.readme``, which rewrites each table between its markers;
``tests/test_readme.py`` fails when a table and its source disagree.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from prod2vec.evaluation.results import markdown_table, wide_table
from prod2vec.evaluation.seed_study import differences_table, summarise_scores
from prod2vec.notebook_checks import notebook_records, recorded_results
from prod2vec.outputs.atomic import atomic_path
from prod2vec.paths import project_dir

RESULTS_NOTEBOOK = Path("notebooks") / "03_word2vec_early_stopping.ipynb"
SEEDS_FOLDER = Path("data") / "hpo" / "seeds"
LADDER_FOLDER = Path("data") / "hpo" / "ladder"


def results_markdown(notebook: str | Path) -> str:
    """The results a notebook recorded, as a Markdown table: 'value [low, high]' per metric.

    Parameters
    ----------
    notebook : str or Path
        An executed notebook that called ``record_results``.

    Returns
    -------
    str
        One row per model, in the notebook's order; three decimals, as the notebooks show them.
    """
    table = wide_table(recorded_results(notebook_records(notebook)), digits=3)
    return markdown_table(table.reset_index())


def seeds_markdown(folder: str | Path) -> str:
    """The seeds study as two Markdown tables: mean ± std per model, then paired differences.

    Parameters
    ----------
    folder : str or Path
        The output of ``python -m prod2vec seeds`` (with or without ``--ladder``):
        ``scores.csv`` and ``differences.csv``.
    """
    folder = Path(folder)
    summary = summarise_scores(pd.read_csv(folder / "scores.csv"))
    metrics = list(dict.fromkeys(summary.columns.get_level_values(0)))
    spread = pd.DataFrame(
        {
            metric: [
                f"{mean:.3f} ± {std:.3f}"
                for mean, std in zip(summary[metric]["mean"], summary[metric]["std"], strict=True)
            ]
            for metric in metrics
        },
        index=summary.index,
    )
    paired = differences_table(pd.read_csv(folder / "differences.csv"))
    paired = paired.rename_axis("difference")[metrics]
    return markdown_table(spread.reset_index()) + "\n\n" + markdown_table(paired.reset_index())


def _begin(name: str, source: Path) -> str:
    return f"<!-- {name}: written by `make readme` from {source.as_posix()} -->"


def _end(name: str) -> str:
    return f"<!-- end of {name} -->"


def with_table(readme: str, name: str, source: Path, table: str) -> str:
    """``readme`` with ``table`` between the begin and end markers of table ``name``.

    Raises
    ------
    ValueError
        If the README lacks either marker, or has them out of order.
    """
    begin, end = _begin(name, source), _end(name)
    start, stop = readme.find(begin), readme.find(end)
    if start < 0 or stop < start:
        raise ValueError(
            f"The README needs the lines {begin!r} and {end!r}, in that order, around the "
            f"{name} table."
        )
    return readme[: start + len(begin)] + "\n" + table + "\n" + readme[stop:]


#: Each README table: its name, its source (relative to the project), and how it is written.
TABLES: dict[str, tuple[Path, Callable[[Path], str]]] = {
    "results": (RESULTS_NOTEBOOK, results_markdown),
    "seeds": (SEEDS_FOLDER, seeds_markdown),
    "ladder": (LADDER_FOLDER, seeds_markdown),
}


def current_readme(root: Path) -> str:
    """The README of the project at ``root`` with every table written from its source."""
    readme = (root / "README.md").read_text(encoding="utf-8")
    for name, (source, write) in TABLES.items():
        readme = with_table(readme, name, source, write(root / source))
    return readme


def main() -> int:
    root = project_dir()
    readme_path = root / "README.md"
    updated = current_readme(root)
    if updated == readme_path.read_text(encoding="utf-8"):
        print("README.md: its tables are up to date")
        return 0
    with atomic_path(readme_path) as temporary:
        temporary.write_text(updated, encoding="utf-8")
    print("README.md: tables rewritten from " + ", ".join(s.as_posix() for s, _ in TABLES.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
