"""What a pipeline run says about itself: its figures as JSON, and a short Markdown report."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import pandas as pd

from prod2vec.data.item_labels import describe_items
from prod2vec.evaluation.metrics import metric_key, metric_label
from prod2vec.evaluation.results import markdown_table, wide_table

if TYPE_CHECKING:
    from prod2vec.pipeline import PipelineResult


def metrics_summary(result: PipelineResult) -> dict[str, Any]:
    """The run's figures as JSON-ready data: data quality, split, training, test metrics."""
    k = result.settings.k
    settings = asdict(result.settings)
    if result.settings.session_gap is not None:
        settings["session_gap"] = str(result.settings.session_gap)
    return {
        "data_quality": result.quality.as_dict(),
        "split": result.split_sizes,
        "configuration": result.configuration.to_dict(),
        "settings": settings,
        "training": {
            "epochs_run": len(result.history),
            "best_epoch": result.configuration.best_epoch,
            metric_key("recall", k, prefix="best_validation"): float(
                result.history[metric_label("recall", k)].max()
            ),
        },
        "test": [
            {
                key: (round(value, 6) if isinstance(value, float) else value)
                for key, value in row.items()
            }
            for row in result.results.to_dict("records")
        ],
        "stage_seconds": result.stage_seconds,
    }


def markdown_report(result: PipelineResult, command: str, examples: int = 3) -> str:
    """A short human-readable report: data quality, results, and a few neighbour lists."""
    k = result.settings.k
    configuration = result.configuration
    lines = [
        "# prod2vec pipeline report",
        "",
        f"Command: `{command}`",
        "",
        "## Data quality",
        "",
        result.quality.to_markdown(),
        "",
        "## Split and training",
        "",
        f"{result.split_sizes['training_sessions']:,} training sessions; "
        f"{result.split_sizes['test_pairs']:,} test and "
        f"{result.split_sizes['validation_pairs']:,} validation (query, target) pairs "
        f"(split seed {result.settings.split_seed}).",
        "",
        f"Word2Vec ({configuration.scoring} scoring, {json.dumps(configuration.word2vec)}, "
        f"seed {result.settings.model_seed}) ran {len(result.history)} epochs; validation "
        f"{metric_label('recall', k)} peaked at epoch {configuration.best_epoch}, whose weights "
        "were kept.",
        "",
        "## Test results (95% bootstrap intervals; a model wins only where intervals part)",
        "",
        markdown_table(wide_table(result.results).reset_index()),
        "",
        "## What it recommends after the most frequent items",
        "",
    ]
    model = result.model
    labels = result.labels
    if labels is None:
        labels = pd.Series(model.items_, index=model.items_)
    for item in model.items_[:examples]:
        neighbours = model.recommend([item], k=5)[0]
        described = describe_items([item, *neighbours], labels)
        head, rest = described.iloc[0], described.iloc[1:]
        lines.append(
            f"- **{head['item']}** ({head['description']}): "
            + "; ".join(f"{row.item} ({row.description})" for row in rest.itertuples())
        )
    return "\n".join(lines) + "\n"
