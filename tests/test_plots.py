"""The notebooks' figures: what they draw from their inputs, and saving them atomically."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from prod2vec.plots import (
    plot_item_popularity,
    plot_results,
    plot_session_lengths,
    plot_training_history,
    plot_window_sweep,
    save_figure,
)

matplotlib.use("Agg")
SESSIONS = [["a", "b", "a"], ["a", "c"], ["d", "a", "b", "e"]]


def results(models: list[str]) -> pd.DataFrame:
    rows = [
        (model, metric, 0.2, 0.1, 0.3) for model in models for metric in ("Recall@10", "MRR@10")
    ]
    return pd.DataFrame(rows, columns=["model", "metric", "value", "ci_low", "ci_high"])


def test_item_popularity_plots_counts_by_rank_and_their_cumulative_share() -> None:
    figure = plot_item_popularity(SESSIONS, title="t")
    counts_axis, share_axis = figure.axes
    assert counts_axis.get_xscale() == counts_axis.get_yscale() == "log"
    np.testing.assert_array_equal(counts_axis.lines[0].get_ydata(), [4, 2, 1, 1, 1])
    assert share_axis.lines[0].get_ydata()[-1] == pytest.approx(100)


def test_session_lengths_one_histogram_per_named_set() -> None:
    lengths = {"reference": pd.Series([2, 3, 4]), "clean": pd.Series([2, 2, 9])}
    axis = plot_session_lengths(lengths).axes[0]
    labels = [text.get_text() for text in axis.get_legend().get_texts()]
    assert labels == ["reference (median 3)", "clean (median 2)"]


def test_results_one_panel_per_metric_one_bar_per_model() -> None:
    figure = plot_results(results(["m1", "m2", "m3"]))
    assert [axis.get_title() for axis in figure.axes] == ["Recall@10", "MRR@10"]
    assert all(len(axis.patches) == 3 for axis in figure.axes)


def test_results_bars_are_grouped_by_family() -> None:
    models = ["Word2Vec tuned", "MostPopular", "CoOccurrence(window=2)", "Word2Vec out of the box",
              "SequentialRules(window=5)", "PMI+SVD"]  # fmt: skip
    axis = plot_results(results(models)).axes[0]
    labels = [tick.get_text() for tick in axis.get_yticklabels()]
    assert labels == ["MostPopular", "CoOccurrence(window=2)", "SequentialRules(window=5)",
                      "PMI+SVD", "Word2Vec tuned", "Word2Vec out of the box"]  # fmt: skip
    colours = [bar.get_facecolor() for bar in axis.patches]
    assert colours[1] == colours[2] != colours[0] and colours[4] == colours[5] != colours[3]
    positions = sorted((bar.get_y() for bar in axis.patches), reverse=True)
    steps = -np.diff(positions)
    assert steps[[0, 2, 3]].min() > steps[[1, 4]].max()  # a gap between families, none inside
    legend = axis.figure.legends[0]
    assert [text.get_text() for text in legend.get_texts()] == [
        "popularity", "counting", "embedding of counts", "Word2Vec"
    ]  # fmt: skip


def test_window_sweep_reads_the_window_from_the_model_name() -> None:
    sweep = results(["CoOccurrence(window=1)", "CoOccurrence(window=5)"]).assign(
        family="CoOccurrence"
    )
    axis = plot_window_sweep(sweep).axes[0]
    assert [tick.get_text() for tick in axis.get_xticklabels()] == ["1", "5"]


def test_training_history_draws_the_panels_it_has_columns_for() -> None:
    history = pd.DataFrame(
        {"Recall@10": [0.1, 0.2], "alpha": [0.02, 0.01], "loss": [5.0, 4.0]},
        index=pd.Index([1, 2], name="epoch"),
    )
    figure = plot_training_history(history, best_epoch=2, stopped_epoch=2)
    assert [axis.get_ylabel() for axis in figure.axes] == [
        "validation Recall@10",
        "training loss",
        "learning rate",
    ]
    assert all(axis.get_ylim()[0] == 0 for axis in figure.axes)  # no truncated axis
    assert [text.get_text() for text in figure.legends[0].get_texts()] == [
        "best (epoch 2)",
        "stopped (epoch 2)",
    ]
    assert len(plot_training_history(history.drop(columns="loss")).axes) == 2


def sweep_trials() -> pd.DataFrame:
    return pd.DataFrame(
        {"trial_id": ["t1", "t2", "t3"], "stopped_early": [False, True, False],
         "ns_exponent": [-0.5, 0.75, 1.0], "negative": [5, 10, 20], "window": [3, 5, 10],
         "sample": [1e-5, 1e-3, 1e-2], "alpha": [0.01, 0.02, 0.05],
         "vector_size": [16, 64, 100], "epochs": [5, 10, 20],
         "scoring": ["input-input", "input-output", "input-output"],
         "cpu_seconds": [10.0, 2.0, 40.0], "best_recall_at_5": [0.2, 0.1, 0.3]}
    )  # fmt: skip


def test_sweep_figures_read_the_recall_at_the_cut_off_they_are_given() -> None:
    tune_plots = pytest.importorskip("prod2vec.tune.plots")  # the tune extra
    trials = sweep_trials()
    epochs = pd.DataFrame(
        {"trial_id": ["t1", "t1", "t2", "t3"], "epoch": [1, 2, 1, 1],
         "recall_at_5": [0.1, 0.2, 0.1, 0.3]}
    )  # fmt: skip
    axis = tune_plots.plot_learning_curves(epochs, trials, k=5).axes[0]
    assert axis.get_ylabel() == "validation Recall@5"
    assert [line.get_color() for line in axis.lines[:3]] == ["tab:blue", "0.75", "tab:blue"]
    labels = [text.get_text() for text in axis.get_legend().get_texts()]
    assert labels == ["stopped by ASHA (1)", "ran to the end (2)"]

    figure = tune_plots.plot_hyperparameter_panels(trials, {"chosen": "t2"}, k=5)
    panels = figure.axes[: len(tune_plots.HYPERPARAMETERS)]
    assert [axis.get_xlabel() for axis in panels] == [
        f"{name} (log)" if name in tune_plots.LOG_SCALED else name
        for name in tune_plots.HYPERPARAMETERS
    ]
    assert all(axis.get_title().startswith("Spearman ") for axis in panels)
    assert panels[0].get_ylabel() == "best validation Recall@5"
    labels = [text.get_text() for text in figure.axes[-1].get_legend().get_texts()]
    assert labels[-2:] == ["stopped by ASHA", "chosen"]
    assert labels[0].endswith("trials)")

    front = trials.sort_values("cpu_seconds").iloc[[0, 1, 2]]
    axis = tune_plots.plot_budget(trials, front, k=5).axes[0]
    assert axis.get_xscale() == "log" and axis.get_ylabel() == "best validation Recall@5"
    np.testing.assert_array_equal(axis.lines[0].get_ydata(), front["best_recall_at_5"])


def test_save_figure_writes_a_png_and_nothing_else(tmp_path: Path) -> None:
    path = save_figure(plot_item_popularity(SESSIONS), "popularity", folder=tmp_path)
    assert path == tmp_path / "popularity.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [entry.name for entry in tmp_path.iterdir()] == ["popularity.png"]
