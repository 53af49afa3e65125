"""Item vectors on disk: a numpy ``.npz`` archive that loads without running any code."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
from gensim.models import KeyedVectors

from prod2vec.errors import ModelFileError
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

    Raises
    ------
    FileNotFoundError
        Nothing at ``path``.
    VectorFileError
        Anything else: a pickle (Gensim's native format included), a truncated or foreign file.
    """
    arrays = _read_vector_file(path)
    vectors = KeyedVectors(vector_size=arrays["vectors"].shape[1], count=0)
    vectors.add_vectors(arrays["keys"].tolist(), arrays["vectors"])
    vectors.allocate_vecattrs(["count"], [np.int64])
    vectors.expandos["count"][:] = arrays["counts"]
    return vectors


def load_output_weights(path: str | Path) -> np.ndarray | None:
    """The output weights saved with the vectors at ``path``, or None if none were saved."""
    return _read_vector_file(path).get("output_weights")


def _read_vector_file(path: str | Path) -> dict[str, np.ndarray]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No saved vectors at {path}; save them with save_vectors().")
    hint = "Save the vectors again with prod2vec.models.word2vec.save_vectors()."
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
        raise VectorFileError(
            f"{path} is not a vectors file written by save_vectors ({error}). Nothing in it "
            f"was run. {hint}"
        ) from error
    keys, vectors = arrays.get("keys"), arrays.get("vectors")
    counts = arrays.get("counts")
    problem = None
    if keys is None or vectors is None or counts is None:
        problem = f"it holds {sorted(arrays)}, not keys, vectors and counts"
    elif keys.ndim != 1 or keys.dtype.kind != "U" or vectors.ndim != 2:
        problem = "keys must be a 1-D string array and vectors a 2-D array"
    elif not (len(keys) == len(vectors) == len(counts)) or len(set(keys)) != len(keys):
        problem = "keys, vectors and counts differ in length, or keys repeat"
    elif "output_weights" in arrays and arrays["output_weights"].shape[0] != len(keys):
        problem = "output_weights has another number of rows than there are keys"
    if problem:
        raise VectorFileError(f"{path} is not a valid vectors file: {problem}. {hint}")
    return arrays
