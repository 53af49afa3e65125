from __future__ import annotations

import pandas as pd
import pytest

from prod2vec.online_retail import DataSchemaError, clean_transactions, rule_violations


def test_reference_drops_missing_values_and_small_customers(transactions: pd.DataFrame) -> None:
    cleaned, report = clean_transactions(transactions, "reference")
    assert report.removed_by_rule == {"missing_values": 1, "min_rows_per_customer": 2}
    assert set(cleaned["CustomerID"]) == {1.0, 2.0}
    assert len(cleaned) == 9
    assert (report.before.rows, report.after.rows) == (12, 9)
    assert (report.before.customers, report.after.customers) == (3, 2)


def test_clean_also_drops_cancellations_returns_and_service_codes(
    transactions: pd.DataFrame,
) -> None:
    cleaned, report = clean_transactions(transactions, "clean")
    assert report.removed_by_rule == {
        "missing_values": 1,
        "duplicate_rows": 0,
        "cancellations": 1,
        "non_positive_quantity": 1,
        "non_product_codes": 1,
        "min_rows_per_customer": 2,
    }
    assert "POST" not in set(cleaned["StockCode"])
    assert not cleaned["InvoiceNo"].str.startswith("C").any()
    assert (cleaned["Quantity"] > 0).all()
    table = report.to_frame()
    assert table["rows_left"].iloc[-1] == len(cleaned) == report.after.rows
    assert table["rows_removed"].sum() == report.before.rows - report.after.rows


def test_input_is_not_modified(transactions: pd.DataFrame) -> None:
    original = transactions.copy()
    clean_transactions(transactions, "clean")
    pd.testing.assert_frame_equal(transactions, original)


def test_unknown_recipe(transactions: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="Unknown recipe 'tidy'.*'clean', 'reference'"):
        clean_transactions(transactions, "tidy")


def test_empty_frame(transactions: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="empty"):
        clean_transactions(transactions.iloc[:0], "reference")


def test_all_customer_ids_missing(transactions: pd.DataFrame) -> None:
    anonymous = transactions.assign(CustomerID=float("nan"))
    with pytest.raises(ValueError, match="removed every row.*CustomerIDs"):
        clean_transactions(anonymous, "reference")


def test_bad_schema_is_rejected(transactions: pd.DataFrame) -> None:
    with pytest.raises(DataSchemaError, match="missing columns"):
        clean_transactions(transactions.drop(columns=["CustomerID"]))


def test_duplicate_rows_are_counted_kept_by_reference_and_dropped_by_clean(
    transactions: pd.DataFrame,
) -> None:
    doubled = pd.concat([transactions, transactions.iloc[[0, 1, 5]]], ignore_index=True)
    reference, reference_report = clean_transactions(doubled, "reference")
    assert reference_report.before.duplicate_rows == 3
    assert reference_report.after.duplicate_rows == 3  # kept, and said so
    assert "duplicate_rows" in reference_report.summary().index
    clean, clean_report = clean_transactions(doubled, "clean")
    assert clean_report.removed_by_rule["duplicate_rows"] == 3
    assert clean_report.after.duplicate_rows == 0
    assert not clean.duplicated().any()


def test_rule_violations_count_each_row_rule_on_its_own(transactions: pd.DataFrame) -> None:
    doubled = pd.concat([transactions, transactions.iloc[[0]]], ignore_index=True)
    assert rule_violations(doubled).to_dict() == {
        "missing_values": 1,
        "duplicate_rows": 1,
        "cancellations": 1,
        "non_positive_quantity": 2,
        "non_product_codes": 1,
    }
