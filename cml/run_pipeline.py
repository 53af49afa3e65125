"""CML job: the headless pipeline on Online Retail with the tuned configuration.

Writes served/online_retail/ (the model chosen on validation, vectors with output weights,
Projector files, metrics, report), which the model endpoint and the application serve. The
folder is not in .gitignore: a model build copies the project as .gitignore filters it, so the
build sees what this job wrote. Set PROD2VEC_PIPELINE_ARGS to add flags (for example
"--input data/my_events.csv --user-col user_id --item-col item_id --time-col ts").
"""

import os
import shlex

from prod2vec.cli import main
from prod2vec.cml_jobs import finish

extra = shlex.split(os.environ.get("PROD2VEC_PIPELINE_ARGS", ""))
finish(main(["pipeline", "--config", "data/hpo/finalists/best.json",
             "--out", "served/online_retail", "--overwrite", *extra]))  # fmt: skip
