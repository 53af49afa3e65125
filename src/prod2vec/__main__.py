"""Command line: ``python -m prod2vec <command>``.

``data``
    Download Online Retail from UCI (or use the cache) and print its size.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from prod2vec.data import UCI_URL, DataDownloadError, load_online_retail
from prod2vec.paths import data_dir


def _fetch_data(args: argparse.Namespace) -> int:
    try:
        frame = load_online_retail(
            args.data_dir, url=args.url, retries=args.retries, progress=not args.quiet
        )
    except (DataDownloadError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"Online Retail: {len(frame):,} rows, cached in {args.data_dir or data_dir()}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m prod2vec",
        description="prod2vec: product embeddings from purchase sessions with Word2Vec.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    data = commands.add_parser("data", help="download and cache the Online Retail dataset")
    data.add_argument(
        "--data-dir",
        default=None,
        help="cache folder (default: $PROD2VEC_DATA_DIR, else the checkout's data/)",
    )
    data.add_argument("--url", default=UCI_URL, help="where to download the zip from")
    data.add_argument("--retries", type=int, default=3, help="download attempts (%(default)s)")
    data.add_argument("--quiet", action="store_true", help="no progress bar")
    data.set_defaults(run=_fetch_data)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
