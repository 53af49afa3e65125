"""Fitted counting models on disk: one numpy ``.npz`` archive that loads without running any code.

The archive holds ``kind`` (the model's class name), ``window`` (0 for the models without one),
``items`` (the catalogue, in its tie-break order) and either ``popularity`` (MostPopular) or
the score matrix as CSR arrays ``indptr``, ``indices`` and ``data`` (item-to-item models).
Strings are fixed-width unicode arrays, never objects, so nothing is pickled; the file is
written through a temporary file and a rename, and checked completely when it is loaded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.sparse as sp

from prod2vec.data.interactions import item_id_problem
from prod2vec.errors import ModelFileError
from prod2vec.models.archives import READ_ERRORS, read_uncompressed_npz
from prod2vec.models.baselines import (
    AssociationRules,
    CoOccurrence,
    CountingModel,
    MostPopular,
    SequentialRules,
    Windowed,
)
from prod2vec.outputs.atomic import atomic_path

#: the counting models a file may hold, by the class name it records
KINDS: dict[str, type[CountingModel]] = {
    model.__name__: model
    for model in (MostPopular, AssociationRules, CoOccurrence, SequentialRules)
}
_MATRIX = ("indptr", "indices", "data")
_RESAVE = "Save the model again with save_counting_model() (`python -m prod2vec pipeline` does)."


def save_counting_model(model: CountingModel, path: str | Path) -> Path:
    """Save a fitted counting model to ``path`` (``.npz``), atomically and without pickle.

    Parameters
    ----------
    model : CountingModel
        A fitted model of one of :data:`KINDS`.
    path : str or Path
        Where to write.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    TypeError
        A model of another kind.
    """
    kind = type(model).__name__
    if KINDS.get(kind) is not type(model):
        raise TypeError(f"Only {sorted(KINDS)} models can be saved, not {kind}.")
    model._check_fitted()
    arrays = {
        "kind": np.array(kind),
        "window": np.array(model.window if isinstance(model, Windowed) else 0, dtype=np.int64),
        "items": np.asarray(model.items_, dtype=str),
    }
    if isinstance(model, MostPopular):
        arrays["popularity"] = np.asarray(model.popularity_, dtype=np.float64)
    else:
        matrix = model.matrix_
        arrays |= {
            "indptr": matrix.indptr.astype(np.int64),
            "indices": matrix.indices.astype(np.int64),
            "data": matrix.data.astype(np.float64),
        }
    path = Path(path)
    with atomic_path(path) as temporary, temporary.open("wb") as handle:
        np.savez(handle, **arrays)
    return path


def load_counting_model(path: str | Path) -> CountingModel:
    """The counting model :func:`save_counting_model` wrote, checked; loading runs no code.

    Checked: ``kind`` one of :data:`KINDS`; ``window`` a positive integer for the windowed
    models; ``items`` a non-empty 1-D unicode array of unique item ids; ``popularity`` one
    finite non-negative float per item, or a CSR matrix of the catalogue's square shape whose
    ``indptr`` rises from 0 to its number of entries, whose ``indices`` are columns of the
    catalogue rising within each row, and whose ``data`` are finite and positive. The archive
    must be uncompressed, as it is written, so that reading it takes no more memory than the
    file's size.

    Raises
    ------
    ModelFileError
        Nothing at ``path``, or anything wrong with it, in one line naming the file, the
        problem and the fix.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"No counting model at {path}: {_RESAVE}")
    try:
        arrays = read_uncompressed_npz(path)
    except READ_ERRORS as error:
        raise ModelFileError(
            f"{path} is not a counting model file: it cannot be read as an uncompressed .npz "
            f"archive without pickle ({type(error).__name__}: {error}). Nothing in it was run. "
            f"{_RESAVE}"
        ) from error
    if problem := _arrays_problem(arrays):
        raise ModelFileError(f"{path} is not a valid counting model file: {problem}. {_RESAVE}")
    kind = str(arrays["kind"])
    cls = KINDS[kind]
    model = cls(int(arrays["window"])) if issubclass(cls, Windowed) else cls()
    model._set_catalogue(arrays["items"])
    if isinstance(model, MostPopular):
        model.popularity_ = arrays["popularity"].astype(np.float64)
    else:
        n_items = len(arrays["items"])
        matrix = sp.csr_matrix(
            (arrays["data"], arrays["indices"], arrays["indptr"]), shape=(n_items, n_items)
        )
        model._keep_positive(matrix)
    return model


def _arrays_problem(arrays: dict[str, np.ndarray]) -> str | None:
    """What is wrong with the arrays of a counting model file; None if nothing is."""
    for name in ("kind", "window", "items"):
        if name not in arrays:
            return f"it holds no {name!r} array (it holds {sorted(arrays)})"
    kind, window, items = arrays["kind"], arrays["window"], arrays["items"]
    if kind.shape != () or kind.dtype.kind != "U" or str(kind) not in KINDS:
        return f"its kind must be one of {sorted(KINDS)}, not {kind!r:.80}"
    if window.shape != () or window.dtype.kind not in "iu":
        return f"its window must be one integer, not {window!r:.80}"
    if issubclass(KINDS[str(kind)], Windowed) and int(window) < 1:
        return f"a {kind} model needs a window of at least 1, not {int(window)}"
    if items.ndim != 1 or items.dtype.kind != "U" or len(items) == 0:
        return f"items must be a non-empty 1-D string array, not {items.dtype} {items.shape}"
    if len(np.unique(items)) < len(items):
        return "items repeat"
    if id_problem := item_id_problem(items.astype(object)):
        position, what = id_problem
        return f"item {position} is {what}"
    n_items = len(items)
    if KINDS[str(kind)] is MostPopular:
        return _values_problem(arrays, "popularity", n_items, positive=False)
    return _matrix_problem(arrays, n_items)


def _values_problem(
    arrays: dict[str, np.ndarray], name: str, length: int, positive: bool
) -> str | None:
    """``arrays[name]``: a 1-D float array of ``length`` finite values, > 0 or >= 0."""
    if name not in arrays:
        return f"it holds no {name!r} array (it holds {sorted(arrays)})"
    values = arrays[name]
    if values.ndim != 1 or values.dtype.kind != "f" or len(values) != length:
        return f"{name} must be {length:,} floats, not {values.dtype} of shape {values.shape}"
    if not np.isfinite(values).all():
        return f"{name} hold values that are NaN or infinite"
    if (values <= 0).any() if positive else (values < 0).any():
        return f"{name} must be {'positive' if positive else 'non-negative'}"
    return None


def _matrix_problem(arrays: dict[str, np.ndarray], n_items: int) -> str | None:
    """The CSR arrays of an ``n_items`` square matrix of positive scores, or what is wrong."""
    if missing := [name for name in _MATRIX if name not in arrays]:
        return f"it holds no {missing[0]!r} array (it holds {sorted(arrays)})"
    indptr, indices = arrays["indptr"], arrays["indices"]
    for name, values in (("indptr", indptr), ("indices", indices)):
        if values.ndim != 1 or values.dtype.kind not in "iu":
            return f"{name} must be a 1-D integer array, not {values.dtype} of shape {values.shape}"
    if (
        len(indptr) != n_items + 1
        or indptr[0] != 0
        or indptr[-1] != len(indices)
        or (np.diff(indptr) < 0).any()
    ):
        return (
            f"indptr must rise from 0 to the {len(indices):,} stored entries over "
            f"{n_items + 1:,} values, one per item and one more"
        )
    if len(indices) and (indices.min() < 0 or indices.max() >= n_items):
        return f"indices must be columns of the {n_items:,} items"
    within_rows = np.ones(max(len(indices) - 1, 0), dtype=bool)
    row_starts = indptr[1:-1]
    within_rows[row_starts[(row_starts > 0) & (row_starts < len(indices))] - 1] = False
    if (np.diff(indices)[within_rows] <= 0).any():
        return "indices must rise within each row (each item's columns sorted, none twice)"
    return _values_problem(arrays, "data", len(indices), positive=True)
