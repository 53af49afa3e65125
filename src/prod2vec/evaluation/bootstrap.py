"""The percentile bootstrap, once: an interval for a mean, and for a mean of paired differences.

Both resample the queries (pairs) with replacement from ``numpy.random.default_rng(seed)``, so
the same seed draws the same resamples: models scored on the same pairs are compared on the
same resampled test sets.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: resamples and coverage of every interval the project reports
N_RESAMPLES = 2000
LEVEL = 0.95


def resampled_means(values: np.ndarray, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Means of ``n_resamples`` resamples of ``values`` drawn with replacement from ``rng``.

    Parameters
    ----------
    values : numpy.ndarray
        One value per query.
    n_resamples : int
        How many resamples.
    rng : numpy.random.Generator
        Where the draws come from; it advances by one ``(n_resamples, len(values))`` draw.

    Returns
    -------
    numpy.ndarray
        ``(n_resamples,)`` means.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        raise ValueError("Cannot bootstrap an empty sample.")
    return values[rng.integers(0, len(values), size=(n_resamples, len(values)))].mean(axis=1)


def percentile_interval(means: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    """The central ``level`` interval of bootstrap ``means``, by percentiles."""
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}.")
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def bootstrap_ci(
    values: np.ndarray, n_resamples: int = N_RESAMPLES, level: float = LEVEL, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``values`` (resampling the queries).

    Parameters
    ----------
    values : numpy.ndarray
        One value per query, for example its Recall@K hit.
    n_resamples : int
        How many resamples.
    level : float
        Coverage of the interval.
    seed : int
        Seed of the resamples.

    Returns
    -------
    tuple of (float, float)
        The interval's low and high ends.
    """
    return percentile_interval(
        resampled_means(values, n_resamples, np.random.default_rng(seed)), level
    )


def paired_difference_interval(
    differences: Sequence[np.ndarray],
    n_resamples: int = N_RESAMPLES,
    level: float = LEVEL,
    seed: int = 0,
) -> tuple[float, float, float]:
    """Mean of per-split mean differences, and its percentile bootstrap interval.

    Each split's per-pair differences are resampled on their own, one split after the other
    from one generator; the statistic weighs every split equally.

    Parameters
    ----------
    differences : sequence of numpy.ndarray
        Per split, one model's per-pair metric minus another's on the same pairs.
    n_resamples : int
        How many resamples.
    level : float
        Coverage of the interval.
    seed : int
        Seed of the resamples.

    Returns
    -------
    tuple of (float, float, float)
        The mean difference, and the interval's low and high ends.
    """
    rng = np.random.default_rng(seed)
    means = np.zeros(n_resamples)
    for values in differences:
        means += resampled_means(values, n_resamples, rng)
    means /= len(differences)
    low, high = percentile_interval(means, level)
    return float(np.mean([np.mean(values) for values in differences])), low, high
