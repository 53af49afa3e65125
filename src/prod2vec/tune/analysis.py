"""Reading a sweep's tables: what ASHA saved, the cheapest good configurations, the defaults.

Works on the tables :mod:`prod2vec.tune.sweep` writes (``trials.csv``, ``epochs.csv``).
"""

from __future__ import annotations

import pandas as pd

from prod2vec.configuration import SEARCHED
from prod2vec.defaults import K
from prod2vec.evaluation.metrics import metric_key

#: the columns that identify a configuration (the Word2Vec seed is the sweep's)
CONFIGURATION = (*SEARCHED, "scoring")


def asha_savings(with_asha: pd.DataFrame, without: pd.DataFrame, k: int = K) -> pd.DataFrame:
    """Epochs, CPU seconds and best validation Recall@K with and without ASHA, same configs.

    Parameters
    ----------
    with_asha, without : pandas.DataFrame
        Trial tables of two sweeps drawn with the same seed; only the configurations both
        ran are compared.

    Returns
    -------
    pandas.DataFrame
        Rows ``with ASHA``, ``without ASHA`` and ``ASHA / without``; columns ``trials``,
        ``epochs``, ``cpu_seconds`` and ``best_recall_at_K``.
    """
    recall = metric_key("recall", k, prefix="best")
    keys = list(CONFIGURATION)
    both = with_asha.merge(without, on=keys, suffixes=("_asha", "_full"))
    if both.empty:
        raise ValueError("The two sweeps share no configuration: run them with the same seed.")
    rows = {
        "with ASHA": (len(both), both["epochs_run_asha"].sum(), both["cpu_seconds_asha"].sum(),
                      both[f"{recall}_asha"].max()),
        "without ASHA": (len(both), both["epochs_run_full"].sum(), both["cpu_seconds_full"].sum(),
                         both[f"{recall}_full"].max()),
    }  # fmt: skip
    table = pd.DataFrame(rows, index=["trials", "epochs", "cpu_seconds", recall]).T
    table.loc["ASHA / without"] = table.loc["with ASHA"] / table.loc["without ASHA"]
    return table


def pareto_front(trials: pd.DataFrame, k: int = K, cost: str = "cpu_seconds") -> pd.DataFrame:
    """Trials no other trial beats on both best validation Recall@K and ``cost``, cheapest first.

    The budget view: anything off this front is both more expensive and worse than something
    on it.
    """
    recall = metric_key("recall", k, prefix="best")
    ordered = trials.sort_values([cost, recall], ascending=[True, False])
    front = ordered[ordered[recall] > ordered[recall].cummax().shift(fill_value=-1.0)]
    return front.reset_index(drop=True)


def cheapest_within(trials: pd.DataFrame, tolerance: float = 0.01, k: int = K) -> pd.Series:
    """The cheapest trial whose best validation Recall@K is within ``tolerance`` of the best."""
    recall = metric_key("recall", k, prefix="best")
    good = trials[trials[recall] >= trials[recall].max() - tolerance]
    return good.sort_values("cpu_seconds").iloc[0]


def sweep_summary(trials: pd.DataFrame) -> pd.Series:
    """Trials, how many ASHA stopped early, epochs run and planned, and CPU hours of a sweep."""
    return pd.Series(
        {
            "trials": len(trials),
            "stopped early by ASHA": int(trials["stopped_early"].sum()),
            "epochs run": int(trials["epochs_run"].sum()),
            "epochs planned": int(trials["epochs_planned"].sum()),
            "CPU hours": round(trials["cpu_seconds"].sum() / 3600, 2),
        },
        name="full sweep",
    )
