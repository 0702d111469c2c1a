# Set-up is part of every target: a fresh clone needs only `make demo` or `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SHARED ?= ../shared
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint bench bench-profile check-qualities metabase metabase-runs clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/python -m automl_cli._demo demo/breast-cancer.csv
	$(BIN)/automl fit demo/breast-cancer.csv --target diagnosis --time-budget 30s \
	    --output demo/model --force
	$(BIN)/automl predict demo/model demo/breast-cancer.csv --proba \
	    --output demo/predictions.csv --force
	head -5 demo/predictions.csv

test: install
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: install
	$(BIN)/ruff check --line-length 100 --select E,F,W,B --ignore E731,B008 automl_cli metabase tests

check-qualities: install
	$(BIN)/python -m metabase.check_qualities

bench-profile: install
	$(BIN)/python -m pip install -q pymfe || echo "pymfe could not be installed: our figures only"
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m metabase._metafeatures.bench

# Rebuild the shipped store from $(SHARED): runs what metabase/history lacks (hours on a
# fresh history; minutes when the runs are cached), then writes metabase/store.
metabase: install
	$(BIN)/automl metabase build --shared $(SHARED) --n-jobs 2

clean:
	rm -rf $(VENV) demo build dist *.egg-info .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
