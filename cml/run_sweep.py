"""CML job: the hyperparameter sweep with Ray Tune (long: created at launch, run by hand).

Runs on a Ray cluster when RAY_ADDRESS is set, else on this session's cores. Writes its tables
and best.json to data/hpo/cml_sweep/.
"""

import sys

from prod2vec.cli import main

sys.exit(main(["tune", "--samples", "120", "--max-epochs", "50", "--quiet",
               "--name", "cml_sweep", "--output", "data/hpo/cml_sweep"]))  # fmt: skip
