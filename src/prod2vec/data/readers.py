"""Anyone's interaction data into the interactions boundary, with a data-quality report.

Two layouts are read, from CSV (``.csv``, ``.csv.gz``, ``.tsv``, ``.txt``) or parquet:

* **long**: one row per event, with a user column, an item column and optionally a timestamp
  column, named by the caller;
* **wide**: one row per user with a delimited list of item ids in order, the product2vec
  convention (``user_id``, ``product_id`` = ``"12783,16311,12771"``), or a parquet list column.

Files are read by :mod:`~prod2vec.data.tables` (delimiter, encoding, malformed rows, null-like
ids) and times by :mod:`~prod2vec.data.timestamps` (one format per column). Ids are read as
text (``00123`` stays ``00123``; ``85123`` never becomes ``85123.0``). Rows that cannot be used
are dropped and counted per rule in a :class:`QualityReport`, which also says how the file was
read; a table that cannot be used at all is refused with an
:class:`~prod2vec.errors.InputDataError` naming the problem and the fix.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from prod2vec.data.interactions import ITEM, TIME, USER, validate_interactions
from prod2vec.data.tables import NULL_LIKE, Table, missing_ids, read_table
from prod2vec.data.timestamps import parse_times
from prod2vec.errors import InputDataError

LAYOUTS = ("long", "wide")
#: below this share of items with a label, the metadata probably has the wrong id column
LOW_LABEL_COVERAGE = 0.5
MALFORMED_RULE = "malformed row (wrong number of fields)"


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
    notes: list[str] = field(default_factory=list)

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
            "notes": list(self.notes),
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
            *(["", *(f"- {note}." for note in self.notes)] if self.notes else []),
        ]
        return "\n".join(lines)

    @classmethod
    def of(cls, path: str | Path, table: Table) -> QualityReport:
        """The report of a table just read: its rows, malformed ones included, and its notes."""
        report = cls(
            source=str(path), rows_read=len(table.frame) + table.malformed, notes=[*table.notes]
        )
        if table.malformed:
            report.drop(MALFORMED_RULE, table.malformed)
        return report


def _missing(report: QualityReport, table: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Rows missing a value in any of the id ``columns``; null-like words are noted."""
    missing = pd.Series(False, index=table.index)
    for column in columns:
        absent = missing_ids(table[column])
        words = table[column][absent & table[column].notna()].str.strip()
        if (spelled := words[words.ne("")]).size:
            counts = ", ".join(f"{word!r} x{n:,}" for word, n in spelled.value_counts().items())
            report.notes.append(f"{column!r} values {counts} count as missing")
        missing |= absent
    return missing


def read_long(
    path: str | Path,
    user_column: str,
    item_column: str,
    time_column: str | None = None,
    encoding: str = "utf-8",
    *,
    delimiter: str | None = None,
    time_format: str | None = None,
) -> tuple[pd.DataFrame, QualityReport]:
    """A long table (one row per event) as an interactions frame, and its quality report.

    Rules, in order: malformed CSV rows (:mod:`~prod2vec.data.tables`); rows without a user or
    an item (null-like words count as missing); rows whose time does not parse in the column's
    format (with a time column, :mod:`~prod2vec.data.timestamps`); exact duplicates of an
    earlier (user, item, time) row (with a time column: without one, a repeated row is a repeat
    purchase). ``delimiter`` is the CSV delimiter (default: detected); ``time_format`` a
    strftime format for the time column (default: inferred from the whole column).
    """
    columns = [user_column, item_column, *([time_column] if time_column else [])]
    if len(set(columns)) != len(columns):
        raise InputDataError(f"The user, item and time columns must differ, got {columns}.")
    read = read_table(path, columns, encoding, delimiter)
    report, table = QualityReport.of(path, read), read.frame
    frame = pd.DataFrame(
        {USER: table[user_column].str.strip(), ITEM: table[item_column].str.strip()}
    )
    usable = ~_missing(report, table, [user_column, item_column])
    report.drop("no user or no item", (~usable).sum())
    frame = frame[usable]
    if time_column:
        parsed = parse_times(table.loc[usable, time_column], time_column, time_format)
        frame[TIME] = parsed.times
        report.notes.append(f"the time column {time_column!r} is read as {parsed.format}")
        unparsed = frame[TIME].isna()
        if unparsed.any():
            examples = table.loc[unparsed[unparsed].index, time_column].unique()[:3]
            report.notes.append(
                f"{unparsed.sum():,} times do not parse as {parsed.format} (such as "
                f"{', '.join(map(repr, examples))}) and their rows are dropped"
            )
        report.drop(f"time ({time_column}) does not parse", unparsed.sum())
        frame = frame[~unparsed]
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
    *,
    delimiter: str | None = None,
) -> tuple[pd.DataFrame, QualityReport]:
    """A wide table (a user and an item list per row) as interactions, with a report.

    The list is text split at ``separator``, taken literally (``"||"`` is two bars, not a
    pattern), or a parquet list column. A user's items keep their order in the list; a user on
    several rows has them in row order. Rows without a user or a list, and empty or null-like
    entries of a list (``"1,,2"``), are dropped and counted; the report counts rows read and
    items dropped. ``delimiter`` is the CSV delimiter (default: detected).
    """
    if user_column == items_column:
        raise InputDataError(f"The user and items columns must differ, got {user_column!r}.")
    if not separator:
        raise InputDataError("The item separator must not be empty (use ',', ';', ' ' or '|').")
    read = read_table(
        path, [user_column, items_column], encoding, delimiter, list_columns=(items_column,)
    )
    report, table = QualityReport.of(path, read), read.frame
    lists = table[items_column]
    no_list = lists.isna() | lists.map(
        lambda value: isinstance(value, str) and value.strip() in NULL_LIKE
    )
    usable = ~(_missing(report, table, [user_column]) | no_list)
    report.drop("no user or no item list", (~usable).sum())
    table = table[usable]
    items = table[items_column].map(
        lambda value: value.split(separator) if isinstance(value, str) else value
    )
    exploded = pd.DataFrame({USER: table[user_column].str.strip(), ITEM: items}).explode(ITEM)
    exploded[ITEM] = exploded[ITEM].astype(object).where(exploded[ITEM].notna(), "").str.strip()
    present = ~missing_ids(exploded[ITEM])
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
    path: str | Path,
    item_column: str,
    label_column: str,
    encoding: str = "utf-8",
    *,
    delimiter: str | None = None,
) -> pd.Series:
    """An item metadata table as labels by item id (the first label of a repeated id wins).

    Rows without an id (null-like words count as missing) or without a label are left out.
    """
    if item_column == label_column:
        raise InputDataError(f"The item and label columns must differ, got {item_column!r}.")
    table = read_table(path, [item_column, label_column], encoding, delimiter).frame
    table = table[~missing_ids(table[item_column]) & table[label_column].notna()]
    table = table[table[label_column].str.strip().ne("")]
    table[item_column] = table[item_column].str.strip()
    labels = table.drop_duplicates(item_column).set_index(item_column)[label_column]
    return labels.rename("label").rename_axis(ITEM)


def label_coverage(labels: pd.Series, items: Iterable[str]) -> float:
    """The share of the distinct ``items`` that have a label in ``labels`` (indexed by item id).

    Raises
    ------
    InputDataError
        Not one item has a label: the metadata's item column is probably not the items' ids.
    """
    distinct = pd.Index(pd.unique(pd.Series(list(items), dtype=object)))
    share = float(distinct.isin(labels.index).mean()) if len(distinct) else 0.0
    if share == 0:
        raise InputDataError(
            f"No item of the {len(distinct):,} has a label in the metadata (its ids look like "
            f"{list(labels.index[:3])}, the items like {list(distinct[:3])}): name the "
            "metadata's item id column with --metadata-item-col."
        )
    return share


def label_coverage_warning(labels: pd.Series, items: Iterable[str]) -> str | None:
    """One line to warn with when few ``items`` have a label, else None.

    Raises
    ------
    InputDataError
        Not one item has a label (:func:`label_coverage`).
    """
    share = label_coverage(labels, items)
    if share >= LOW_LABEL_COVERAGE:
        return None
    return (
        f"only {share:.0%} of the items have a label in the metadata: check that "
        "--metadata-item-col names its item id column (items without one are labelled '?')."
    )
