# Two commands do all set-up on a fresh clone (create .venv, install, fetch the data):
#   make tutorial   run every notebook top to bottom, refreshing their outputs in place
#   make test       ruff, then pytest on tests/ and (nbval) on the notebooks' recorded outputs
# and `make html` renders the committed notebooks and the README as a static site in site/.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA := data/online_retail.parquet
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9]*.ipynb))

# Word2Vec seeds its vectors with Python's hash(); a fixed hash seed keeps runs reproducible.
export PYTHONHASHSEED := 0

PYTEST := $(BIN)/python -m pytest -p no:cacheprovider
NBVAL := --nbval --nbval-current-env

.PHONY: setup data tutorial readme test test-notebooks lint lab sync html app bench-status clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev,tune,explore,docs,app]'
	touch $@

data: $(DATA)

$(DATA): | setup
	$(BIN)/python -m prod2vec data

tutorial: setup data
	$(BIN)/jupytext --sync $(NOTEBOOKS)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.timeout=1800 --ExecutePreprocessor.record_timing=False $(NOTEBOOKS)
	$(BIN)/jupytext --sync $(NOTEBOOKS)
	$(BIN)/python -m prod2vec.outputs.readme

# The README's results table, rewritten from the figures notebook 03 records
readme: setup
	$(BIN)/python -m prod2vec.outputs.readme

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Tests re-run the notebooks; their figures go to a temporary folder, not into images/.
test: setup data lint
	PROD2VEC_IMAGES_DIR=$$(mktemp -d) $(PYTEST) $(NBVAL) tests notebooks

# The notebook checks alone, for example under another CPU's BLAS kernels:
#   OPENBLAS_CORETYPE=Prescott make test-notebooks
test-notebooks: setup data
	PROD2VEC_IMAGES_DIR=$$(mktemp -d) $(PYTEST) $(NBVAL) notebooks

lab: setup data
	$(BIN)/jupyter lab notebooks

sync: setup
	$(BIN)/jupytext --sync $(NOTEBOOKS)

# The rendered site, from the committed notebooks as they are (nothing is run): open site/index.html
html: setup
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# The web page to try a run: search products, next items, similar products, the catalogue's map,
# on http://127.0.0.1:8080 ($CDSW_APP_PORT in CML). It serves runs/online_retail, which a pipeline
# run writes first: .venv/bin/python -m prod2vec pipeline --out runs/online_retail
app: setup
	$(BIN)/python -m prod2vec app --run runs/online_retail --host 127.0.0.1

# Which results under benchmarks/results/ were measured on the files as they are now (fresh), and
# which not (stale: the files that changed since; no provenance: written before this was recorded)
bench-status: setup
	$(BIN)/python benchmarks/stale.py

clean:
	rm -rf $(VENV) .ruff_cache .pytest_cache site
