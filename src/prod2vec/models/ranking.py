"""Ranking kernels shared by every model: deterministic top-K, and target ranks without sorting.

All order a row of scores by (score descending, column ascending); columns are catalogue
positions, so ties go to the earlier catalogue item. ``-inf`` (or any non-finite score) means
"not a candidate". The ``sparse_`` kernels give exactly what their dense twins give on the
dense matrix whose absent entries are ``-inf``, in time and memory that grow with the stored
entries of the rows, not with the catalogue.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


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


def sparse_top_k_indices(rows: sp.csr_matrix, excluded: np.ndarray, k: int) -> np.ndarray:
    """:func:`top_k_indices` of ``rows`` where only stored entries are candidates.

    Stored values must be finite. Columns ``excluded[r]`` (when >= 0) are left out, as if their
    score were ``-inf``.
    """
    if not rows.has_sorted_indices:
        rows = rows.sorted_indices()
    row_of, columns, values = _stored_entries(rows)
    keep = columns != excluded[row_of]
    row_of, columns, values = row_of[keep], columns[keep], values[keep]
    # a stable sort keeps each row's columns ascending among equal scores
    order = np.lexsort((-values, row_of))
    row_of, columns = row_of[order], columns[order]
    per_row = np.bincount(row_of, minlength=rows.shape[0])
    place = np.arange(len(row_of)) - (np.cumsum(per_row) - per_row)[row_of]
    within = place < k
    result = np.full((rows.shape[0], k), -1, dtype=np.int64)
    result[row_of[within], place[within]] = columns[within]
    return result


def sparse_ranks_in_rows(
    rows: sp.csr_matrix, targets: np.ndarray, excluded: np.ndarray, cutoff: int | None
) -> np.ndarray:
    """:func:`ranks_in_rows` of ``rows`` where only stored (finite) entries are candidates."""
    n_rows = rows.shape[0]
    row_of, columns, values = _stored_entries(rows)
    target_score = np.full(n_rows, -np.inf)
    is_target = columns == targets[row_of]
    target_score[row_of[is_target]] = values[is_target]
    row_target_score = target_score[row_of]
    counted = columns != excluded[row_of]
    better = counted & (values > row_target_score)
    tied_before = counted & (values == row_target_score) & (columns < targets[row_of])
    ahead = np.bincount(row_of[better], minlength=n_rows)
    ranks = ahead + np.bincount(row_of[tied_before], minlength=n_rows) + 1.0
    if cutoff is not None:
        ranks[ahead >= cutoff] = np.inf
    ranks[~np.isfinite(target_score)] = np.inf
    return ranks


def _stored_entries(rows: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row number, column and value of every stored entry of a CSR matrix."""
    row_of = np.repeat(np.arange(rows.shape[0]), np.diff(rows.indptr))
    return row_of, rows.indices.astype(np.int64), rows.data
