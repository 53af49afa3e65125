"""Messy exports: every case is read right or refused with the fix, never silently wrong.

Day-first dates, Unix units, offsets, separators that look like patterns, malformed rows,
repeated headers, null-like ids, encodings, delimiters, parquet lists, metadata that labels
nothing; with property-based tests of times, separators and ids.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prod2vec.cli import main
from prod2vec.data.interactions import ITEM, TIME, USER
from prod2vec.data.readers import (
    MALFORMED_RULE,
    label_coverage,
    label_coverage_warning,
    read_labels,
    read_long,
    read_wide,
)
from prod2vec.data.sessions import session_gap, sessionize
from prod2vec.data.tables import NULL_LIKE
from prod2vec.data.timestamps import parse_times
from prod2vec.errors import ConfigurationError, InputDataError
from tests.synthetic import shopping_events, write_csv

PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def refused(tmp_path: Path, capsys, *arguments: str | Path) -> str:
    """Run the pipeline, expect exit 1 and nothing written; return the error line."""
    out = tmp_path / "out"
    assert main(["pipeline", *map(str, arguments), "--out", str(out)]) == 1
    *progress, error = capsys.readouterr().err.strip().splitlines()
    # the error is one line; before it, only the reading stage's progress line
    assert progress == ["read the input ..."] and error.startswith("error: ")
    assert not out.exists() and not list(tmp_path.glob(".out.*"))
    return error


def write_bytes(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def known_order_log(users: int = 300, events: int = 4, seed: int = 0) -> pd.DataFrame:
    """Events on distinct days of 2021 in a known order: item ``u7-3`` is user 7's fourth."""
    rng = np.random.default_rng(seed)
    rows = []
    for user in range(users):
        days = np.sort(rng.choice(365, size=events, replace=False))
        for number, day in enumerate(days):
            when = pd.Timestamp("2021-01-01") + pd.Timedelta(days=int(day), hours=9)
            rows.append((f"u{user}", f"u{user}-{number}", when))
    frame = pd.DataFrame(rows, columns=["user_id", "item_id", "when"])
    return frame.sample(frac=1, random_state=seed).reset_index(drop=True)  # order by time only


def in_order(sessions: pd.Series) -> bool:
    return all(items == sorted(items, key=lambda item: int(item.rsplit("-", 1)[1]))
               for items in sessions)  # fmt: skip


# ---- dates: day-first, month-first, ambiguous -------------------------------------------


@pytest.mark.parametrize("layout", ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y %H:%M"])
def test_day_first_dates_keep_the_true_order(tmp_path: Path, layout: str) -> None:
    log = known_order_log()
    log["ts"] = log.pop("when").dt.strftime(layout)
    interactions, report = read_long(write_csv(log, tmp_path / "e.csv"), "user_id", "item_id", "ts")
    assert report.dropped["time (ts) does not parse"] == 0
    assert in_order(sessionize(interactions))
    assert any("day/month/year" in note for note in report.notes)


def test_month_first_dates_are_read_month_first(tmp_path: Path) -> None:
    log = known_order_log(users=50)
    log["ts"] = log.pop("when").dt.strftime("%m/%d/%Y %I:%M %p")
    interactions, report = read_long(write_csv(log, tmp_path / "e.csv"), "user_id", "item_id", "ts")
    assert in_order(sessionize(interactions)) and len(interactions) == 200
    assert any("month/day/year" in note for note in report.notes)


def test_dates_that_cannot_tell_day_from_month_are_refused_with_the_format(
    tmp_path: Path, capsys
) -> None:
    events = shopping_events(users=30)
    events["ts"] = [f"{1 + row % 12:02d}/01/2024" for row in range(len(events))]  # days <= 12
    path = write_csv(events, tmp_path / "e.csv")
    error = refused(tmp_path, capsys, "--input", path, "--time-col", "ts")
    assert "cannot be told apart" in error and "--time-format '%d/%m/%Y'" in error
    interactions, _ = read_long(path, "user_id", "item_id", "ts", time_format="%d/%m/%Y")
    assert interactions[TIME].dt.month.eq(1).all() and interactions[TIME].dt.day.max() == 12


def test_a_column_of_both_orders_is_refused(tmp_path: Path, capsys) -> None:
    path = write_bytes(tmp_path / "e.csv", b"user_id,item_id,ts\nu,a,25/03/2021\nu,b,03/26/2021\n")
    assert "mixes day-first dates ('25/03/2021')" in refused(
        tmp_path, capsys, "--input", path, "--time-col", "ts"
    )


def test_time_format_flag_is_passed_through(tmp_path: Path) -> None:
    events = shopping_events(users=40)
    events["ts"] = pd.to_datetime(events["ts"]).dt.strftime("%Y%m%d %H%M")
    out = tmp_path / "out"
    path = write_csv(events, tmp_path / "e.csv")
    assert main(["pipeline", "--input", str(path), "--time-col", "ts",
                 "--time-format", "%Y%m%d %H%M", "--out", str(out)]) == 0  # fmt: skip
    quality = json.loads((out / "metrics.json").read_text())["data_quality"]
    assert quality["dropped"]["time (ts) does not parse"] == 0
    assert "the time column 'ts' is read as the format '%Y%m%d %H%M'" in quality["notes"]


# ---- Unix times and offsets -------------------------------------------------------------


def times_of(values: list[str]) -> list[pd.Timestamp]:
    return parse_times(pd.Series(values), "ts").times.tolist()


def test_unix_units_follow_the_size_of_the_whole_column() -> None:
    second = pd.Timestamp("2021-03-05")
    assert times_of(["1614902400", "1614902460"]) == [second, second + pd.Timedelta("1min")]
    assert times_of(["1614902400000", "1614902400500"]) == [second, second + pd.Timedelta("0.5s")]
    assert times_of(["1614902400000000"]) == [second]
    assert times_of(["1614902400000000000"]) == [second]
    assert times_of(["1614902400.25"]) == [second + pd.Timedelta("0.25s")]  # fractions accepted


def test_seconds_mixed_with_milliseconds_are_refused(tmp_path: Path, capsys) -> None:
    path = write_bytes(
        tmp_path / "e.csv", b"user_id,item_id,ts\nu,a,1614902400\nu,b,1614902500123\n"
    )
    error = refused(tmp_path, capsys, "--input", path, "--time-col", "ts")
    assert "mixes Unix epoch units" in error and "milliseconds (e.g. '1614902500123')" in error


def test_a_twenty_digit_time_is_counted_not_a_traceback(tmp_path: Path) -> None:
    events = shopping_events(users=30)
    seconds = (pd.to_datetime(events["ts"]) - pd.Timestamp(0)) // pd.Timedelta("1s")
    events["ts"] = seconds.astype(str)
    events.loc[0, "ts"] = "12345678901234567890"
    _, report = read_long(write_csv(events, tmp_path / "e.csv"), "user_id", "item_id", "ts")
    assert report.dropped["time (ts) does not parse"] == 1
    assert any("'12345678901234567890'" in note for note in report.notes)


def test_offsets_across_a_dst_change_are_converted_to_utc(tmp_path: Path) -> None:
    content = (
        "user_id,item_id,ts\n"
        "u,second,2021-03-28T03:30:00+02:00\n"  # 01:30 UTC
        "u,first,2021-03-28T01:45:00+01:00\n"  # 00:45 UTC
        "u,third,2021-03-28T02:00:00Z\n"
    )
    path = write_bytes(tmp_path / "e.csv", content.encode())
    interactions, _ = read_long(path, "user_id", "item_id", "ts")
    assert sessionize(interactions).iloc[0] == ["first", "second", "third"]
    assert interactions[TIME].iloc[0] == pd.Timestamp("2021-03-28 01:30")


# ---- wide separators --------------------------------------------------------------------


@pytest.mark.parametrize("separator", ["||", "++", ".", "*", "a|b"])
def test_wide_separators_are_literal(tmp_path: Path, separator: str) -> None:
    items = ["x1", "x2", "x3"]
    frame = pd.DataFrame({"user_id": ["u1", "u2"], "product_id": [separator.join(items)] * 2})
    interactions, report = read_wide(
        write_csv(frame, tmp_path / "w.csv"), "user_id", "product_id", separator
    )
    assert sessionize(interactions).tolist() == [items, items]
    assert report.dropped["empty entries in item lists"] == 0


# ---- session gap ------------------------------------------------------------------------


def test_a_session_gap_needs_a_unit(capsys) -> None:
    with pytest.raises(ConfigurationError, match="has no unit"):
        session_gap("30")
    assert session_gap("30min") == pd.Timedelta(minutes=30)
    with pytest.raises(SystemExit) as exit_info:
        main(["pipeline", "--input", "e.csv", "--time-col", "ts", "--session-gap", "30",
              "--out", "never"])  # fmt: skip
    assert exit_info.value.code == 2
    assert "write 30min, 30h or 30D" in capsys.readouterr().err
    assert not Path("never").exists()


# ---- tables: fields, headers, ids, encodings, delimiters --------------------------------


def test_an_unquoted_comma_drops_and_shows_the_row(tmp_path: Path) -> None:
    events = shopping_events(users=30)
    lines = write_csv(events, tmp_path / "e.csv").read_text().splitlines()
    lines[5] = lines[5].replace("t", "t,x", 1)  # an extra field
    lines[9] = lines[9].rsplit(",", 1)[0]  # a missing field
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n")
    interactions, report = read_long(path, "user_id", "item_id", "ts")
    assert report.rows_read == len(events) and len(interactions) == len(events) - 2
    assert report.dropped[MALFORMED_RULE] == 2
    note = next(note for note in report.notes if "fields" in note)
    assert "2 rows have more or fewer than 3 fields" in note and "row 6:" in note
    assert "row 10:" in note and "--delimiter" in note
    assert interactions[ITEM].isin(events["item_id"]).all()  # no cut ids


def test_a_repeated_column_name_is_refused(tmp_path: Path, capsys) -> None:
    path = write_bytes(tmp_path / "e.csv", b"user_id,item_id,item_id\nu,a,b\n")
    assert "several columns named 'item_id'" in refused(tmp_path, capsys, "--input", path)


def test_null_like_user_ids_are_missing_not_one_user(tmp_path: Path) -> None:
    events = shopping_events(users=30)
    events.loc[:8, "user_id"] = "NULL"
    events.loc[9:11, "user_id"] = "N/A"
    _, report = read_long(write_csv(events, tmp_path / "e.csv"), "user_id", "item_id")
    assert report.dropped["no user or no item"] == 12
    assert "'user_id' values 'NULL' x9, 'N/A' x3 count as missing" in report.notes


def test_an_unknown_encoding_is_one_line(tmp_path: Path, capsys) -> None:
    path = write_csv(shopping_events(users=30), tmp_path / "e.csv")
    error = refused(tmp_path, capsys, "--input", path, "--encoding", "utf-9")
    assert "Unknown text encoding 'utf-9'" in error


def test_a_semicolon_file_is_read_and_says_so(tmp_path: Path) -> None:
    events = shopping_events(users=30)
    path = tmp_path / "e.csv"
    events.to_csv(path, sep=";", index=False)
    interactions, report = read_long(path, "user_id", "item_id", "ts")
    assert len(interactions) == len(events)
    assert "read as CSV with the delimiter ';' (detected from the header)" in report.notes[0]


def test_delimiter_flag_is_passed_through(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    shopping_events(users=40).to_csv(path, sep="|", index=False)
    out = tmp_path / "out"
    assert main(["pipeline", "--input", str(path), "--delimiter", "|", "--out", str(out)]) == 0
    notes = json.loads((out / "metrics.json").read_text())["data_quality"]["notes"]
    assert "read as CSV with the delimiter '|' (given), encoding utf-8" in notes


def test_a_delimiter_of_two_characters_is_refused(tmp_path: Path, capsys) -> None:
    path = write_csv(shopping_events(users=30), tmp_path / "e.csv")
    assert "must be one character" in refused(tmp_path, capsys, "--input", path,
                                              "--delimiter", ";;")  # fmt: skip


def test_an_excel_sep_line_is_honoured(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text("sep=;\nuser_id;item_id\nu1;a\nu1;b\n")
    interactions, report = read_long(path, "user_id", "item_id")
    assert interactions[ITEM].tolist() == ["a", "b"]
    assert "from the 'sep=' first line" in report.notes[0]


def test_utf16_with_a_mark_is_read_and_without_one_refused(tmp_path: Path, capsys) -> None:
    text = "user_id,item_id\nu1,café\nu1,b\n"
    interactions, report = read_long(
        write_bytes(tmp_path / "bom.csv", text.encode("utf-16")), "user_id", "item_id"
    )
    assert interactions[ITEM].tolist() == ["café", "b"]
    assert "it is UTF-16 (it starts with a byte-order mark)" in report.notes
    bare = write_bytes(tmp_path / "bare.csv", text.encode("utf-16-le"))
    assert "--encoding utf-16-le" in refused(tmp_path, capsys, "--input", bare)
    interactions, _ = read_long(bare, "user_id", "item_id", encoding="utf-16-le")
    assert interactions[ITEM].tolist() == ["café", "b"]


def test_a_utf8_mark_is_not_part_of_the_first_column(tmp_path: Path) -> None:
    path = write_bytes(tmp_path / "e.csv", "user_id,item_id\nu1,a\n".encode("utf-8-sig"))
    assert read_long(path, "user_id", "item_id")[0][USER].tolist() == ["u1"]


def test_a_parquet_list_column_is_a_wide_table(tmp_path: Path, capsys) -> None:
    frame = pd.DataFrame({"user_id": ["u1", "u2"], "items": [["a", "b", "c"], ["b", "c"]]})
    frame.to_parquet(tmp_path / "w.parquet")
    interactions, _ = read_wide(tmp_path / "w.parquet", "user_id", "items")
    assert sessionize(interactions).tolist() == [["a", "b", "c"], ["b", "c"]]
    error = refused(tmp_path, capsys, "--input", tmp_path / "w.parquet", "--item-col", "items")
    assert "holds lists of values" in error and "--layout wide --items-col items" in error


# ---- metadata coverage ------------------------------------------------------------------


def test_label_coverage_refuses_none_and_warns_below_half(tmp_path: Path) -> None:
    items = pd.Series(["a", "b", "c", "d", "a"])
    labels = pd.Series({"a": "apple", "b": "bean", "c": "corn"})
    assert label_coverage(labels, items) == 0.75
    assert label_coverage_warning(labels, items) is None
    assert "only 25% of the items have a label" in label_coverage_warning(labels[:1], items)
    path = write_bytes(tmp_path / "m.csv", b"sku,item_id,label\na,1,apple\nb,2,bean\n")
    wrong_column = read_labels(path, "item_id", "label")
    with pytest.raises(InputDataError, match="--metadata-item-col"):
        label_coverage(wrong_column, items)
    assert label_coverage(read_labels(path, "sku", "label"), items) == 0.5


def test_the_pipeline_warns_on_few_labels_and_refuses_none(tmp_path: Path, capsys) -> None:
    events = write_csv(shopping_events(), tmp_path / "events.csv")
    items = sorted(pd.read_csv(events, dtype=str)["item_id"].unique())
    few = write_csv(pd.DataFrame({"item_id": items[:10], "label": "x"}), tmp_path / "few.csv")
    none = write_csv(pd.DataFrame({"item_id": ["nope"], "label": "x"}), tmp_path / "none.csv")
    base = ["pipeline", "--input", str(events), "--time-col", "ts", "--metadata"]
    assert main([*base, str(few), "--out", str(tmp_path / "few_run")]) == 0
    assert "warning: only 10% of the items have a label" in capsys.readouterr().err
    assert main([*base, str(none), "--out", str(tmp_path / "none_run")]) == 1
    assert "--metadata-item-col" in capsys.readouterr().err
    assert not (tmp_path / "none_run").exists()


# ---- properties -------------------------------------------------------------------------

instants = st.datetimes(
    min_value=pd.Timestamp("2000-01-01").to_pydatetime(),
    max_value=pd.Timestamp("2035-12-31").to_pydatetime(),
)


@PROPERTY
@given(
    moments=st.lists(instants, min_size=1, max_size=30),
    layout=st.sampled_from(["%d/%m/%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S", "%d-%m-%Y %H:%M:%S"]),
)
def test_rendered_dates_parse_back_or_are_refused_as_ambiguous(moments, layout) -> None:
    moments = [moment.replace(microsecond=0) for moment in moments]
    text = pd.Series([moment.strftime(layout) for moment in moments])
    days = np.array([moment.day for moment in moments])
    months = np.array([moment.month for moment in moments])
    if (days > 12).any() or (days == months).all():
        assert parse_times(text, "ts").times.tolist() == [pd.Timestamp(m) for m in moments]
    else:
        with pytest.raises(InputDataError, match="cannot be told apart"):
            parse_times(text, "ts")


@PROPERTY
@given(
    moments=st.lists(instants, min_size=1, max_size=30),
    unit=st.sampled_from(["s", "ms", "us"]),
)
def test_unix_times_parse_back_in_order(moments, unit) -> None:
    stamps = pd.Series([pd.Timestamp(moment) for moment in moments]).dt.floor(unit)
    numbers = (stamps - pd.Timestamp(0)) // pd.Timedelta(1, unit)
    parsed = parse_times(numbers.astype(str), "ts").times
    assert parsed.tolist() == stamps.tolist()
    assert (parsed.argsort().to_numpy() == stamps.argsort().to_numpy()).all()


metacharacters = st.text(alphabet="|+*.?()[]{}^$\\-;", min_size=1, max_size=4)
plain_items = st.lists(st.text(alphabet="abcxyz0189", min_size=1, max_size=5), min_size=1,
                       max_size=8)  # fmt: skip


@PROPERTY
@given(separator=metacharacters, lists=st.lists(plain_items, min_size=1, max_size=5))
def test_wide_items_round_trip_through_any_separator(tmp_path: Path, separator, lists) -> None:
    frame = pd.DataFrame(
        {"user_id": [f"u{n}" for n in range(len(lists))],
         "product_id": [separator.join(items) for items in lists]}
    )  # fmt: skip
    path = write_csv(frame, tmp_path / "w.csv")
    interactions, _ = read_wide(path, "user_id", "product_id", separator)
    assert sessionize(interactions).tolist() == lists


ids = st.one_of(
    st.sampled_from(sorted(NULL_LIKE) + [" NULL ", "NULLS", "0", "00123", "na n"]),
    st.text(
        alphabet=st.characters(exclude_categories=("Cs", "Cc")) | st.sampled_from(',;"|\t\n '),
        max_size=8,
    ),
)


@PROPERTY
@given(users=st.lists(ids, min_size=1, max_size=20), data=st.data())
def test_ids_are_kept_exactly_or_counted_missing(tmp_path: Path, users, data) -> None:
    items = data.draw(st.lists(ids, min_size=len(users), max_size=len(users)))
    frame = pd.DataFrame({"user_id": users, "item_id": items})
    path = write_csv(frame, tmp_path / "e.csv")
    stripped = frame.apply(lambda column: column.str.strip())
    usable = ~stripped.isin(NULL_LIKE).any(axis=1)
    if not usable.any():
        with pytest.raises(InputDataError, match="No usable rows"):
            read_long(path, "user_id", "item_id")
        return
    interactions, report = read_long(path, "user_id", "item_id")
    assert report.dropped["no user or no item"] == (~usable).sum()
    assert interactions[USER].tolist() == stripped["user_id"][usable].tolist()
    assert interactions[ITEM].tolist() == stripped["item_id"][usable].tolist()
