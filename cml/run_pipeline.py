"""CML job: the headless pipeline on Online Retail with the tuned configuration.

Writes runs/online_retail/ (vectors with output weights, Projector files, metrics, report),
which the model endpoint serves. Set PROD2VEC_PIPELINE_ARGS to add flags (for example
"--input data/my_events.csv --user-col user_id --item-col item_id --time-col ts").
"""

import os
import shlex
import sys

from prod2vec.cli import main

extra = shlex.split(os.environ.get("PROD2VEC_PIPELINE_ARGS", ""))
sys.exit(main(["pipeline", "--config", "data/hpo/finalists/best.json",
               "--out", "runs/online_retail", "--overwrite", *extra]))  # fmt: skip
