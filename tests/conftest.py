"""Shared fixtures: small transaction tables made here, and a local HTTP server."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd
import pytest

from prod2vec.online_retail import CACHE_FILENAME
from prod2vec.paths import data_dir

#: for tests on the real Online Retail data, which `make` caches (and CI copies in)
needs_data = pytest.mark.skipif(
    not (data_dir() / CACHE_FILENAME).is_file(), reason="the Online Retail cache is not there"
)


def make_transactions(rows: list[tuple]) -> pd.DataFrame:
    """A table in the Online Retail schema from (invoice, code, customer, quantity, minute)."""
    return pd.DataFrame(
        {
            "InvoiceNo": [str(row[0]) for row in rows],
            "StockCode": [str(row[1]) for row in rows],
            "Description": [f"item {row[1]}" for row in rows],
            "Quantity": pd.Series([row[3] for row in rows], dtype="int64"),
            "InvoiceDate": pd.Timestamp("2011-01-01")
            + pd.to_timedelta([row[4] for row in rows], "min"),
            "UnitPrice": pd.Series([1.5] * len(rows), dtype="float64"),
            "CustomerID": pd.Series([row[2] for row in rows], dtype="float64"),
            "Country": ["United Kingdom"] * len(rows),
        }
    )


@pytest.fixture
def transactions() -> pd.DataFrame:
    """Three customers; customer 3 has only two rows; one cancellation, one postage line."""
    return make_transactions(
        [
            ("1001", "85123A", 1, 6, 0),
            ("1001", "71053", 1, 6, 0),
            ("1001", "POST", 1, 1, 0),
            ("1002", "22423", 1, 2, 60),
            ("C1003", "22423", 1, -2, 90),
            ("2001", "84029G", 2, 3, 10),
            ("2001", "84029E", 2, 3, 10),
            ("2002", "85123A", 2, 1, 30),
            ("2003", "71053", 2, 0, 40),
            ("3001", "22423", 3, 1, 5),
            ("3001", "85123A", 3, 1, 5),
            ("4001", "22423", None, 1, 7),
        ]
    )


class _Server:
    """Serves ``routes`` (path -> bytes); ``declared_lengths`` can claim a longer body."""

    def __init__(self) -> None:
        self.routes: dict[str, bytes] = {}
        self.declared_lengths: dict[str, int] = {}
        self.trickle_seconds: dict[str, float] = {}  # path -> pause after every byte
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                server.requests += 1
                body = server.routes.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/zip")
                length = server.declared_lengths.get(self.path, len(body))
                self.send_header("Content-Length", str(length))
                self.end_headers()
                pause = server.trickle_seconds.get(self.path)
                try:
                    if pause is None:
                        self.wfile.write(body)
                    else:  # one byte at a time; the body's length bounds the loop
                        for offset in range(len(body)):
                            self.wfile.write(body[offset : offset + 1])
                            self.wfile.flush()
                            time.sleep(pause)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, as it should on a deadline
                self.close_connection = True

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture
def http_server() -> Iterator[_Server]:
    server = _Server()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture(scope="module")
def local_ray():
    """A Ray of this machine's own for one test module (the tune stage's tests)."""
    import ray

    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    yield
    ray.shutdown()
