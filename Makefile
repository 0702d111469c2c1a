# Set-up is part of every target: a fresh clone needs only `make demo` or `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SHARED ?= ../shared
STAMP  := $(VENV)/.installed

.PHONY: install demo test test-fast lint bench bench-overhead bench-generated bench-summary bench-profile bench-reliability check-qualities metabase clean

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

# minutes less: skips the tests marked slow (soak, wide table, Dask, signals)
test-fast: install
	$(BIN)/python -m pytest -q -p no:cacheprovider -m "not slow"

lint: install
	$(BIN)/ruff check --line-length 100 --select E,F,W,B --ignore E731,B008,B905 automl_cli metabase tests

BENCH_VENV ?= .venv-bench
BENCH_ARGS ?=
BENCH_JOBS ?= 2
BENCH_STORE ?= bench-results/store-without-bench-tables

# FLAML in the benchmark's own environment; the bench skips it with a note where this fails.
$(BENCH_VENV)/.installed:
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install -q 'flaml[automl]==2.7.0' pandas scikit-learn \
	    && touch $@ || echo "note: FLAML could not be installed: the bench runs without it"

# AutoGluon in an environment of its own, as a user installs it (without torch: its neural
# networks skip with a warning); the bench skips it with a note where this fails.
AG_VENV ?= .venv-autogluon
$(AG_VENV)/.installed:
	test -x $(AG_VENV)/bin/python || $(PYTHON) -m venv $(AG_VENV)
	$(AG_VENV)/bin/python -m pip install -q 'autogluon.tabular[lightgbm,catboost,xgboost]==1.6.3' \
	    && touch $@ || echo "note: AutoGluon could not be installed: the bench runs without it"

# Hours: automl fit vs baselines vs FLAML and AutoGluon on 24 tables at 10 s (3 splits) and 60 s (1 split),
# two tables at a time (one core per method); `automl fit` uses a store without those tables.
# Resumable: run `make bench` again after an interruption. E.g. BENCH_ARGS="--tables boston --budgets 10 --splits 1"
bench: install $(BENCH_VENV)/.installed $(AG_VENV)/.installed
	$(BIN)/python tests/bench/bench_recommend.py --out bench-results/recommend.json
	$(BIN)/automl metabase build --no-portfolio --shared $(SHARED) --out $(BENCH_STORE) -q \
	    --exclude $$($(BIN)/python tests/bench/bench_fit.py --names)
	$(BIN)/python tests/bench/bench_fit.py --resume --jobs $(BENCH_JOBS) --store $(BENCH_STORE) \
	    $(BENCH_ARGS)

bench-summary: install
	$(BIN)/python tests/bench/bench_fit.py --summary

# ~40 min: 52 `automl fit` processes; exit 1 if any run ends beyond budget x 1.05 + 2 s;
# then `automl predict` on 10k, 100k and 1M rows: peak memory and rows/s; then the fault
# soak (concurrent fits and predicts, 20 kill -9 of fit: orphans, partial directories) and
# the drift checks (false alarms on unshifted batches, detection of shifted ones)
bench-reliability: install
	$(BIN)/python tests/bench/bench_reliability.py
	$(BIN)/python tests/bench/bench_predict.py
	$(BIN)/python tests/bench/bench_predict_drift.py
	$(BIN)/python tests/bench/bench_faults.py
	$(BIN)/python tests/bench/bench_drift.py

# Minutes: where a fit's seconds go (start-up, profile, recommend, search, ensemble, refit,
# final evaluation, save) on a small, a 20k-row and a 100k-row table at 10 s and 60 s.
bench-overhead: install
	$(BIN)/python tests/bench/bench_overhead.py --label $${LABEL:-run}

# minutes: the generated million-row (60 s) and 400 x 3,000 (30 s) tables of issue 15
bench-generated: install
	$(BIN)/python tests/bench/bench_generated.py --label $${LABEL:-run}

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
