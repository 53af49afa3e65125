"""Anyone's interaction data into the interactions boundary, with a data-quality report.

Two layouts are read, from CSV (``.csv``, ``.csv.gz``, ``.tsv``) or parquet:

* **long**: one row per event, with a user column, an item column and optionally a timestamp
  column, named by the caller;
* **wide**: one row per user with a delimited list of item ids in order, the product2vec
  convention (``user_id``, ``product_id`` = ``"12783,16311,12771"``).

Ids are read as text (``00123`` stays ``00123``; ``85123`` never becomes ``85123.0``). Rows that
cannot be used are dropped and counted per rule in a :class:`QualityReport`; a table that
cannot be used at all is refused with an :class:`~prod2vec.errors.InputDataError` naming the
problem and the fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from prod2vec.data.interactions import ITEM, TIME, USER, validate_interactions
from prod2vec.errors import InputDataError

LAYOUTS = ("long", "wide")
_CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".txt")
_PARQUET_SUFFIXES = (".parquet", ".pq")


@dataclass
class QualityReport:
    """What happened to a table on its way to sessions: rows read, rows dropped per rule, kept.

    ``dropped`` maps a rule to the rows (events) it removed, in the order the rules ran.
    """

    source: str
    rows_read: int
    dropped: dict[str, int] = field(default_factory=dict)
    users: int = 0
    items: int = 0
    sessions: int = 0
    events: int = 0

    def drop(self, rule: str, rows: int) -> None:
        """Count ``rows`` removed by ``rule`` (rules that removed nothing are listed too)."""
        self.dropped[rule] = self.dropped.get(rule, 0) + int(rows)

    def keep(self, sessions: pd.Series) -> None:
        """Note what is left: the sessions (item lists) that go on to training."""
        lengths = sessions.map(len)
        self.sessions = len(sessions)
        self.events = int(lengths.sum())
        self.users = int(sessions.index.nunique())
        self.items = len({item for session in sessions for item in session})

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "rows_read": self.rows_read,
            "dropped": dict(self.dropped),
            "kept": {
                "events": self.events,
                "sessions": self.sessions,
                "users": self.users,
                "items": self.items,
            },
        }

    def to_markdown(self) -> str:
        """The report as a Markdown table, one line per rule."""
        lines = [
            f"Read {self.rows_read:,} rows from {self.source}.",
            "",
            "| step | rows |",
            "| --- | ---: |",
            f"| read | {self.rows_read:,} |",
            *(f"| dropped: {rule} | {rows:,} |" for rule, rows in self.dropped.items()),
            f"| kept | {self.events:,} |",
            "",
            f"Kept {self.events:,} events in {self.sessions:,} sessions of {self.users:,} users, "
            f"over {self.items:,} items.",
        ]
        return "\n".join(lines)


def read_table(path: str | Path, columns: list[str], encoding: str = "utf-8") -> pd.DataFrame:
    """Read the named ``columns`` of a CSV or parquet file, every one as text.

    Raises
    ------
    InputDataError
        The file is missing, empty, not UTF-8 (or ``encoding``), of an unknown type, has only
        a header, or lacks a column.
    """
    path = Path(path)
    name = path.name.lower()
    if not path.is_file():
        raise InputDataError(f"{path} does not exist (or is not a file): check the path.")
    if path.stat().st_size == 0:
        raise InputDataError(f"{path} is empty (0 bytes): export the table again.")
    if name.endswith(_PARQUET_SUFFIXES):
        frame = _read_parquet(path, columns)
    elif name.endswith(_CSV_SUFFIXES):
        frame = _read_csv(path, columns, encoding, sep="\t" if name.endswith(".tsv") else ",")
    else:
        raise InputDataError(
            f"{path} is neither CSV ({', '.join(_CSV_SUFFIXES)}) nor parquet "
            f"({', '.join(_PARQUET_SUFFIXES)}): save it as one of those."
        )
    if frame.empty:
        raise InputDataError(f"{path} has a header but no rows: there is nothing to learn from.")
    return frame


def _missing_columns_error(path: Path, wanted: list[str], have: list[str]) -> InputDataError:
    missing = [column for column in wanted if column not in have]
    return InputDataError(
        f"{path} has no column {', '.join(map(repr, missing))}; its columns are {have}. "
        "Name yours with --user-col, --item-col and --time-col (or --items-col for wide tables)."
    )


def _read_csv(path: Path, columns: list[str], encoding: str, sep: str) -> pd.DataFrame:
    try:
        header = pd.read_csv(path, nrows=0, sep=sep, encoding=encoding).columns.tolist()
        if any(column not in header for column in columns):
            raise _missing_columns_error(path, columns, header)
        return pd.read_csv(
            path,
            sep=sep,
            usecols=columns,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            encoding=encoding,
        )[columns]
    except UnicodeDecodeError as error:
        raise InputDataError(
            f"{path} is not valid {encoding} (byte {error.object[error.start : error.start + 1]!r} "
            f"at position {error.start}): re-save it as UTF-8, or pass its encoding, for example "
            "--encoding latin-1."
        ) from None
    except pd.errors.EmptyDataError:
        raise InputDataError(f"{path} holds no table (no header line).") from None
    except pd.errors.ParserError as error:
        raise InputDataError(f"{path} is not a well-formed CSV table: {error}") from None


def _read_parquet(path: Path, columns: list[str]) -> pd.DataFrame:
    import pyarrow.parquet as pq

    try:
        have = pq.read_schema(path).names
    except Exception as error:  # pyarrow raises several types for a file that is not parquet
        raise InputDataError(f"{path} is not a readable parquet file: {error}") from None
    if any(column not in have for column in columns):
        raise _missing_columns_error(path, columns, have)
    frame = pd.read_parquet(path, columns=columns)
    for column in columns:
        frame[column] = _as_text(frame[column])
    return frame


def _as_text(values: pd.Series) -> pd.Series:
    """A parquet column as text ids; whole-number floats lose their ``.0``."""
    if pd.api.types.is_float_dtype(values) and values.dropna().mod(1).eq(0).all():
        values = values.astype("Int64")
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m-%dT%H:%M:%S.%f").astype(object).where(values.notna())
    return (
        values.astype(object)
        .where(values.notna())
        .map(
            lambda value: value if value is None or isinstance(value, str) else str(value),
            na_action="ignore",
        )
    )


def _blank(values: pd.Series) -> pd.Series:
    return values.isna() | values.astype(str).str.strip().eq("")


def parse_times(values: pd.Series, column: str) -> pd.Series:
    """Text timestamps as ``datetime64`` (NaT where a value does not parse).

    ISO dates and the common day/month spellings parse; whole numbers are read as Unix seconds.

    Raises
    ------
    InputDataError
        Not one value parses.
    """
    text = values.astype(str).str.strip()
    if text.str.fullmatch(r"-?\d+").all():
        times = pd.to_datetime(text.astype(np.int64), unit="s", errors="coerce")
    else:
        times = pd.to_datetime(text, errors="coerce", format="mixed")
        if isinstance(times.dtype, pd.DatetimeTZDtype):
            times = times.dt.tz_convert("UTC").dt.tz_localize(None)
    if times.isna().all():
        raise InputDataError(
            f"No value of the time column {column!r} parses as a date or time (first: "
            f"{values.iloc[0]!r}). Give ISO 8601 timestamps (2011-12-09 12:50) or Unix "
            "seconds, or leave out --time-col to keep the table's row order."
        )
    return times


def read_long(
    path: str | Path,
    user_column: str,
    item_column: str,
    time_column: str | None = None,
    encoding: str = "utf-8",
) -> tuple[pd.DataFrame, QualityReport]:
    """A long table (one row per event) as an interactions frame, and its quality report.

    Rules, in order: rows without a user or an item; rows whose time does not parse (with a
    time column); exact duplicates of an earlier (user, item, time) row (with a time column:
    without one, a repeated row is a repeat purchase).
    """
    columns = [user_column, item_column, *([time_column] if time_column else [])]
    if len(set(columns)) != len(columns):
        raise InputDataError(f"The user, item and time columns must differ, got {columns}.")
    table = read_table(path, columns, encoding)
    report = QualityReport(source=str(path), rows_read=len(table))
    frame = pd.DataFrame(
        {USER: table[user_column].str.strip(), ITEM: table[item_column].str.strip()}
    )
    usable = ~(_blank(table[user_column]) | _blank(table[item_column]))
    report.drop("no user or no item", (~usable).sum())
    frame = frame[usable]
    if time_column:
        frame[TIME] = parse_times(table.loc[usable, time_column], time_column)
        parsed = frame[TIME].notna()
        report.drop(f"time ({time_column}) does not parse", (~parsed).sum())
        frame = frame[parsed]
        first_copy = ~frame.duplicated([USER, ITEM, TIME])
        report.drop("duplicate of an earlier (user, item, time) row", (~first_copy).sum())
        frame = frame[first_copy]
    return _checked(frame.reset_index(drop=True), report), report


def read_wide(
    path: str | Path,
    user_column: str,
    items_column: str,
    separator: str = ",",
    encoding: str = "utf-8",
) -> tuple[pd.DataFrame, QualityReport]:
    """A wide table (a user and a delimited item list per row) as interactions, with a report.

    A user's items keep their order in the list; a user on several rows has them in row order.
    Rows without a user or a list, and empty entries of a list (``"1,,2"``), are dropped and
    counted; the report counts rows read and items dropped.
    """
    if user_column == items_column:
        raise InputDataError(f"The user and items columns must differ, got {user_column!r}.")
    if not separator:
        raise InputDataError("The item separator must not be empty (use ',', ';', ' ' or '|').")
    table = read_table(path, [user_column, items_column], encoding)
    report = QualityReport(source=str(path), rows_read=len(table))
    usable = ~(_blank(table[user_column]) | _blank(table[items_column]))
    report.drop("no user or no item list", (~usable).sum())
    table = table[usable]
    exploded = (
        pd.DataFrame(
            {USER: table[user_column].str.strip(), ITEM: table[items_column].str.split(separator)}
        )
        .explode(ITEM)
        .assign(**{ITEM: lambda frame: frame[ITEM].str.strip()})
    )
    present = exploded[ITEM].ne("")
    report.drop("empty entries in item lists", (~present).sum())
    return _checked(exploded[present].reset_index(drop=True), report), report


def _checked(frame: pd.DataFrame, report: QualityReport) -> pd.DataFrame:
    if frame.empty:
        raise InputDataError(
            f"No usable rows are left of the {report.rows_read:,} read (dropped per rule: "
            f"{report.dropped}). Check that the columns hold the users and items."
        )
    return validate_interactions(frame)


def read_labels(
    path: str | Path, item_column: str, label_column: str, encoding: str = "utf-8"
) -> pd.Series:
    """An item metadata table as labels by item id (the first label of a repeated id wins)."""
    if item_column == label_column:
        raise InputDataError(f"The item and label columns must differ, got {item_column!r}.")
    table = read_table(path, [item_column, label_column], encoding).dropna()
    table[item_column] = table[item_column].str.strip()
    labels = table.drop_duplicates(item_column).set_index(item_column)[label_column]
    return labels.rename("label").rename_axis(ITEM)
