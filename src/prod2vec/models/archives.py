"""Reading the project's ``.npz`` model archives without pickle and within their file's size."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import numpy as np

#: what reading a damaged, truncated, foreign or compressed archive may raise
READ_ERRORS = (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error, MemoryError)


def read_uncompressed_npz(path: Path) -> dict[str, np.ndarray]:
    """Every array of the uncompressed ``.npz`` archive at ``path``, loaded without pickle.

    The project writes its archives uncompressed (``np.savez``), so reading one takes no more
    memory than the file's size; a compressed member, which could inflate far beyond it, is
    refused before anything is inflated.

    Parameters
    ----------
    path : Path
        The archive.

    Returns
    -------
    dict of str to numpy.ndarray
        The arrays by name, in the archive's order.

    Raises
    ------
    ValueError
        A compressed member, or an array that would need pickle.
    OSError, EOFError, zipfile.BadZipFile, zlib.error, MemoryError
        A file that cannot be read as an archive (:data:`READ_ERRORS`).
    """
    with zipfile.ZipFile(path) as archive:
        compressed = [
            member.filename
            for member in archive.infolist()
            if member.compress_type != zipfile.ZIP_STORED
        ]
    if compressed:
        raise ValueError(f"its member {compressed[0]!r} is compressed")
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}
