"""The command line, ``python -m prod2vec <command>``: one parser, one error boundary.

Each subcommand only parses its arguments and delegates to the package. Expected failures
(a download that fails, a file that is not what it should be) end in one line on stderr naming
the problem and the fix, with exit code 1; bad arguments exit with code 2 (argparse). With
``--debug`` (or ``PROD2VEC_DEBUG=1``) the traceback is shown instead.

Commands
--------
``data``
    Download Online Retail from UCI (or use the cache) and print its size.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from urllib.parse import urlparse

from prod2vec.interactions import InteractionsError
from prod2vec.online_retail import (
    UCI_URL,
    DataDownloadError,
    DataSchemaError,
    load_online_retail,
)
from prod2vec.paths import data_dir

#: failures a user can fix, reported without a traceback (DataCacheError is an OSError)
EXPECTED_ERRORS = (DataDownloadError, DataSchemaError, InteractionsError, OSError, ValueError)


def positive_int(text: str) -> int:
    """An argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def download_url(text: str) -> str:
    """An argparse type: an http(s) or file URL."""
    parsed = urlparse(text)
    if parsed.scheme not in ("http", "https", "file") or not (parsed.netloc or parsed.path):
        raise argparse.ArgumentTypeError(
            f"expected an http(s):// or file:// URL, got {text!r} (the default is {UCI_URL})"
        )
    return text


def _fetch_data(args: argparse.Namespace) -> int:
    frame = load_online_retail(
        args.data_dir, url=args.url, retries=args.retries, progress=not args.quiet
    )
    print(f"Online Retail: {len(frame):,} rows, cached in {args.data_dir or data_dir()}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="python -m prod2vec",
        description="prod2vec: product embeddings from purchase sessions with Word2Vec.",
    )
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of a failure ($PROD2VEC_DEBUG)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    data = commands.add_parser("data", help="download and cache the Online Retail dataset")
    data.add_argument(
        "--data-dir",
        default=None,
        help="cache folder (default: $PROD2VEC_DATA_DIR, else the project's data/)",
    )
    data.add_argument(
        "--url", type=download_url, default=UCI_URL, help="where to download the zip from"
    )
    data.add_argument(
        "--retries", type=positive_int, default=3, help="download attempts (%(default)s)"
    )
    data.add_argument("--quiet", action="store_true", help="no progress bar")
    data.set_defaults(run=_fetch_data)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except EXPECTED_ERRORS as error:
        if args.debug or os.environ.get("PROD2VEC_DEBUG"):
            raise
        print(f"error: {error}", file=sys.stderr)
        return 1
