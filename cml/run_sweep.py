"""CML job: the hyperparameter sweep with Ray Tune (long: created at launch, run by hand).

Where it runs (prod2vec.cml_jobs.sweep_job): on the Ray cluster at RAY_ADDRESS when set (Ray
Client, ray://<head>:10001: a CML job is not a Ray node); else, with PROD2VEC_RAY_NODES above
0, on a Ray cluster of that many CML workers that the job starts and always stops; else on
the job's own cores. Writes its tables and best.json to data/hpo/cml_sweep/ only when every
trial completed. Run again after an interruption or a failed trial, the job resumes the sweep:
finished trials are kept. Exit code: 0 done, 1 a trial failed or the cluster cannot be used
(one line on stderr says which), 130 interrupted.
"""

import os

from prod2vec.cml_jobs import finish, sweep_job

finish(sweep_job(os.environ))
