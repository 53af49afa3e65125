"""Benchmark: the pipeline on other people's public interaction logs, before and after it chose.

For each dataset of a JSON manifest: read the file with :func:`prod2vec.data.readers.read_long`
or :func:`~prod2vec.data.readers.read_wide` and run :func:`prod2vec.pipeline.run_pipeline` with
the default :class:`~prod2vec.pipeline.PipelineSettings` (only the entry's session gap, if it
gives one), progress silenced, three times (:func:`modes`): with the configuration the pipeline
trained before it searched (NLP's negative-sampling exponent 0.75), with ``--no-search`` (the
defaults measured best across datasets, ``bench_defaults.py``), and as it runs by default (a
search on the validation pairs); an entry naming a configuration file runs once, with it. Each
run records the validation figures that chose what to serve, the test Recall@10 and MRR@10
with 95% bootstrap intervals of Word2Vec and of every baseline, the best baseline (chosen on
validation), Word2Vec minus it with a paired interval, the served model and its context rule,
whether the served model fell below the best baseline's interval, and the report's verdict.
The data are not the project's and are never committed: the manifest says where each came
from, and the results record it with the file's git blob hash as read.

The manifest (default ``external_data/manifest.json`` beside the checkout) is
``{"datasets": [entry, ...]}``; an entry holds:

* ``name`` (unique) and ``path`` (relative to the manifest's folder);
* ``layout``: ``"long"`` with ``user_column``, ``item_column`` and optionally ``time_column``
  and ``time_format`` (a strftime format; default inferred), or ``"wide"`` with
  ``user_column``, ``items_column`` and optionally ``separator`` (default ``","``);
* optionally ``delimiter``, ``encoding`` (default ``"utf-8"``), ``session_gap`` (such as
  ``"1D"``; default one session per user), ``configuration`` (a configuration file relative to
  the checkout, such as ``data/hpo/finalists/best.json``; default the pipeline's defaults);
* ``reading`` (the reading choices in words) and ``source`` (where the file came from, its
  licence and how it was prepared), recorded as they are.

The manifest used for ``benchmarks/results/bench_datasets.json`` reads three logs that public
GitHub repositories hold (each entry's ``source`` names the repository, file, commit and blob,
the licence as the repository states it, and what was changed in preparing the copy):

* ``groceries``: ``Groceries_dataset.csv`` (Kaggle's groceries basket log; ``Member_number``,
  ``itemDescription``, ``Date`` as ``%d/%m/%Y``), one session per member; again with Online
  Retail's tuned ``data/hpo/finalists/best.json``, and with ``session_gap`` ``"12h"`` (one
  session per member and date: the dates have no time of day);
* ``bakery``: ``BreadBasket_DMS.csv`` (``Transaction``, ``Item``, no time column: one session
  per basket, items in file order; its ``NONE`` items count as missing);
* ``movielens-small``: GroupLens' ml-latest-small ``ratings.csv`` read as a timeline
  (``userId``, ``movieId``, ``timestamp`` in Unix seconds), one session per user, every rating.

The bakery and MovieLens logs run with ``best.json`` too.

    python benchmarks/bench_datasets.py                       # the three logs: a few minutes
    python benchmarks/bench_datasets.py --manifest my.json --output /tmp/datasets.json

Prints the figures and writes them to ``benchmarks/results/bench_datasets.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

from prod2vec.configuration import Configuration
from prod2vec.data.readers import QualityReport, read_long, read_wide
from prod2vec.data.sessions import session_gap
from prod2vec.errors import ConfigurationError, Prod2VecError, ProjectFileError
from prod2vec.evaluation.metrics import METRICS, metric_label
from prod2vec.models.word2vec import DEFAULT_PARAMS
from prod2vec.outputs.run_report import verdict
from prod2vec.pipeline import DEFAULT_CONFIGURATION, PipelineResult, PipelineSettings, run_pipeline
from prod2vec.progress import Stages
from prod2vec.search import DEFAULT_BUDGET

from common import RESULTS_DIR, ROOT, machine, report

RESULTS = RESULTS_DIR / "bench_datasets.json"
DEFAULT_MANIFEST = ROOT.parent / "external_data" / "manifest.json"
#: what these figures depend on: reading, sessions, the pipeline, every model and evaluation
DEPENDS_ON = (
    "benchmarks/bench_datasets.py",
    "benchmarks/common.py",
    "src/prod2vec/pipeline.py",
    "src/prod2vec/configuration.py",
    "src/prod2vec/defaults.py",
    "src/prod2vec/errors.py",
    "src/prod2vec/progress.py",
    "src/prod2vec/data/",
    "src/prod2vec/models/",
    "src/prod2vec/evaluation/",
    "src/prod2vec/search/",
    "src/prod2vec/outputs/run_report.py",
)
WORD2VEC = "Word2Vec"
#: the runs of an entry without a configuration file
BEFORE = "ns_exponent 0.75 (the defaults before)"
NO_SEARCH = "--no-search (the defaults now)"
SEARCH = "the default search"
REQUIRED = {
    "long": {"name", "path", "layout", "user_column", "item_column"},
    "wide": {"name", "path", "layout", "user_column", "items_column"},
}
OPTIONAL = {
    "long": {"time_column", "time_format"},
    "wide": {"separator"},
}
COMMON_OPTIONAL = {"delimiter", "encoding", "session_gap", "configuration", "reading", "source"}


def load_manifest(path: Path) -> list[dict[str, Any]]:
    """The manifest's entries, each checked, with its file and configuration resolved.

    Every entry is checked before any is run: its keys, its file, its session gap and its
    configuration file. Each returned entry gains ``file`` (the data file's absolute path),
    ``gap`` (a Timedelta or None) and ``loaded`` (a Configuration or None).

    Raises
    ------
    ProjectFileError
        No manifest at ``path``, or an entry's data file is missing.
    ConfigurationError
        Not JSON, not ``{"datasets": [...]}``, or an entry with a missing, unknown or wrong key.
    """
    if not path.is_file():
        raise ProjectFileError(
            f"No manifest at {path}: write one as this script's docstring describes, or give "
            "--manifest."
        )
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ConfigurationError(f"The manifest {path} is not JSON ({error}).") from None
    entries = content.get("datasets") if isinstance(content, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigurationError(
            f'The manifest {path} must be {{"datasets": [entry, ...]}} with at least one entry.'
        )
    names = [entry.get("name") if isinstance(entry, dict) else None for entry in entries]
    if len(set(names)) != len(names):
        raise ConfigurationError(f"Dataset names in {path} must be unique, got {names}.")
    return [checked_entry(entry, path.parent) for entry in entries]


def checked_entry(entry: Any, folder: Path) -> dict[str, Any]:
    """One manifest entry checked and resolved (see :func:`load_manifest`)."""
    if not isinstance(entry, dict):
        raise ConfigurationError(f"A manifest entry must be an object, got {entry!r}.")
    label = repr(entry.get("name", entry))
    layout = entry.get("layout")
    if layout not in REQUIRED:
        raise ConfigurationError(
            f"Dataset {label}: layout must be 'long' or 'wide', got {layout!r}."
        )
    if missing := sorted(REQUIRED[layout] - entry.keys()):
        raise ConfigurationError(f"Dataset {label} ({layout}) lacks {', '.join(missing)}.")
    if unknown := sorted(entry.keys() - REQUIRED[layout] - OPTIONAL[layout] - COMMON_OPTIONAL):
        raise ConfigurationError(
            f"Dataset {label} ({layout}) has unknown keys {', '.join(unknown)}: see the docstring "
            "of benchmarks/bench_datasets.py."
        )
    file = folder / entry["path"]
    if not file.is_file():
        raise ProjectFileError(
            f"Dataset {label}: no file at {file}: bring it as the manifest's source says, or fix "
            "its path (relative to the manifest's folder)."
        )
    configuration = entry.get("configuration")
    try:
        gap = session_gap(entry["session_gap"]) if entry.get("session_gap") else None
        loaded = Configuration.load(ROOT / configuration) if configuration else None
    except (ConfigurationError, ProjectFileError) as error:
        raise type(error)(f"Dataset {label}: {error}") from None
    return {**entry, "file": file, "gap": gap, "loaded": loaded}


def blob_hash(path: Path) -> str:
    """The git blob hash of a file's content (what ``git hash-object`` says), without git."""
    content = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def read(entry: dict[str, Any]) -> tuple[pd.DataFrame, QualityReport]:
    """The entry's file as interactions, with its quality report."""
    encoding, delimiter = entry.get("encoding", "utf-8"), entry.get("delimiter")
    if entry["layout"] == "wide":
        return read_wide(
            entry["file"], entry["user_column"], entry["items_column"],
            entry.get("separator", ","), encoding, delimiter=delimiter,
        )  # fmt: skip
    return read_long(
        entry["file"], entry["user_column"], entry["item_column"], entry.get("time_column"),
        encoding, delimiter=delimiter, time_format=entry.get("time_format"),
    )  # fmt: skip


def figures_by_model(results: pd.DataFrame) -> dict[str, dict[str, list[float]]]:
    """Each model's test figures: metric label to [value, interval low, interval high]."""
    return {
        model: {
            row.metric: [round(row.value, 4), round(row.ci_low, 4), round(row.ci_high, 4)]
            for row in rows.itertuples()
        }
        for model, rows in results.groupby("model", sort=False)
    }


def modes(entry: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """How to configure each run of an entry: its configuration file, or the three defaults.

    Without a configuration file an entry runs as the pipeline did before it searched (NLP's
    exponent 0.75), with ``--no-search`` (:data:`~prod2vec.pipeline.DEFAULT_CONFIGURATION`), and
    as it runs by default (a search within :data:`~prod2vec.search.DEFAULT_BUDGET`).
    """
    if entry["loaded"] is not None:
        return {entry["configuration"]: {"configuration": entry["loaded"]}}
    return {
        BEFORE: {"configuration": Configuration(word2vec=DEFAULT_PARAMS, scoring="input-output")},
        NO_SEARCH: {"configuration": DEFAULT_CONFIGURATION},
        SEARCH: {"search": DEFAULT_BUDGET},
    }


def run_figures(result: PipelineResult) -> dict[str, Any]:
    """What one pipeline run says: test figures, the best counting model, what is served."""
    k = result.settings.k
    labels = [metric_label(metric, k) for metric in METRICS]
    figures = figures_by_model(result.results)
    best = result.choice.best_baseline.name
    served = {
        "model": result.served.name,
        "context": result.served.rule.label,
        "test": figures[result.served.name],
    }
    return {
        "best epoch": result.configuration.best_epoch,
        "configuration": result.configuration.to_dict(),
        "search": None
        if result.search is None
        else {
            "trials": len(result.search.trials),
            "cpu seconds": round(result.search.cpu_seconds, 1),
        },
        "validation": {
            row["model"]: {label: round(float(row[label]), 4) for label in labels}
            for row in result.choice.validation.to_dict("records")
        },
        "test": figures,
        "best baseline (on validation)": best,
        "Word2Vec minus best baseline (test, paired 95% interval)": {
            label: [round(value, 4) for value in result.test_difference[label]] for label in labels
        },
        "served": served,
        "served below the best baseline's interval": served["test"][labels[0]][0]
        < figures[best][labels[0]][1],
        "verdict": verdict(result),
        "stage seconds": result.stage_seconds,
    }


def measure(entry: dict[str, Any]) -> dict[str, Any]:
    """Read one dataset, run the pipeline on it in each of its modes, return the figures."""
    started = time.perf_counter()
    interactions, quality = read(entry)
    settings = PipelineSettings(session_gap=entry["gap"])
    runs = {}
    for mode, arguments in modes(entry).items():
        print(f"  {mode} ...", file=sys.stderr, flush=True)
        result = run_pipeline(
            interactions, quality, settings, stages=Stages(stream=None), **arguments
        )
        runs[mode] = run_figures(result)
    return {
        "name": entry["name"],
        "source": entry.get("source"),
        "reading": entry.get("reading"),
        "file": {"path": entry["path"], "blob": blob_hash(entry["file"])},
        "columns": {
            key: entry[key]
            for key in ("layout", "user_column", "item_column", "items_column", "time_column")
            if entry.get(key) is not None
        },
        "session_gap": entry.get("session_gap"),
        "rows read": quality.rows_read,
        "dropped": quality.dropped,
        "users": quality.users,
        "items": quality.items,
        "sessions": quality.sessions,
        "tokens": quality.events,
        "held-out pairs": result.split_sizes,
        "runs": runs,
        "wall seconds": round(time.perf_counter() - started, 1),
    }


def table(rows: list[dict[str, Any]]) -> str:
    """A Markdown table: per dataset and mode, Word2Vec, the best baseline, what is served."""

    def shown(values: list[float]) -> str:
        return f"{values[0]:.3f} [{values[1]:.3f}, {values[2]:.3f}]"

    lines = [
        "| dataset | users | items | test pairs | Word2Vec trained with | Word2Vec R@10 "
        "| best baseline (validation) R@10 | W2V - best R@10 (paired) | served |",
        "| --- | ---: | ---: | ---: | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        for mode, run in row["runs"].items():
            best = run["best baseline (on validation)"]
            difference = run["Word2Vec minus best baseline (test, paired 95% interval)"]
            lines.append(
                f"| {row['name']} | {row['users']:,} | {row['items']:,} "
                f"| {row['held-out pairs']['test_pairs']:,} | {mode} "
                f"| {shown(run['test'][WORD2VEC]['Recall@10'])} "
                f"| {best} {shown(run['test'][best]['Recall@10'])} "
                f"| {difference['Recall@10'][0]:+.3f} [{difference['Recall@10'][1]:+.3f}, "
                f"{difference['Recall@10'][2]:+.3f}] "
                f"| {run['served']['model']} ({run['served']['context']}) |"
            )
    return "\n".join(lines)


def manifest_arguments(
    description: str, results: Path, argv: list[str] | None
) -> argparse.Namespace:
    """``--manifest`` and ``--output`` of a benchmark over the manifest's datasets."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST)
    parser.add_argument("--output", type=Path, default=results)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = manifest_arguments(__doc__.split("\n")[0], RESULTS, argv)
    started = time.perf_counter()
    try:
        entries = load_manifest(args.manifest)
        rows = []
        for entry in entries:
            print(f"{entry['name']} ...", file=sys.stderr, flush=True)
            rows.append(measure(entry))
    except (Prod2VecError, OSError) as error:
        sys.exit(f"bench_datasets: {error}")
    print(table(rows), file=sys.stderr)
    figures = {
        "manifest": str(args.manifest),
        "datasets": rows,
        "table": table(rows).splitlines(),
        "wall seconds": round(time.perf_counter() - started, 1),
        "machine": machine(),
    }
    report(figures, args.output, DEPENDS_ON)


if __name__ == "__main__":
    sys.exit(main())
