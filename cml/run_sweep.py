"""CML job: the hyperparameter sweep with Ray Tune (long: created at launch, run by hand).

Runs on a Ray cluster when RAY_ADDRESS is set, else on this session's cores. A CML session is
not a Ray node: give the cluster's Ray Client address, ray://<head>:10001 (what
prod2vec.tune.cml_cluster.ray_on_cml_workers yields). Writes its tables and best.json to
data/hpo/cml_sweep/ only when every trial completed. Run again after an interruption or a
failed trial, the job resumes the sweep: finished trials are kept. Exit code: 0 done, 1 a trial
failed or the cluster cannot be used (one line on stderr says which), 130 interrupted.
"""

import sys

from prod2vec.cli import main
from prod2vec.paths import project_dir

NAME = "cml_sweep"
started = (project_dir() / "ray_results" / NAME / "prod2vec_sweep.json").is_file()
search = ["--resume"] if started else ["--samples", "120", "--max-epochs", "50"]
sys.exit(main(["tune", *search, "--quiet", "--name", NAME, "--output", "data/hpo/cml_sweep"]))
