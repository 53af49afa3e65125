"""Load the UCI Online Retail transaction log, downloading and caching it on first use.

The lookup order of :func:`load_online_retail` is:

1. the parquet cache ``online_retail.parquet`` in :func:`prod2vec.paths.data_dir`;
2. a copy of the official zip placed by hand at ``data/online_retail.zip``;
3. a download of the official zip from UCI.

Whatever is read is normalised to one schema (:data:`SCHEMA`), validated, and written to the
cache through a temporary file and a rename, so an interrupted run never leaves a partial cache.
"""

from __future__ import annotations

import http.client
import io
import time
import urllib.request
import zipfile
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from prod2vec.files import write_parquet_atomic
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


class DataSchemaError(ValueError):
    """The transaction table does not have the columns or dtypes of :data:`SCHEMA`."""


class DataDownloadError(RuntimeError):
    """The dataset could not be downloaded or the downloaded file is unusable."""


def load_online_retail(
    folder: str | Path | None = None,
    *,
    url: str = UCI_URL,
    download: bool = True,
    timeout: float = 60.0,
    retries: int = 3,
    retry_wait: float = 2.0,
    progress: bool = True,
) -> pd.DataFrame:
    """Return the raw Online Retail table (541,909 rows) with the dtypes of :data:`SCHEMA`.

    Parameters
    ----------
    folder:
        Folder of the cache; defaults to :func:`prod2vec.paths.data_dir`.
    url:
        Where to download the official zip from when there is no cache.
    download:
        If False, never touch the network: raise if neither cache nor zip is present.
    timeout, retries, retry_wait:
        Per-request socket timeout in seconds, number of attempts, and the wait between
        attempts (doubled after each failure).
    progress:
        Show a progress bar while downloading.
    """
    folder = Path(folder) if folder is not None else data_dir()
    cache = folder / CACHE_FILENAME
    if cache.is_file():
        return validate_transactions(pd.read_parquet(cache))

    manual_zip = folder / ZIP_FILENAME
    if manual_zip.is_file():
        frame = read_uci_zip(manual_zip.read_bytes())
    elif download:
        payload = download_bytes(
            url,
            timeout=timeout,
            retries=retries,
            retry_wait=retry_wait,
            progress=progress,
            manual_hint=_manual_hint(folder),
        )
        frame = read_uci_zip(payload)
    else:
        raise FileNotFoundError(f"No cached dataset and download=False. {_manual_hint(folder)}")

    write_parquet_atomic(frame, cache)
    return frame


def _manual_hint(folder: Path) -> str:
    return (
        f"Download {UCI_URL} by hand and save it as {folder / ZIP_FILENAME} "
        f"(or put an existing {CACHE_FILENAME} at {folder / CACHE_FILENAME}), then run again."
    )


def download_bytes(
    url: str,
    *,
    timeout: float = 60.0,
    retries: int = 3,
    retry_wait: float = 2.0,
    progress: bool = True,
    manual_hint: str = "",
) -> bytes:
    """Download ``url`` into memory with a timeout, retries and an optional progress bar.

    A response shorter than its ``Content-Length`` counts as a failed attempt.
    """
    if retries < 1:
        raise ValueError(f"retries must be >= 1, got {retries}")
    errors: list[str] = []
    wait = retry_wait
    for attempt in range(1, retries + 1):
        try:
            return _download_once(url, timeout=timeout, progress=progress)
        except (OSError, http.client.HTTPException, DataDownloadError) as error:
            errors.append(f"attempt {attempt}: {error}")
            if attempt < retries:
                time.sleep(wait)
                wait *= 2
    raise DataDownloadError(
        f"Could not download {url} after {retries} attempts ({'; '.join(errors)}). {manual_hint}"
    )


def _download_once(url: str, *, timeout: float, progress: bool) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (fixed https URL)
        expected = int(response.headers.get("Content-Length") or 0) or None
        buffer = io.BytesIO()
        with tqdm(
            total=expected, unit="B", unit_scale=True, desc="Online Retail", disable=not progress
        ) as bar:
            while chunk := response.read(1 << 16):
                buffer.write(chunk)
                bar.update(len(chunk))
    received = buffer.getbuffer().nbytes
    if expected is not None and received != expected:
        raise DataDownloadError(f"incomplete download: {received} of {expected} bytes")
    return buffer.getvalue()


def read_uci_zip(payload: bytes) -> pd.DataFrame:
    """Read ``Online Retail.xlsx`` from the bytes of the official zip and normalise it."""
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            members = [name for name in archive.namelist() if name.endswith(".xlsx")]
            if not members:
                raise DataDownloadError(
                    f"The zip holds no .xlsx file (it has {archive.namelist()}); "
                    f"expected {XLSX_MEMBER!r}."
                )
            with archive.open(members[0]) as handle:
                workbook = handle.read()
    except zipfile.BadZipFile as error:
        raise DataDownloadError(
            f"The downloaded file is not a valid zip ({error}); it is probably truncated. "
            "Nothing was cached; run again to download it anew."
        ) from error
    raw = pd.read_excel(
        io.BytesIO(workbook),
        engine="openpyxl",
        dtype={"InvoiceNo": str, "StockCode": str, "Description": str, "Country": str},
    )
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
            + ". Load it with prod2vec.data.load_online_retail() or cast it with "
            "prod2vec.data.normalize_transactions()."
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
