"""Item vectors on disk: a numpy ``.npz`` archive that loads without running any code."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from gensim.models import KeyedVectors

from prod2vec.data.interactions import item_id_problem
from prod2vec.errors import ModelFileError
from prod2vec.models.archives import READ_ERRORS, read_uncompressed_npz
from prod2vec.models.word2vec.recommender import training_counts
from prod2vec.outputs.atomic import atomic_path


class VectorFileError(ModelFileError):
    """A file is not a vectors file written by :func:`save_vectors`."""


def save_vectors(
    vectors: KeyedVectors, path: str | Path, output_weights: np.ndarray | None = None
) -> Path:
    """Save item vectors as a numpy ``.npz`` archive that loads without running any code.

    The archive holds ``keys`` (item ids), ``vectors``, ``counts`` (training frequencies) and,
    if given, ``output_weights`` (Word2Vec's ``syn1neg``, for scoring items as skip-gram
    predicts them). Nothing is pickled, unlike Gensim's native ``.save``; it is written through
    a temporary file and a rename.

    Parameters
    ----------
    vectors : gensim.models.KeyedVectors
        Usually ``model.wv``.
    path : str or Path
        Where to write (``.npz`` by convention).
    output_weights : numpy.ndarray, optional
        One row per item, in the order of ``vectors``.

    Returns
    -------
    Path
        ``path``.
    """
    keys = np.asarray(vectors.index_to_key, dtype=str)
    arrays = {
        "keys": keys,
        "vectors": np.asarray(vectors.vectors),
        "counts": training_counts(vectors),
    }
    if output_weights is not None:
        if np.shape(output_weights)[0] != len(keys):
            raise ValueError(
                f"output_weights has {np.shape(output_weights)[0]} rows for {len(keys)} items."
            )
        arrays["output_weights"] = np.asarray(output_weights)
    path = Path(path)
    with atomic_path(path) as temporary, temporary.open("wb") as handle:
        np.savez(handle, **arrays)
    return path


def load_vectors(path: str | Path) -> KeyedVectors:
    """Load item vectors saved by :func:`save_vectors`; loading runs no code from the file.

    The whole file is checked first (:func:`load_vectors_and_output_weights`).

    Raises
    ------
    FileNotFoundError
        Nothing at ``path``.
    VectorFileError
        Anything else: a pickle (Gensim's native format included), a truncated or foreign file,
        arrays of the wrong kind or shape, values that are not finite.
    """
    return load_vectors_and_output_weights(path)[0]


def load_output_weights(path: str | Path) -> np.ndarray | None:
    """The output weights saved with the vectors at ``path``, or None if none were saved.

    The whole file is checked first, as by :func:`load_vectors`.
    """
    return load_vectors_and_output_weights(path)[1]


def load_vectors_and_output_weights(path: str | Path) -> tuple[KeyedVectors, np.ndarray | None]:
    """The item vectors and output weights at ``path``, from one read of the file, checked.

    Loading runs no code from the file. Checked: ``keys`` a 1-D unique array of item ids
    (:func:`~prod2vec.data.interactions.item_id_problem`); ``vectors`` a 2-D float32 or float64
    array with a row per key and at least one column; ``counts`` a non-negative integer per
    key; ``output_weights``, if saved, a float array of the vectors' shape; every value finite
    (and within float32, which the vectors are loaded as).

    Parameters
    ----------
    path : str or Path
        A file written by :func:`save_vectors`.

    Returns
    -------
    tuple of (KeyedVectors, numpy.ndarray or None)
        The vectors with their training counts, and the output weights if they were saved.

    Raises
    ------
    FileNotFoundError
        Nothing at ``path``.
    VectorFileError
        Anything else, in one line naming the file, the problem and the fix.
    """
    arrays = _read_vector_file(path)
    vectors = KeyedVectors(vector_size=arrays["vectors"].shape[1], count=0)
    vectors.add_vectors(arrays["keys"].tolist(), arrays["vectors"])
    vectors.allocate_vecattrs(["count"], [np.int64])
    vectors.expandos["count"][:] = arrays["counts"]
    return vectors, arrays.get("output_weights")


#: the arrays save_vectors writes; only these are read from an archive
_REQUIRED = ("keys", "vectors", "counts")
_OPTIONAL = ("output_weights",)
_RESAVE = (
    "Save the vectors again with prod2vec.models.word2vec.save_vectors() "
    "(`python -m prod2vec pipeline` does)."
)
_RETRAIN = "Train again (a lower alpha keeps training from diverging), then save the vectors."
_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _read_vector_file(path: str | Path) -> dict[str, np.ndarray]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No saved vectors at {path}; save them with save_vectors().")
    with path.open("rb") as handle:
        start = handle.read(4)
    if not_an_archive := _not_an_archive(start):
        raise _foreign(path, not_an_archive)
    try:
        stored = read_uncompressed_npz(path)
    except READ_ERRORS as error:
        raise _foreign(
            path,
            f"its archive cannot be read ({type(error).__name__}: {error}), as when a copy is "
            "truncated, damaged or compressed, or an array would need pickle",
        ) from error
    if not stored:
        raise _foreign(path, "an empty archive, with no arrays in it")
    arrays = {name: stored[name] for name in _REQUIRED + _OPTIONAL if name in stored}
    if problem := _arrays_problem(arrays):
        message, fix = problem
        raise VectorFileError(f"{path} is not a valid vectors file: {message}. {fix}")
    return arrays


def _not_an_archive(start: bytes) -> str | None:
    """What a file starting with ``start`` is, if it is not a zip archive (what numpy writes)."""
    if start.startswith((b"PK\x03\x04", b"PK\x05\x06")):  # numpy's own test for an .npz
        return None
    if not start:
        return "it is empty (0 bytes)"
    if start.startswith(b"\x80"):
        return "it is a Python pickle (as Gensim's native .save writes), which is never loaded"
    if start.startswith(b"\x93NUM"):
        return "it is a single .npy array, not an .npz archive"
    return "it is not an .npz (zip) archive"


def _foreign(path: Path, what: str) -> VectorFileError:
    return VectorFileError(
        f"{path} is not a vectors file written by save_vectors: {what}. Nothing in it was run. "
        f"{_RESAVE}"
    )


def _arrays_problem(arrays: dict[str, object]) -> tuple[str, str] | None:
    """What is wrong with the arrays of a vectors file, and the fix; None if nothing is."""
    if missing := [name for name in _REQUIRED if name not in arrays]:
        return f"it holds {sorted(arrays)}, not keys, vectors and counts (no {missing})", _RESAVE
    if foreign := [name for name, value in arrays.items() if not isinstance(value, np.ndarray)]:
        return f"{foreign} are not .npy arrays", _RESAVE
    keys, vectors, counts = (arrays[name] for name in _REQUIRED)
    output_weights = arrays.get("output_weights")
    for name, ndim in (("keys", 1), ("vectors", 2), ("counts", 1), ("output_weights", 2)):
        if name in arrays and arrays[name].ndim != ndim:
            return f"{name} must be a {ndim}-D array, not of shape {arrays[name].shape}", _RESAVE
    if not len(keys) == len(vectors) == len(counts):
        return (
            f"keys, vectors and counts differ in length ({len(keys):,} keys, {len(vectors):,} "
            f"vectors, {len(counts):,} counts)",
            _RESAVE,
        )
    if keys.dtype.kind != "U":
        return f"keys must be a str array, not {keys.dtype}", _RESAVE
    ids, first_seen = np.unique(keys, return_index=True)
    if len(ids) < len(keys):
        repeated = str(keys[np.setdiff1d(np.arange(len(keys)), first_seen)[0]])
        return f"keys repeat ({repeated!r} more than once)", _RESAVE
    if id_problem := item_id_problem(keys.astype(object)):
        position, what = id_problem
        return f"key {position} is {what}", _RESAVE
    if not _encodes_as_utf8(keys):
        return "keys hold lone surrogates, which UTF-8 (and JSON answers) cannot encode", _RESAVE
    if len(keys) == 0 or vectors.shape[1] == 0:
        return f"it holds no vectors (shape {vectors.shape})", _RESAVE
    if counts.dtype.kind not in "iu":
        return f"counts must be integers, not {counts.dtype}", _RESAVE
    if (counts < 0).any() or (counts > np.iinfo(np.int64).max).any():
        return "counts must be non-negative and fit int64", _RESAVE
    for name in ("vectors", "output_weights"):
        if name in arrays and not _is_float32_or_64(arrays[name]):
            return f"{name} must be float32 or float64, not {arrays[name].dtype}", _RESAVE
    if output_weights is not None and output_weights.shape != vectors.shape:
        return (
            f"output_weights has shape {output_weights.shape} for vectors of shape "
            f"{vectors.shape}: they must match, a row of each per key",
            _RESAVE,
        )
    for name in ("vectors", "output_weights"):
        if name in arrays and (bad := np.flatnonzero(~_within_float32(arrays[name]))).size:
            return (
                f"{name} hold {bad.size:,} values that are NaN, infinite or beyond float32 "
                f"(the first in the row of key {str(keys[bad[0] // vectors.shape[1]])!r})",
                _RETRAIN,
            )
    return None


def _is_float32_or_64(values: np.ndarray) -> bool:
    return values.dtype.kind == "f" and values.dtype.itemsize in (4, 8)


def _within_float32(values: np.ndarray) -> np.ndarray:
    """Elementwise: finite and representable as float32 (NaN compares False)."""
    return (np.abs(values) <= _FLOAT32_MAX).ravel()


def _encodes_as_utf8(keys: np.ndarray) -> bool:
    try:
        "".join(keys.tolist()).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
