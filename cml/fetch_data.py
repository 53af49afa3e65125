"""CML job: download Online Retail from UCI and cache it in data/ (runs at launch)."""

from prod2vec.cli import main
from prod2vec.cml_jobs import finish

finish(main(["data", "--quiet"]))
