"""Ranking kernels shared by every model: deterministic top-K, and target ranks without sorting.

Both order a row of scores by (score descending, column ascending); columns are catalogue
positions, so ties go to the earlier catalogue item. ``-inf`` (or any non-finite score) means
"not a candidate".
"""

from __future__ import annotations

import numpy as np


def ranks_in_rows(
    scores: np.ndarray, targets: np.ndarray, excluded: np.ndarray, cutoff: int | None
) -> np.ndarray:
    """Rank of column ``targets[r]`` in each row by (score desc, column asc); inf if not finite.

    Columns ``excluded[r]`` (when >= 0) are left out of the ranking. One pass counts the
    strictly better columns; the tie-break pass runs only on rows that can still rank within
    ``cutoff`` (all rows if None); the others are reported as ``inf``.
    """
    rows = np.arange(len(targets))
    target_score = scores[rows, targets]
    ahead = count_per_row(scores > target_score[:, None])
    has_excluded = excluded >= 0
    excluded_column = np.maximum(excluded, 0)
    ahead -= has_excluded & (scores[rows, excluded_column] > target_score)
    resolve = np.flatnonzero(ahead < cutoff) if cutoff is not None else rows
    tied_before = (scores[resolve] == target_score[resolve, None]) & (
        np.arange(scores.shape[1]) < targets[resolve, None]
    )
    tied_before[np.arange(len(resolve)), excluded_column[resolve]] &= ~has_excluded[resolve]
    ranks = np.full(len(targets), np.inf)
    ranks[resolve] = ahead[resolve] + count_per_row(tied_before) + 1.0
    ranks[~np.isfinite(target_score)] = np.inf
    return ranks


def count_per_row(flags: np.ndarray) -> np.ndarray:
    """True values per row of a boolean matrix (summing bytes: ~5x faster than count_nonzero)."""
    accumulator = np.uint16 if flags.shape[1] < np.iinfo(np.uint16).max else np.int64
    return flags.view(np.uint8).sum(axis=1, dtype=accumulator).astype(np.int64)


def top_k_indices(scores: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the ``k`` best finite scores per row, by (score desc, column asc).

    Shape ``(n_rows, k)``; -1 where a row has fewer than ``k`` finite scores. The fast path is
    one ``argpartition``; rows where the k-th best score is tied with a score left outside
    are redone exactly, so the result never depends on how ``argpartition`` splits a tie.
    """
    n_rows, n_items = scores.shape
    result = np.full((n_rows, k), -1, dtype=np.int64)
    kth = min(k, n_items)
    if kth == 0 or n_rows == 0:
        return result
    columns = np.argpartition(scores, n_items - kth, axis=1)[:, n_items - kth :]
    values = np.take_along_axis(scores, columns, axis=1)
    order = np.lexsort((columns, -values), axis=1)
    columns = np.take_along_axis(columns, order, axis=1)
    values = np.take_along_axis(values, order, axis=1)
    result[:, :kth] = np.where(np.isfinite(values), columns, -1)
    threshold = values[:, -1:]
    tied_outside = (scores == threshold).sum(axis=1) > (values == threshold).sum(axis=1)
    for row in np.flatnonzero(tied_outside & np.isfinite(threshold[:, 0])):
        result[row] = _exact_top_k(scores[row], k)
    return result


def _exact_top_k(row: np.ndarray, k: int) -> np.ndarray:
    candidates = np.flatnonzero(np.isfinite(row))
    ranked = candidates[np.lexsort((candidates, -row[candidates]))][:k]
    return np.concatenate([ranked, np.full(k - len(ranked), -1, dtype=np.int64)])
