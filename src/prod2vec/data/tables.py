"""A CSV or parquet file as a table of text columns: what was read, how, and what was not.

CSV files are read with pyarrow, every value as text (``00123`` stays ``00123``). The
delimiter is the caller's, else the one of an Excel ``sep=`` first line, else a tab for
``.tsv``, else the one of ``,`` ``;`` tab ``|`` that splits the header into the wanted columns
(:class:`csv.Sniffer` breaks ties); the table says which and why. A byte-order mark decides
the encoding (UTF-8 or UTF-16); an unknown encoding name, or UTF-16 without a mark, is refused
with the fix. Rows with too many or too few fields are dropped and counted, and the first few
are shown with their row numbers, never cut or padded in silence. A wanted column whose name
appears twice is refused. Ids written as ``NULL``, ``None``, ``NaN``, ``N/A``, ``NA`` or
nothing are missing (:func:`missing_ids`).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from prod2vec.errors import InputDataError

CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")
#: delimiters tried when none is given, in order of preference
DELIMITERS = (",", ";", "\t", "|")
#: id values that mean "no value" in exports (databases, pandas, R, spreadsheets)
NULL_LIKE = frozenset(
    {"", "NULL", "Null", "null", "None", "NONE", "none", "NaN", "nan", "NAN", "N/A", "n/a",
     "NA", "<NA>"}
)  # fmt: skip
_SAMPLE_BYTES = 1 << 16
_SHOWN_BAD_ROWS = 3
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True)
class Table:
    """The wanted columns of a file as text, and what reading it found.

    ``frame`` holds the columns in the order asked for: strings (missing only where parquet
    has nulls), or lists of strings for an allowed parquet list column. ``malformed`` counts
    the CSV rows dropped for a wrong number of fields; ``notes`` says how the file was read and
    what was dropped, one sentence each.
    """

    frame: pd.DataFrame
    malformed: int
    notes: tuple[str, ...]


def missing_ids(values: pd.Series) -> pd.Series:
    """Where ``values`` hold no id: missing, blank, or a null-like word (:data:`NULL_LIKE`)."""
    stripped = values.astype(object).where(values.notna(), "").astype(str).str.strip()
    return values.isna() | stripped.isin(NULL_LIKE)


def check_encoding(encoding: str) -> str:
    """The codec's canonical name (``"latin-1"`` -> ``"iso8859-1"``).

    Raises
    ------
    InputDataError
        Python knows no codec of that name.
    """
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise InputDataError(
            f"Unknown text encoding {encoding!r}: give a Python codec name such as utf-8, "
            "latin-1, cp1252 or utf-16."
        ) from None


def read_table(
    path: str | Path,
    columns: list[str],
    encoding: str = "utf-8",
    delimiter: str | None = None,
    list_columns: tuple[str, ...] = (),
) -> Table:
    """Read the named ``columns`` of a CSV or parquet file, every one as text.

    Parameters
    ----------
    path : str or pathlib.Path
        A CSV (``.csv``, ``.csv.gz``, ``.tsv``, ``.txt``) or parquet file.
    columns : list of str
        The columns wanted, by header name.
    encoding : str
        The text encoding of a CSV file (a byte-order mark overrides it).
    delimiter : str, optional
        A CSV file's delimiter, one character (``"\\t"`` and ``"tab"`` mean a tab); by
        default it is found as the module says.
    list_columns : tuple of str
        Parquet columns that may hold lists (a wide table's item lists); any other list
        column is refused.

    Returns
    -------
    Table

    Raises
    ------
    InputDataError
        The file is missing, empty, of an unknown type or encoding, not in its encoding,
        has only a header, lacks a column or repeats one.
    """
    path = Path(path)
    name = path.name.lower()
    if not path.is_file():
        raise InputDataError(f"{path} does not exist (or is not a file): check the path.")
    if path.stat().st_size == 0:
        raise InputDataError(f"{path} is empty (0 bytes): export the table again.")
    if name.endswith(PARQUET_SUFFIXES):
        table = _read_parquet(path, columns, list_columns)
    elif name.endswith(CSV_SUFFIXES):
        table = _read_csv(path, columns, encoding, delimiter)
    else:
        raise InputDataError(
            f"{path} is neither CSV ({', '.join(CSV_SUFFIXES)}) nor parquet "
            f"({', '.join(PARQUET_SUFFIXES)}): save it as one of those."
        )
    if table.frame.empty and not table.malformed:
        raise InputDataError(f"{path} has a header but no rows: there is nothing to learn from.")
    return table


def _check_header(path: Path, wanted: list[str], have: list[str]) -> None:
    if missing := [column for column in wanted if column not in have]:
        raise InputDataError(
            f"{path} has no column {', '.join(map(repr, missing))}; its columns are {have}. "
            "Name yours with --user-col, --item-col and --time-col (or --items-col for wide "
            "tables), or pass --delimiter if the columns are not split right."
        )
    if repeated := sorted({column for column in wanted if have.count(column) > 1}):
        raise InputDataError(
            f"{path} has several columns named {', '.join(map(repr, repeated))}: rename them so "
            "that each name is unique (which one is meant cannot be told)."
        )


def _one_character(delimiter: str) -> str:
    delimiter = {"\\t": "\t", "tab": "\t"}.get(delimiter, delimiter)
    if len(delimiter) != 1:
        raise InputDataError(
            f"The CSV delimiter must be one character, got {delimiter!r}: for example ',', ';', "
            "'|' or '\\t' (tab)."
        )
    return delimiter


def _read_csv(path: Path, columns: list[str], encoding: str, delimiter: str | None) -> Table:
    encoding = check_encoding(encoding)
    with _open_bytes(path) as stream:
        head = stream.read(_SAMPLE_BYTES)
    notes = []
    if head.startswith(_UTF16_BOMS) and not encoding.startswith("utf-16"):
        encoding = "utf-16"
        notes.append("it is UTF-16 (it starts with a byte-order mark)")
    elif head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8"
    elif b"\x00" in head and not encoding.startswith(("utf-16", "utf-32")):
        raise InputDataError(
            f"{path} holds NUL bytes: it is probably UTF-16 without a byte-order mark. Pass "
            "--encoding utf-16-le (or utf-16-be), or save it again as UTF-8."
        )
    sample = _decoded_sample(path, head, encoding, whole=len(head) < _SAMPLE_BYTES)
    lines = sample.splitlines()
    excel = re.fullmatch(r"sep=(.)", lines[0]) if lines else None
    header_at = 1 if excel else 0
    if len(lines) <= header_at:
        raise InputDataError(f"{path} holds no table (no header line).")
    header_text = "\n".join(lines[header_at:])
    if delimiter is not None:
        delimiter, how = _one_character(delimiter), "given"
        if excel and excel[1] != delimiter:
            raise InputDataError(
                f"{path} says 'sep={excel[1]}' on its first line, but --delimiter is "
                f"{delimiter!r}: leave out --delimiter, or remove that line."
            )
    elif excel:
        delimiter, how = excel[1], "from the 'sep=' first line"
    elif path.name.lower().endswith(".tsv"):
        delimiter, how = "\t", "for .tsv"
    else:
        delimiter, how = _detected_delimiter(header_text, columns)
    header = next(csv.reader([lines[header_at]], delimiter=delimiter))
    _check_header(path, columns, header)
    notes.insert(0, f"read as CSV with the delimiter {delimiter!r} ({how}), encoding {encoding}")
    frame, bad_rows, malformed = _read_rows(path, header, columns, delimiter, encoding, excel)
    if malformed:
        shown = "; ".join(f"row {number}: {text!r:.80}" for number, text in bad_rows)
        notes.append(
            f"{malformed:,} rows have more or fewer than {len(header)} fields and were dropped "
            f"({shown}; the header is row {header_at + 1}): quote values that hold the "
            f"delimiter {delimiter!r}, or pass the right --delimiter"
        )
    return Table(frame, malformed, tuple(notes))


def _open_bytes(path: Path) -> BinaryIO:
    """The file's bytes, decompressed if it is gzipped (pyarrow decompresses ``.gz`` too)."""
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")


def _decoded_sample(path: Path, head: bytes, encoding: str, whole: bool) -> str:
    decoder = codecs.getincrementaldecoder("utf-8-sig" if encoding == "utf-8" else encoding)()
    try:
        return decoder.decode(head, final=whole)
    except UnicodeDecodeError as error:
        raise _not_encoded_error(
            path, encoding, error.object[error.start : error.start + 1], error.start
        ) from None


def _not_encoded_error(path: Path, encoding: str, byte: bytes, position: int) -> InputDataError:
    return InputDataError(
        f"{path} is not valid {encoding} (byte {byte!r} at position {position}): save it "
        "again as UTF-8, or pass its encoding, for example --encoding latin-1."
    )


def _detected_delimiter(header_text: str, columns: list[str]) -> tuple[str, str]:
    """The delimiter that splits the header into the wanted columns; the Sniffer breaks ties."""
    first_line = header_text.split("\n", 1)[0]
    fitting = [
        candidate
        for candidate in DELIMITERS
        if set(columns) <= set(next(csv.reader([first_line], delimiter=candidate)))
    ]
    if len(fitting) == 1:
        return fitting[0], "detected from the header"
    try:
        sniffed = csv.Sniffer().sniff(header_text, delimiters="".join(fitting or DELIMITERS))
    except csv.Error:
        return (fitting or DELIMITERS)[0], "the default"
    return sniffed.delimiter, "detected by csv.Sniffer"


def _read_rows(
    path: Path,
    header: list[str],
    columns: list[str],
    delimiter: str,
    encoding: str,
    excel: re.Match[str] | None,
) -> tuple[pd.DataFrame, list[tuple[int, str]], int]:
    """The rows' wanted columns, the first malformed rows (number, text) and how many there are."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    positions = [f"c{number}" for number in range(len(header))]  # unique even if names repeat
    wanted = [positions[header.index(column)] for column in columns]
    bad_rows: list[tuple[int, str]] = []
    malformed = 0

    def skip_malformed(row: pa_csv.InvalidRow) -> str:
        nonlocal malformed
        malformed += 1
        if len(bad_rows) < _SHOWN_BAD_ROWS:
            bad_rows.append((row.number, row.text))
        return "skip"

    try:
        table = pa_csv.read_csv(
            str(path),
            read_options=pa_csv.ReadOptions(
                use_threads=False,  # rows are numbered only when read in one thread
                skip_rows=2 if excel else 1,
                column_names=positions,
                encoding="utf8" if encoding == "utf-8" else encoding,
            ),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, invalid_row_handler=skip_malformed
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(wanted, pa.string()),
                include_columns=wanted,
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except UnicodeDecodeError:
        raise _first_undecodable(path, encoding) from None
    except pa.ArrowInvalid as error:
        if "UTF8" in str(error):
            raise _first_undecodable(path, encoding) from None
        raise InputDataError(f"{path} is not a well-formed CSV table: {error}") from None
    frame = table.to_pandas()
    frame.columns = columns
    return frame, bad_rows, malformed


def _first_undecodable(path: Path, encoding: str) -> InputDataError:
    """The error naming the first byte of ``path`` that is not ``encoding`` (found in chunks)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with _open_bytes(path) as stream:
        while chunk := stream.read(_SAMPLE_BYTES):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                byte = chunk[error.start : error.start + 1]
                return _not_encoded_error(path, encoding, byte, offset + error.start)
            offset += len(chunk)
    return InputDataError(f"{path} is not valid {encoding}: save it again as UTF-8.")


def _read_parquet(path: Path, columns: list[str], list_columns: tuple[str, ...]) -> Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except Exception as error:  # pyarrow raises several types for a file that is not parquet
        raise InputDataError(f"{path} is not a readable parquet file: {error}") from None
    _check_header(path, columns, schema.names)
    for column in columns:
        kind = schema.field(column).type
        if column not in list_columns and (pa.types.is_list(kind) or pa.types.is_large_list(kind)):
            raise InputDataError(
                f"{path}: column {column!r} holds lists of values, not one value per row: "
                f"read it as a wide table, with --layout wide --items-col {column}."
            )
    frame = pd.read_parquet(path, columns=columns)
    for column in columns:
        frame[column] = _as_text(frame[column])
    return Table(frame, 0, ())


def _as_text(values: pd.Series) -> pd.Series:
    """A parquet column as text: whole-number floats lose their ``.0``, lists hold text."""
    if pd.api.types.is_float_dtype(values) and values.dropna().mod(1).eq(0).all():
        values = values.astype("Int64")
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_convert("UTC").dt.tz_localize(None)
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m-%dT%H:%M:%S.%f").astype(object).where(values.notna())
    return values.astype(object).where(values.notna()).map(_text, na_action="ignore")


def _text(value: object) -> object:
    if isinstance(value, str):
        return value
    if hasattr(value, "__len__") and not isinstance(value, bytes):  # a list cell
        return [str(item) for item in value]
    return str(value)
