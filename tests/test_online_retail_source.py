from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from prod2vec.online_retail.source import (
    CACHE_FILENAME,
    SCHEMA,
    ZIP_FILENAME,
    DataDownloadError,
    DataSchemaError,
    load_online_retail,
    validate_transactions,
)
from prod2vec.outputs.atomic import atomic_folder, write_json_atomic, write_parquet_atomic


def uci_style_zip() -> bytes:
    """A small zip shaped like UCI's: one 'Online Retail.xlsx' with mixed int/str ids."""
    sheet = pd.DataFrame(
        {
            "InvoiceNo": [536365, 536365, "C536379", 536380],
            "StockCode": ["85123A", 71053, "D", 22423],
            "Description": ["WHITE HANGING HEART", "WHITE METAL LANTERN ", None, "X"],
            "Quantity": [6, 6, -1, 2],
            "InvoiceDate": pd.to_datetime(
                ["2010-12-01 08:26", "2010-12-01 08:26", "2010-12-01 09:41", "2010-12-01 09:45"]
            ),
            "UnitPrice": [2.55, 3.39, 27.5, 1.0],
            "CustomerID": [17850, 17850, 14527, None],
            "Country": ["United Kingdom"] * 4,
        }
    )
    workbook = io.BytesIO()
    sheet.to_excel(workbook, index=False, sheet_name="Online Retail")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        handle.writestr("Online Retail.xlsx", workbook.getvalue())
    return archive.getvalue()


def assert_schema(frame: pd.DataFrame) -> None:
    validate_transactions(frame)
    assert list(frame.columns) == list(SCHEMA)


def test_download_reads_normalises_and_caches(tmp_path: Path, http_server) -> None:
    http_server.routes["/retail.zip"] = uci_style_zip()
    frame = load_online_retail(tmp_path, url=http_server.url + "/retail.zip", progress=False)

    assert_schema(frame)
    assert frame["InvoiceNo"].tolist() == ["536365", "536365", "C536379", "536380"]
    assert frame["StockCode"].tolist() == ["85123A", "71053", "D", "22423"]
    assert frame["CustomerID"].isna().tolist() == [False, False, False, True]
    assert frame["Description"].isna().sum() == 1
    assert frame["Description"].iloc[1] == "WHITE METAL LANTERN "
    assert sorted(p.name for p in tmp_path.iterdir()) == [CACHE_FILENAME, ZIP_FILENAME]

    # the second load comes from the cache, not the server
    requests = http_server.requests
    cached = load_online_retail(tmp_path, url=http_server.url + "/retail.zip", progress=False)
    assert http_server.requests == requests
    pd.testing.assert_frame_equal(cached, frame)


def test_truncated_zip_gives_clear_error_and_no_cache(tmp_path: Path, http_server) -> None:
    payload = uci_style_zip()
    http_server.routes["/retail.zip"] = payload[: len(payload) // 2]
    with pytest.raises(DataDownloadError, match="not a valid zip.*truncated"):
        load_online_retail(
            tmp_path, url=http_server.url + "/retail.zip", retries=2, retry_wait=0, progress=False
        )
    assert http_server.requests == 2
    assert list(tmp_path.iterdir()) == []


def test_a_bad_zip_left_by_hand_says_how_to_recover(tmp_path: Path) -> None:
    (tmp_path / ZIP_FILENAME).write_bytes(b"not a zip at all")
    with pytest.raises(DataDownloadError, match="not a valid zip.*Delete it and run again"):
        load_online_retail(tmp_path, download=False)
    assert not (tmp_path / CACHE_FILENAME).exists()


def test_short_body_is_retried_then_fails(tmp_path: Path, http_server) -> None:
    payload = uci_style_zip()
    http_server.routes["/retail.zip"] = payload[:1000]
    http_server.declared_lengths["/retail.zip"] = len(payload)
    with pytest.raises(DataDownloadError, match="after 2 attempts"):
        load_online_retail(
            tmp_path, url=http_server.url + "/retail.zip", retries=2, retry_wait=0, progress=False
        )
    assert http_server.requests == 2
    assert list(tmp_path.iterdir()) == []


def test_no_network_says_where_to_put_the_file(tmp_path: Path, http_server) -> None:
    with pytest.raises(DataDownloadError) as error:
        load_online_retail(
            tmp_path, url=http_server.url + "/missing.zip", retries=1, progress=False
        )
    assert str(tmp_path / ZIP_FILENAME) in str(error.value)
    assert "by hand" in str(error.value)


def test_zip_placed_by_hand_is_used_without_network(tmp_path: Path) -> None:
    (tmp_path / ZIP_FILENAME).write_bytes(uci_style_zip())
    frame = load_online_retail(tmp_path, url="http://127.0.0.1:9/unused", download=False)
    assert len(frame) == 4
    assert (tmp_path / CACHE_FILENAME).is_file()


def test_download_false_without_cache_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="by hand"):
        load_online_retail(tmp_path, download=False)


def test_validation_names_missing_columns(transactions: pd.DataFrame) -> None:
    with pytest.raises(DataSchemaError, match=r"missing columns \['Quantity'\]"):
        validate_transactions(transactions.drop(columns="Quantity"))


def test_validation_names_wrong_dtypes(transactions: pd.DataFrame) -> None:
    broken = transactions.assign(
        StockCode=transactions.index.to_numpy(), InvoiceDate=transactions["InvoiceDate"].astype(str)
    )
    with pytest.raises(DataSchemaError) as error:
        validate_transactions(broken)
    message = str(error.value)
    assert "'StockCode' has dtype int64, expected str" in message
    assert "'InvoiceDate'" in message
    assert "normalize_transactions" in message


def test_validation_rejects_non_frames() -> None:
    with pytest.raises(DataSchemaError, match="DataFrame"):
        validate_transactions([1, 2, 3])  # type: ignore[arg-type]


def test_atomic_writes_leave_nothing_on_failure(tmp_path: Path) -> None:
    with pytest.raises((TypeError, ValueError)):
        write_parquet_atomic(pd.DataFrame({"mixed": [1, "a", object()]}), tmp_path / "t.parquet")
    with pytest.raises(TypeError):
        write_json_atomic({"not serialisable": object()}, tmp_path / "result.json")
    assert list(tmp_path.iterdir()) == []
    write_json_atomic({"recall": 0.25}, tmp_path / "result.json")
    assert (tmp_path / "result.json").read_text() == '{\n  "recall": 0.25\n}\n'


def test_atomic_writes_give_the_permissions_of_an_ordinary_write(tmp_path: Path) -> None:
    """Not tempfile's owner-only mode: a shared cache or output must stay readable by the team."""
    umask = os.umask(0o022)
    try:
        write_json_atomic({"recall": 0.25}, tmp_path / "result.json")
        with atomic_folder(tmp_path / "run") as folder:
            (folder / "metrics.json").write_text("{}")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "result.json").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "run").stat().st_mode) == 0o755
    assert sorted(path.name for path in tmp_path.iterdir()) == ["result.json", "run"]


def test_data_errors_belong_to_the_project_error_family() -> None:
    from prod2vec.errors import InputDataError, Prod2VecError, ProjectFileError
    from prod2vec.online_retail.source import DataCacheError

    assert issubclass(DataSchemaError, InputDataError) and issubclass(DataSchemaError, ValueError)
    assert issubclass(DataDownloadError, Prod2VecError)
    assert issubclass(DataDownloadError, RuntimeError)
    assert issubclass(DataCacheError, ProjectFileError) and issubclass(DataCacheError, OSError)
