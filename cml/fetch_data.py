"""CML job: download Online Retail from UCI and cache it in data/ (runs at launch)."""

import sys

from prod2vec.cli import main

sys.exit(main(["data", "--quiet"]))
