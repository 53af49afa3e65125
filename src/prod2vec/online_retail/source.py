"""Load the UCI Online Retail transaction log, downloading and caching it on first use.

The lookup order of :func:`load_online_retail` is:

1. the parquet cache ``online_retail.parquet`` in :func:`prod2vec.paths.data_dir`;
2. the official zip in the same folder as ``online_retail.zip`` (downloaded earlier, or placed
   there by hand on a machine without internet);
3. a download of the official zip from UCI into that file.

The download streams into a temporary file, is checked (length, zip structure) and only then
renamed, so an interrupted or corrupt download never leaves a file behind. Whatever is read is
normalised to one schema (:data:`SCHEMA`), validated and written to the parquet cache the same
way.
"""

from __future__ import annotations

import http.client
import io
import time
import urllib.error
import urllib.request
import warnings
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow
from tqdm import tqdm

from prod2vec.errors import ConfigurationError, InputDataError, Prod2VecError, ProjectFileError
from prod2vec.outputs.atomic import atomic_path, check_can_write_folder, write_parquet_atomic
from prod2vec.paths import data_dir

UCI_URL = "https://archive.ics.uci.edu/static/public/352/online+retail.zip"
CACHE_FILENAME = "online_retail.parquet"
ZIP_FILENAME = "online_retail.zip"
XLSX_MEMBER = "Online Retail.xlsx"

#: Column name -> expected kind. ``str`` columns may hold missing values (Description does).
SCHEMA: dict[str, str] = {
    "InvoiceNo": "str",
    "StockCode": "str",
    "Description": "str",
    "Quantity": "int64",
    "InvoiceDate": "datetime64",
    "UnitPrice": "float64",
    "CustomerID": "float64",
    "Country": "str",
}


class DataSchemaError(InputDataError):
    """The transaction table does not have the columns or dtypes of :data:`SCHEMA`."""


class DataDownloadError(Prod2VecError, RuntimeError):
    """The dataset could not be downloaded or the downloaded file is unusable."""


class DataCacheError(ProjectFileError):
    """A cached file cannot be read."""


def load_online_retail(
    folder: str | Path | None = None,
    *,
    url: str = UCI_URL,
    download: bool = True,
    timeout: float = 60.0,
    deadline: float = 900.0,
    retries: int = 3,
    retry_wait: float = 2.0,
    progress: bool = True,
) -> pd.DataFrame:
    """Return the raw Online Retail table (541,909 rows) with the dtypes of :data:`SCHEMA`.

    Parameters
    ----------
    folder : str or Path, optional
        Folder of the cache; defaults to :func:`prod2vec.paths.data_dir`.
    url : str
        Where to download the official zip from when there is no cache.
    download : bool
        If False, never touch the network: raise if neither cache nor zip is present.
    timeout, deadline, retry_wait : float
        In seconds: how long one read may wait, how long one download attempt may take in
        all, and the first wait between attempts (it doubles after each failure).
    retries : int
        Number of download attempts.
    progress : bool
        Show a progress bar while downloading.

    Returns
    -------
    pandas.DataFrame
        The raw table, validated.

    Raises
    ------
    DataDownloadError
        The download failed; the message says where to put the file by hand.
    DataCacheError
        The cache is unreadable (and there is no zip to rebuild it from); the message names
        the file and the fix.
    ProjectFileError
        The folder cannot be written; the message names it and how to choose another.
    FileNotFoundError
        ``download=False`` and nothing is cached.
    """
    folder = Path(folder) if folder is not None else data_dir()
    cache = folder / CACHE_FILENAME
    archive = folder / ZIP_FILENAME
    if cache.is_file():
        try:
            return _read_cache(cache)
        except DataCacheError as error:
            if not archive.is_file():
                raise
            warnings.warn(f"{error} Rebuilding it from {archive}.", stacklevel=2)

    if not archive.is_file() and not download:
        raise FileNotFoundError(f"No cached dataset and download=False. {_manual_hint(folder)}")
    _check_data_folder(folder)
    if not archive.is_file():
        download_file(
            url,
            archive,
            timeout=timeout,
            deadline=deadline,
            retries=retries,
            retry_wait=retry_wait,
            progress=progress,
            manual_hint=_manual_hint(folder),
        )
    frame = read_uci_zip(archive)
    write_parquet_atomic(frame, cache)
    return frame


def _read_cache(cache: Path) -> pd.DataFrame:
    rebuild = f"Delete {cache} and run again to rebuild it (python -m prod2vec data)."
    try:
        frame = pd.read_parquet(cache)
    except (OSError, ValueError, pyarrow.ArrowException) as error:
        raise DataCacheError(f"The cache {cache} is unreadable ({error}). {rebuild}") from error
    if frame.empty:
        raise DataCacheError(f"The cache {cache} holds no rows. {rebuild}")
    try:
        return validate_transactions(frame)
    except DataSchemaError as error:
        raise DataCacheError(
            f"The cache {cache} is not the Online Retail table: {error} {rebuild}"
        ) from error


def _check_data_folder(folder: Path) -> None:
    check_can_write_folder(
        folder,
        overwrite=True,
        what="data folder",
        fix="Choose a writable folder with --data-dir or the PROD2VEC_DATA_DIR environment "
        "variable.",
    )


def _manual_hint(folder: Path) -> str:
    return (
        f"Download {UCI_URL} by hand and save it as {folder / ZIP_FILENAME} "
        f"(or put an existing {CACHE_FILENAME} at {folder / CACHE_FILENAME}), then run again."
    )


def download_file(
    url: str,
    destination: str | Path,
    *,
    timeout: float = 60.0,
    deadline: float = 900.0,
    retries: int = 3,
    retry_wait: float = 2.0,
    progress: bool = True,
    manual_hint: str = "",
) -> Path:
    """Download a zip from ``url`` to ``destination`` with a timeout, retries and a progress bar.

    Each attempt streams into a temporary file beside ``destination``; a response shorter than
    its ``Content-Length``, one slower than ``deadline`` or a file that is not a readable zip
    fails the attempt and is deleted. Only a complete, valid zip is renamed onto
    ``destination``. Temporary files older than ``deadline``, left by a killed download, are
    removed first. Network failures are retried; a folder that cannot be written is not.

    Parameters
    ----------
    url : str
        What to download.
    destination : str or Path
        Where the zip ends up.
    timeout, deadline, retries, retry_wait, progress
        As in :func:`load_online_retail`.
    manual_hint : str
        Appended to the error when every attempt failed.
    """
    if retries < 1:
        raise ConfigurationError(f"retries must be >= 1, got {retries}")
    destination = Path(destination)
    _check_data_folder(destination.parent)
    remove_stale_temporaries(destination, older_than=deadline)
    errors: list[str] = []
    wait = retry_wait
    for attempt in range(1, retries + 1):
        try:
            with atomic_path(destination) as temporary:
                _download_once(
                    url, temporary, timeout=timeout, deadline=deadline, progress=progress
                )
                _check_zip(temporary)
            return destination
        except (
            urllib.error.URLError,
            http.client.HTTPException,
            TimeoutError,
            ConnectionError,
            DataDownloadError,
        ) as error:
            errors.append(f"attempt {attempt}: {error}")
            if attempt < retries:
                time.sleep(wait)
                wait *= 2
    raise DataDownloadError(
        f"Could not download {url} after {retries} attempts ({'; '.join(errors)}). {manual_hint}"
    )


def remove_stale_temporaries(destination: Path, older_than: float) -> list[Path]:
    """Delete temporary files of ``destination`` older than ``older_than`` seconds; list them.

    A download killed mid-way (Ctrl-C twice, a closed laptop) leaves its temporary file
    behind; a younger one may belong to a download still running elsewhere.
    """
    cutoff = time.time() - older_than
    stale = [
        path
        for path in destination.parent.glob(f".{destination.name}.*.tmp")
        if path.stat().st_mtime < cutoff
    ]
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def _download_once(
    url: str, target: Path, *, timeout: float, deadline: float, progress: bool
) -> None:
    started = time.monotonic()
    with (
        urllib.request.urlopen(url, timeout=timeout) as response,  # noqa: S310 (http(s) URL)
        target.open("wb") as sink,
    ):
        expected = int(response.headers.get("Content-Length") or 0) or None
        received = 0
        with tqdm(
            total=expected, unit="B", unit_scale=True, desc="Online Retail", disable=not progress
        ) as bar:
            # read1 returns what has arrived (up to 64 KiB): the bar moves on a slow link too
            while chunk := response.read1(1 << 16):
                sink.write(chunk)
                received += len(chunk)
                bar.update(len(chunk))
                if time.monotonic() - started > deadline:
                    raise DataDownloadError(
                        f"too slow: {received:,} of {expected or '?'} bytes after the "
                        f"{deadline:g} s deadline"
                    )
    if expected is not None and received != expected:
        raise DataDownloadError(f"incomplete download: {received} of {expected} bytes")


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            broken = archive.testzip()
    except zipfile.BadZipFile as error:
        raise DataDownloadError(
            f"the downloaded file is not a valid zip ({error}); it is probably truncated"
        ) from error
    if broken is not None:
        raise DataDownloadError(f"the downloaded zip is corrupt: {broken!r} fails its checksum")


def read_uci_zip(path: str | Path) -> pd.DataFrame:
    """Read ``Online Retail.xlsx`` from the official zip and normalise it to :data:`SCHEMA`."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = [name for name in archive.namelist() if name.endswith(".xlsx")]
            if not members:
                raise DataDownloadError(
                    f"{path} holds no .xlsx file (it has {archive.namelist()}); "
                    f"expected {XLSX_MEMBER!r}. Delete it and run again to download it anew."
                )
            with archive.open(members[0]) as handle:
                workbook = handle.read()
    except zipfile.BadZipFile as error:
        raise DataDownloadError(
            f"{path} is not a valid zip ({error}). Delete it and run again to download it anew."
        ) from error
    try:
        raw = pd.read_excel(
            io.BytesIO(workbook),
            engine="openpyxl",
            dtype={"InvoiceNo": str, "StockCode": str, "Description": str, "Country": str},
        )
    except (zipfile.BadZipFile, ValueError, KeyError, OSError) as error:
        raise DataDownloadError(
            f"{path} holds {members[0]!r}, which is not a readable Excel workbook ({error}). "
            "Delete the zip and run again to download it anew."
        ) from error
    return validate_transactions(normalize_transactions(raw))


def normalize_transactions(raw: pd.DataFrame) -> pd.DataFrame:
    """Cast a freshly read table to :data:`SCHEMA`.

    In the xlsx, InvoiceNo and StockCode mix integers (536365, 71053) and strings (C536379,
    85123A); both become strings with surrounding white space stripped. Description and Country
    are kept as written (many descriptions end in a space).
    """
    missing = [column for column in SCHEMA if column not in raw.columns]
    if missing:
        raise DataSchemaError(
            f"Missing columns {missing}; the Online Retail table has columns {list(SCHEMA)}."
        )
    frame = pd.DataFrame(
        {
            "InvoiceNo": _as_str(raw["InvoiceNo"]).str.strip(),
            "StockCode": _as_str(raw["StockCode"]).str.strip(),
            "Description": _as_str(raw["Description"]),
            "Quantity": pd.to_numeric(raw["Quantity"]).astype("int64"),
            "InvoiceDate": pd.to_datetime(raw["InvoiceDate"]),
            "UnitPrice": pd.to_numeric(raw["UnitPrice"]).astype("float64"),
            "CustomerID": pd.to_numeric(raw["CustomerID"]).astype("float64"),
            "Country": _as_str(raw["Country"]),
        }
    )
    return frame.reset_index(drop=True)


def _as_str(column: pd.Series) -> pd.Series:
    """Strings where there is a value, missing where there is none (never the text 'nan')."""
    return column.astype(str).where(column.notna())


def validate_transactions(frame: pd.DataFrame) -> pd.DataFrame:
    """Check the columns and dtypes of a transaction table; return it unchanged if they fit.

    Raises :class:`DataSchemaError` naming every problem and how to fix it.
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataSchemaError(f"Expected a pandas DataFrame, got {type(frame).__name__}.")
    problems: list[str] = []
    missing = [column for column in SCHEMA if column not in frame.columns]
    if missing:
        problems.append(f"missing columns {missing}")
    for column, kind in SCHEMA.items():
        if column in frame.columns and not _has_kind(frame[column], kind):
            problems.append(f"column {column!r} has dtype {frame[column].dtype}, expected {kind}")
    if problems:
        raise DataSchemaError(
            "Not an Online Retail transaction table: "
            + "; ".join(problems)
            + ". Load it with prod2vec.online_retail.load_online_retail() or cast it with "
            "prod2vec.online_retail.source.normalize_transactions()."
        )
    return frame


def _has_kind(column: pd.Series, kind: str) -> bool:
    if kind == "str":
        if isinstance(column.dtype, pd.StringDtype):
            return True
        values = column.dropna()
        return column.dtype == object and bool(values.map(type).eq(str).all())
    if kind == "datetime64":
        return pd.api.types.is_datetime64_dtype(column.dtype)
    return str(column.dtype) == kind
