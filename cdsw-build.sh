#!/usr/bin/env bash
# CML model build: install the package, without extras, for the endpoint (cml/endpoint.py).
# The build copies the project as .gitignore filters it: the served model is in
# served/online_retail/, written by the "Run the pipeline" job. Needs PyPI (or a mirror).
set -euo pipefail
python3 -m pip install --no-cache-dir --quiet .
