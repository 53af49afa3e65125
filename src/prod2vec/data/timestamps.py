"""A time column of text as instants: one format for the whole column, inferred or given.

A value is never read on its own. The column's kind is decided by most of its values: Unix
epoch numbers, or dates. For numbers, the unit (seconds, milliseconds, microseconds,
nanoseconds) follows from their size, once for the whole column; a column that mixes sizes is
refused. For dates written ``05/03/2021``, the order of day and month is decided by the values
whose first or second field exceeds 12; a column that cannot tell is refused, naming the
``--time-format`` that settles it. Year-first dates (ISO 8601, ``2021/03/05``) and dates with
month names are unambiguous. Offsets (``+01:00``, ``Z``) are converted to UTC; every result is
naive UTC. Values that do not fit the column's format become NaT, for the caller to count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from prod2vec.errors import InputDataError

_NUMBER = r"^([+-]?)(\d+)(?:\.(\d*))?$"
_DAY_MONTH = r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})((?:[ T].*)?)$"
_YEAR_FIRST = r"^(\d{4})([/.-])(\d{1,2})\2(\d{1,2})((?:[ T].*)?)$"
_MONTH_NAME = r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b"
#: Unix epoch units by the number of digits of the whole part: seconds up to 11 digits
#: (year 5138), then milliseconds, microseconds and nanoseconds, three digits apart
_UNITS = {0: "seconds", 3: "milliseconds", 6: "microseconds", 9: "nanoseconds"}
_INT64_MAX = np.iinfo(np.int64).max


@dataclass(frozen=True)
class ParsedTimes:
    """Instants of a time column (naive UTC, NaT where a value does not fit) and how it was read.

    ``format`` says in words which format the column was read in, for the quality report.
    """

    times: pd.Series
    format: str


def parse_times(values: pd.Series, column: str, time_format: str | None = None) -> ParsedTimes:
    """Text timestamps as naive UTC ``datetime64``, in one format for the whole column.

    Parameters
    ----------
    values : pandas.Series
        Text (missing values allowed).
    column : str
        The column's name, for messages.
    time_format : str, optional
        A strftime format (``"%d/%m/%Y %H:%M"``) that every value is read with; by default
        the format is inferred from the whole column (see the module's description).

    Returns
    -------
    ParsedTimes
        The instants, on ``values``' index, and the format they were read in.

    Raises
    ------
    InputDataError
        Not one value parses; a column whose order of day and month cannot be told, or that
        mixes day-first and month-first dates, or Unix units; an invalid ``time_format``.
    """
    text = values.where(values.notna(), "").astype(str).str.strip()
    if time_format is not None:
        parsed = ParsedTimes(_with_format(text, time_format), f"the format {time_format!r}")
    elif _is_numeric_column(text):
        parsed = _unix_times(text, column)
    else:
        parsed = _date_times(text, column)
    if parsed.times.isna().all():
        raise InputDataError(
            f"No value of the time column {column!r} parses as a date or time in "
            f"{parsed.format} (first: {values.iloc[0]!r}). Give ISO 8601 timestamps "
            "(2011-12-09 12:50) or Unix seconds, pass --time-format (for example "
            "'%d.%m.%Y %H:%M'), or leave out --time-col to keep the table's row order."
        )
    return parsed


def _naive_utc(times: pd.Series) -> pd.Series:
    return times.dt.tz_convert("UTC").dt.tz_localize(None)


def _with_format(text: pd.Series, time_format: str) -> pd.Series:
    try:
        return _naive_utc(pd.to_datetime(text, format=time_format, errors="coerce", utc=True))
    except ValueError as error:
        raise InputDataError(
            f"--time-format {time_format!r} is not a strftime format ({error}): write one such "
            "as '%d/%m/%Y %H:%M'."
        ) from None


def _is_numeric_column(text: pd.Series) -> bool:
    present = text.ne("")
    numbers = text.str.fullmatch(_NUMBER[1:-1]) & present
    return bool(numbers.sum() * 2 >= present.sum() and numbers.any())


def _unix_times(text: pd.Series, column: str) -> ParsedTimes:
    """Unix epoch numbers, in the one unit their magnitude says (fractions allowed)."""
    numeric = text.str.fullmatch(_NUMBER[1:-1])
    negative = text.str.startswith("-")
    pieces = text.where(numeric, "").str.lstrip("+-").str.split(".", n=1, expand=True)
    whole = pieces[0].str.lstrip("0")
    fraction = pieces[1].fillna("") if 1 in pieces else pd.Series("", index=text.index)
    digits = whole.str.len()
    # 19-digit strings beyond int64 compare greater as text: out of range, like 20 digits
    fits = digits.lt(19) | (digits.eq(19) & whole.le(str(_INT64_MAX)))
    # the unit's exponent (0, 3, 6, 9) from the digits
    exponent = (np.clip((digits - 9) // 3, 0, None) * 3).where(numeric & fits)
    seen = exponent.dropna().astype(int)
    if seen.nunique() > 1:
        examples = ", ".join(
            f"{_UNITS[unit]} (e.g. {text[seen.index[seen.eq(unit)][0]]!r})"
            for unit in sorted(seen.unique())
        )
        raise InputDataError(
            f"The time column {column!r} mixes Unix epoch units by their size: {examples}. "
            "Export every time in one unit (seconds, for instance)."
        )
    unit = int(seen.iloc[0]) if len(seen) else 0
    per_unit = 10 ** (9 - unit)
    in_range = exponent.notna()
    whole_values = pd.to_numeric(whole.where(in_range & digits.gt(0), "0")).astype(np.int64)
    in_range &= whole_values.le(_INT64_MAX // per_unit - 1)
    fraction_ns = ("0." + fraction + "0").astype(float) * per_unit
    nanoseconds = whole_values.where(in_range, 0) * per_unit + fraction_ns.round().astype(np.int64)
    nanoseconds = nanoseconds.where(~negative, -nanoseconds)
    times = pd.to_datetime(nanoseconds, unit="ns").where(in_range)
    return ParsedTimes(times, f"Unix {_UNITS[unit]}")


def _date_times(text: pd.Series, column: str) -> ParsedTimes:
    """Dates: ISO 8601 as it is; others rewritten to ISO, day and month ordered for the column."""
    times = pd.to_datetime(text.astype(object), format="ISO8601", errors="coerce", utc=True)
    rest = times.isna() & text.ne("")
    # the slower rewriting runs only on what ISO 8601 did not read, which holds every date
    # of the day/month kind: the column's order of day and month is decided on all of them
    other = text[rest].astype(object)
    day_month = other.str.extract(_DAY_MONTH)
    year_first = other.str.extract(_YEAR_FIRST)
    is_day_month = day_month[0].notna()
    order, described = _day_month_order(other, day_month[is_day_month], column)
    first, second = (day_month[0], day_month[2]) if order == "day" else (day_month[2], day_month[0])
    two_digit_year = day_month[3].str.len().eq(2)
    century = np.where(day_month[3].fillna("0").astype(int) <= 68, "20", "19")
    year = day_month[3].where(~two_digit_year, century + day_month[3])
    iso = pd.Series(None, index=other.index, dtype=object)
    iso[is_day_month] = (
        year + "-" + second.str.zfill(2) + "-" + first.str.zfill(2) + day_month[4]
    )[is_day_month]
    is_year_first = year_first[0].notna()
    iso[is_year_first] = (
        year_first[0] + "-" + year_first[2].str.zfill(2) + "-" + year_first[3].str.zfill(2)
        + year_first[4]
    )[is_year_first]  # fmt: skip
    rewritten = pd.to_datetime(iso, format="ISO8601", errors="coerce", utc=True)
    # times ISO 8601 does not know (2:30 PM), and month names: dateutil, safe here because the
    # date is year-first or names its month
    retry = rewritten.isna() & (iso.notna() | other.str.contains(_MONTH_NAME))
    if retry.any():
        fallback = iso.where(iso.notna(), other)[retry]
        rewritten[retry] = pd.to_datetime(fallback, format="mixed", errors="coerce", utc=True)
    if rest.any():
        times[rest] = rewritten
    return ParsedTimes(_naive_utc(times), described)


def _day_month_order(text: pd.Series, dates: pd.DataFrame, column: str) -> tuple[str, str]:
    """Whether ``05/03/2021`` is day-first or month-first in this column, and the words why."""
    if dates.empty:
        return "day", "year-first dates (ISO 8601) or dates with month names"
    first, second = dates[0].astype(int), dates[2].astype(int)
    day_first, month_first = first.gt(12), second.gt(12)
    if day_first.any() and month_first.any():
        raise InputDataError(
            f"The time column {column!r} mixes day-first dates ({text[day_first.idxmax()]!r}) "
            f"and month-first dates ({text[month_first.idxmax()]!r}): export one format, or "
            "pass --time-format to read the others as unparseable."
        )
    if day_first.any():
        return "day", f"day/month/year (decided by {text[day_first.idxmax()]!r})"
    if month_first.any():
        return "month", f"month/day/year (decided by {text[month_first.idxmax()]!r})"
    if first.eq(second).all():
        return "day", "day/month/year (day and month are equal in every date)"
    days, months = (_format_of(dates.iloc[0], order) for order in ("day", "month"))
    raise InputDataError(
        f"The time column {column!r} has dates such as {text[dates.index[0]]!r} whose day and "
        "month cannot be told apart (no first or second field is above 12): pass "
        f"--time-format '{days}' (day first) or '{months}' (month first)."
    )


def _format_of(date: pd.Series, order: str) -> str:
    """The strftime format of one ``_DAY_MONTH`` match, read in ``order``."""
    separator, rest = date[1], date[4]
    year = "%Y" if len(date[3]) == 4 else "%y"
    fields = ("%d", "%m") if order == "day" else ("%m", "%d")
    clock = {0: "", 1: "%H:%M", 2: "%H:%M:%S"}.get(rest.count(":"), "%H:%M:%S")
    time = f"{rest[:1]}{clock}" if clock else ""
    return f"{fields[0]}{separator}{fields[1]}{separator}{year}{time}"
