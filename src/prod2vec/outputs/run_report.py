"""What a pipeline run says about itself: its figures as JSON, and a short Markdown report."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import pandas as pd

from prod2vec.data.item_labels import describe_items
from prod2vec.defaults import CONTEXT_MARGIN
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
        "served": {
            "model": result.served.name,
            "family": result.served.family,
            "context": result.served.rule.to_dict(),
            "verdict": verdict(result),
        },
        "validation": _records(result.choice.validation),
        "test_word2vec_minus_best_baseline": {
            label: dict(zip(("mean", "ci_low", "ci_high"), map(_rounded, values), strict=True))
            for label, values in result.test_difference.items()
        },
        "context": {
            "rules": {name: rule.to_dict() for name, rule in result.context.rules.items()},
            "validation": _records(result.context.validation),
            "test": _records(result.context.test) if result.context.test is not None else None,
        },
        "search": None
        if result.search is None
        else {
            "trials": len(result.search.trials),
            "cpu_seconds": round(result.search.cpu_seconds, 1),
            "wall_seconds": round(result.search.wall_seconds, 1),
            "settings": dict(result.search.configuration.provenance.search or {}),
        },
        "stage_seconds": result.stage_seconds,
    }


def verdict(result: PipelineResult) -> str:
    """One paragraph: which model won on validation, how Word2Vec did on test, what is served.

    Word2Vec's test figure comes with its 95% interval, and its difference from the best
    counting model with the paired interval; when Word2Vec loses on validation, the paragraph
    says so plainly. A tie on validation (which goes to the counting model) is called a tie,
    and a choice made on fewer than 100 validation pairs is said to be uncertain.
    """
    k = result.settings.k
    recall, mrr = metric_label("recall", k), metric_label("mrr", k)
    choice, served = result.choice, result.served
    validation = choice.validation.set_index("model")
    word2vec, baseline = choice.word2vec.name, choice.best_baseline.name
    winner, loser = (word2vec, baseline) if choice.word2vec_wins else (served.name, word2vec)
    on_validation = (
        f"{recall} {validation.at[winner, recall]:.3f} vs {validation.at[loser, recall]:.3f}, "
        f"{mrr} {validation.at[winner, mrr]:.3f} vs {validation.at[loser, mrr]:.3f}"
    )
    ties = [validation.at[winner, label] == validation.at[loser, label] for label in (recall, mrr)]
    if all(ties):
        how = "ties with Word2Vec, and a tie goes to the counting model, simpler to serve"
    elif ties[0]:
        how = f"ties with {loser} on {recall} and beats it on {mrr}"
    else:
        how = f"beats {'the best counting model, ' + baseline if choice.word2vec_wins else loser}"
    test = result.results.set_index(["model", "metric"])
    figures = []
    for label in (recall, mrr):
        value, low, high = test.loc[(word2vec, label), ["value", "ci_low", "ci_high"]]
        difference, difference_low, difference_high = result.test_difference[label]
        figures.append(
            f"{label} {value:.3f} [{low:.3f}, {high:.3f}], {difference:+.3f} "
            f"[{difference_low:+.3f}, {difference_high:+.3f}]"
        )
    on_test = f"on the test pairs Word2Vec scores {'; '.join(figures)} against {baseline}"
    context = f"The endpoint scores a request by its {served.rule.label}."
    pairs = result.split_sizes["validation_pairs"]
    if pairs < 100:  # a Recall@K on so few pairs moves by 0.01 or more per pair
        context += (
            f" The choice rests on only {pairs:,} validation pairs: more data would be needed "
            "to trust it."
        )
    if choice.word2vec_wins:
        return (
            f"**Word2Vec is served**: on the validation pairs it {how} ({on_validation}); "
            f"{on_test}. {context}"
        )
    compared = "as well as" if all(ties) else "better than"
    return (
        f"**{served.name} is served, not Word2Vec**: on the validation pairs it {how} "
        f"({on_validation}); {on_test}. {context} Warning: on this data a counting model "
        f"recommends {compared} the embeddings; their vectors are still written for "
        "similar-item lookups."
    )


def _rounded(value: float) -> float:
    return round(float(value), 6)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            key: (_rounded(value) if isinstance(value, float) else value)
            for key, value in row.items()
        }
        for row in frame.to_dict("records")
    ]


def markdown_report(result: PipelineResult, command: str, examples: int = 3) -> str:
    """A short human-readable report: data quality, results, and a few neighbour lists."""
    k = result.settings.k
    configuration = result.configuration
    lines = [
        "# prod2vec pipeline report",
        "",
        f"Command: `{command}`",
        "",
        verdict(result),
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
        "## Session context (the last items of a request)",
        "",
        f"Chosen on the validation pairs among the last 1, 2, 3, 5 and 10 items (mean or "
        f"recency-weighted); a context replaces the last item alone only if it gains more than "
        f"{CONTEXT_MARGIN} in validation {metric_label('recall', k)}. Test figures under each "
        "model's chosen rule:",
        "",
        markdown_table(_given_rule(result.context.test))
        if result.context.test is not None
        else "(not measured)",
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


def _given_rule(context_test: pd.DataFrame) -> pd.DataFrame:
    """The context study's test table for reading: one row per model and its rule."""
    named = context_test.assign(model=context_test["model"] + ", given " + context_test["rule"])
    return wide_table(named.drop(columns="rule")).reset_index()
