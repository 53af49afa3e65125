"""Embeddings out of the project, in formats other tools read, with no code run on loading.

* :func:`save_keyed_vectors`: the word2vec text format, which Gensim reads back with
  ``KeyedVectors.load_word2vec_format`` (and so do fastText, spaCy and most embedding tools);
  unlike Gensim's ``.save`` it holds no pickle.
* :func:`write_projector_files`: ``vectors.tsv`` and ``metadata.tsv`` for the TensorFlow
  Embedding Projector: open https://projector.tensorflow.org, choose *Load*, and give it the
  two files (no TensorBoard needed).

Every file is written through a temporary file and a rename (:mod:`prod2vec.outputs.atomic`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from gensim.models import KeyedVectors

from prod2vec.models.word2vec import training_counts
from prod2vec.outputs.atomic import atomic_path

_WHITESPACE = re.compile(r"\s")


def text_export_collisions(ids: Iterable[object], replace_spaces: str) -> list[list[str]]:
    """The groups of ids that become one id when white space in them becomes ``replace_spaces``.

    Parameters
    ----------
    ids : iterable
        Item ids (written as text).
    replace_spaces : str
        What takes the place of white space in the word2vec text format (``"_"``).

    Returns
    -------
    list of list of str
        Each group of two or more ids that would be written the same, sorted; empty when none.
    """
    keys = pd.Series(list(dict.fromkeys(map(str, ids))), dtype=str)
    written = keys.str.replace(_WHITESPACE, replace_spaces, regex=True)
    shared = written.duplicated(keep=False)
    return sorted(sorted(group) for group in keys[shared].groupby(written[shared]).agg(list))


def save_keyed_vectors(
    vectors: KeyedVectors, path: str | Path, replace_spaces: str | None = None
) -> Path:
    """Write ``vectors`` in the word2vec text format (a header line, then ``id v1 v2 ...``).

    Parameters
    ----------
    vectors : KeyedVectors
        The item vectors.
    path : str or Path
        The file to write.
    replace_spaces : str, optional
        Put this in place of white space inside ids (the format's separator), for example
        ``"_"``; by default such an id is refused.

    Raises
    ------
    ValueError
        An id holds white space and no ``replace_spaces`` is given, or replacing it would
        make two ids equal.
    """
    keys = [str(key) for key in vectors.index_to_key]
    if replace_spaces is not None:
        if collisions := text_export_collisions(keys, replace_spaces):
            raise ValueError(
                f"Replacing white space with {replace_spaces!r} makes two item ids equal "
                f"({' = '.join(map(repr, collisions[0]))}): choose another replacement."
            )
        keys = [_WHITESPACE.sub(replace_spaces, key) for key in keys]
    elif bad := [key for key in keys if _WHITESPACE.search(key)][:3]:
        raise ValueError(
            f"Item ids with white space cannot go in the word2vec text format: {bad}. Pass "
            "replace_spaces='_', or use prod2vec.models.word2vec.save_vectors (.npz)."
        )
    renamed = KeyedVectors(vector_size=vectors.vector_size, count=0)
    renamed.add_vectors(keys, vectors.vectors)
    path = Path(path)
    with atomic_path(path) as temporary:
        renamed.save_word2vec_format(str(temporary), binary=False)
    return path


def _one_line(values: pd.Series) -> pd.Series:
    """Text safe for a TSV cell: tabs and line breaks become spaces."""
    return values.astype(str).str.replace(r"[\t\r\n]+", " ", regex=True)


def write_projector_files(
    vectors: KeyedVectors, folder: str | Path, labels: pd.Series | None = None
) -> tuple[Path, Path]:
    """Write ``vectors.tsv`` (one vector a line) and ``metadata.tsv`` (its item, label, count).

    Parameters
    ----------
    vectors : KeyedVectors
        The item vectors; rows keep their order.
    folder : str or Path
        Where to write the two files (created if needed).
    labels : pandas.Series, optional
        Label by item id (a product description); ``?`` where an item has none.

    Returns
    -------
    tuple of Path
        The vectors file and the metadata file.
    """
    folder = Path(folder)
    items = pd.Series(vectors.index_to_key, dtype=str)
    metadata = pd.DataFrame(
        {
            "item": _one_line(items),
            "label": _one_line(
                labels.reindex(items).fillna("?") if labels is not None else items
            ).to_numpy(),
            "count": training_counts(vectors),
        }
    )
    vectors_path, metadata_path = folder / "vectors.tsv", folder / "metadata.tsv"
    with atomic_path(vectors_path) as temporary:
        np.savetxt(temporary, vectors.vectors, delimiter="\t", fmt="%.6g")
    with atomic_path(metadata_path) as temporary:
        metadata.to_csv(temporary, sep="\t", index=False)
    return vectors_path, metadata_path
