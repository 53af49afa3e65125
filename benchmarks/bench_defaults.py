"""Benchmark: which Word2Vec configuration to train when nothing is searched (``--no-search``).

The defaults should be the configuration that does best across the data measured, not
Gensim's or NLP's. Each candidate of a small grid (the scoring, the negative-sampling exponent
``ns_exponent`` and the window: the settings Caselles-Dupré et al., RecSys 2018, found to
matter most; the others as in :data:`prod2vec.models.word2vec.DEFAULT_PARAMS`) is trained with
the pipeline's early stopping on every dataset: Online Retail's reference split and each entry
of the public logs' manifest (see ``bench_datasets.py``) that names no configuration. On each
dataset a candidate scores its best validation Recall@10 divided by the best counting
baseline's validation Recall@10 (windows chosen on validation), and the candidate with the
highest mean of these ratios is chosen (ties: the higher worst ratio). Only validation pairs
choose; the test figures of the chosen candidate and of Gensim-style defaults are recorded for
the README.

    python benchmarks/bench_defaults.py            # about 10 minutes on one core

Prints the table and writes ``benchmarks/results/bench_defaults.json``.
"""

from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

from prod2vec.configuration import Configuration
from prod2vec.errors import Prod2VecError
from prod2vec.evaluation.metrics import metric_label
from prod2vec.evaluation.results import pair_metrics
from prod2vec.evaluation.selection import fit_baselines
from prod2vec.models.word2vec import DEFAULT_PARAMS
from prod2vec.online_retail.reference_protocol import prepare_sessions
from prod2vec.pipeline import (
    DEFAULT_CONFIGURATION,
    PipelineSettings,
    make_sessions,
    split_for,
    train_early_stopped,
)

from bench_datasets import load_manifest, manifest_arguments, read
from common import RESULTS_DIR, machine, report

RESULTS = RESULTS_DIR / "bench_defaults.json"
DEPENDS_ON = (
    "benchmarks/bench_defaults.py",
    "benchmarks/bench_datasets.py",
    "benchmarks/common.py",
    "src/prod2vec/pipeline.py",
    "src/prod2vec/configuration.py",
    "src/prod2vec/errors.py",
    "src/prod2vec/progress.py",
    "src/prod2vec/data/",
    "src/prod2vec/models/",
    "src/prod2vec/evaluation/",
    "src/prod2vec/online_retail/",
)
#: the grid: every other setting is DEFAULT_PARAMS'
SCORINGS = ("input-output", "input-input")
NS_EXPONENTS = (-1.0, -0.5, 0.0, 0.5, 0.75)
WINDOWS = (3, 5)
#: what Gensim and NLP would train: the exponent 0.75 (the project's defaults before this)
NLP_STYLE = {"scoring": "input-output", "ns_exponent": 0.75, "window": 5}


def candidates() -> list[dict[str, Any]]:
    """Every point of the grid, as scoring, ns_exponent and window."""
    return [
        {"scoring": scoring, "ns_exponent": ns_exponent, "window": window}
        for scoring, ns_exponent, window in itertools.product(SCORINGS, NS_EXPONENTS, WINDOWS)
    ]


def configuration_of(candidate: dict[str, Any]) -> Configuration:
    """The candidate as a configuration over :data:`DEFAULT_PARAMS`."""
    word2vec = {
        **DEFAULT_PARAMS,
        "ns_exponent": candidate["ns_exponent"],
        "window": candidate["window"],
    }
    return Configuration(word2vec=word2vec, scoring=candidate["scoring"])


def datasets(manifest: Path) -> dict[str, Any]:
    """Online Retail's reference split and the manifest's splits (entries without a config)."""
    splits = {"online retail": prepare_sessions().split}
    for entry in load_manifest(manifest):
        if entry.get("configuration"):
            continue
        interactions, quality = read(entry)
        settings = PipelineSettings(session_gap=entry["gap"])
        splits[entry["name"]] = split_for(make_sessions(interactions, quality, settings), settings)
    return splits


def measure(split: Any, settings: PipelineSettings) -> dict[str, Any]:
    """The best baseline's validation Recall@10, then every candidate's validation and test."""
    recall = metric_label("recall", settings.k)
    baselines = fit_baselines(split.train, split.validation, k=settings.k).models
    validation = {
        model.name: float(pair_metrics(model, split.validation, k=settings.k)[recall].mean())
        for model in baselines
    }
    best = max(validation, key=validation.get)
    rows = []
    for candidate in candidates():
        started = time.process_time()
        trained = train_early_stopped(split, configuration_of(candidate), settings)
        test = pair_metrics(trained.model, split.test, k=settings.k)[recall].mean()
        rows.append(
            {
                **candidate,
                "validation": round(trained.configuration.validation["recall_at_10"], 4),
                "ratio": round(
                    trained.configuration.validation["recall_at_10"] / validation[best], 4
                ),
                "test": round(float(test), 4),
                "best epoch": trained.configuration.best_epoch,
                "cpu seconds": round(time.process_time() - started, 1),
            }
        )
        print(f"  {rows[-1]}", file=sys.stderr, flush=True)
    return {"best baseline": best, "best baseline validation": round(validation[best], 4),
            "candidates": rows}  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    args = manifest_arguments(__doc__.split("\n")[0], RESULTS, argv)
    started = time.perf_counter()
    settings = PipelineSettings()
    try:
        splits = datasets(args.manifest)
    except (Prod2VecError, OSError) as error:
        sys.exit(f"bench_defaults: {error}")
    measured = {}
    for name, split in splits.items():
        print(f"{name} ...", file=sys.stderr, flush=True)
        measured[name] = measure(split, settings)
    ratios = pd.DataFrame(
        {
            name: [row["ratio"] for row in figures["candidates"]]
            for name, figures in measured.items()
        }
    )
    grid = pd.DataFrame(candidates()).assign(
        mean_ratio=ratios.mean(axis=1).round(4), worst_ratio=ratios.min(axis=1).round(4)
    )
    chosen = grid.sort_values(["mean_ratio", "worst_ratio"], ascending=False, kind="stable").index[
        0
    ]
    nlp = grid.index[
        (grid.scoring == NLP_STYLE["scoring"])
        & (grid.ns_exponent == NLP_STYLE["ns_exponent"])
        & (grid.window == NLP_STYLE["window"])
    ][0]
    table = pd.concat([grid, ratios.add_prefix("ratio ")], axis=1)
    print(table.to_string(), file=sys.stderr)
    figures = {
        "chosen": candidates()[chosen],
        "the pipeline's DEFAULT_CONFIGURATION is the chosen one": configuration_of(
            candidates()[chosen]
        ).to_dict()
        == DEFAULT_CONFIGURATION.to_dict(),
        "chosen by": "the highest mean over datasets of validation Recall@10 / the best "
        "baseline's validation Recall@10 (ties: the higher worst ratio)",
        "other settings": {key: value for key, value in DEFAULT_PARAMS.items()},
        "per dataset": {
            name: {
                "best baseline": figures["best baseline"],
                "best baseline validation Recall@10": figures["best baseline validation"],
                "chosen": figures["candidates"][chosen],
                "ns_exponent 0.75, input-output, window 5": figures["candidates"][nlp],
            }
            for name, figures in measured.items()
        },
        "grid": table.to_dict("records"),
        "measured": measured,
        "wall seconds": round(time.perf_counter() - started, 1),
        "machine": machine(),
    }
    report(figures, args.output, DEPENDS_ON)


if __name__ == "__main__":
    sys.exit(main())
