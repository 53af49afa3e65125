"""CML application: the web page to try the recommender (``start_application``).

Serves the run folder PROD2VEC_MODEL_DIR names (default served/online_retail, written by the
pipeline job) with ``python -m prod2vec app``: search products, pick a session, see its next
items (the model the run chose) and similar products (Word2Vec), beside the catalogue's map.
CML gives the application its port in CDSW_APP_PORT and expects it on 127.0.0.1; outside CML
the page is on port 8080. A folder that is missing or not a run is said in one line on stderr.

Like the job scripts, it raises SystemExit only when the application fails (CML runs it under
IPython, which reports any SystemExit as an exception).
"""

import os

from prod2vec.cli import main
from prod2vec.cml_jobs import finish

# the port is CML's CDSW_APP_PORT (8080 outside CML)
run_dir = os.environ.get("PROD2VEC_MODEL_DIR", "served/online_retail")
finish(main(["app", "--run", run_dir, "--host", "127.0.0.1"]))
