# kmnet: two commands for a newcomer
#   make book   builds the HTML book offline (creates .venv first if needed)
#   make test   runs pytest, nbval on the executed notebooks, the book build and its browser test,
#               then checks that nothing tracked changed
# plus
#   make reproduce [NB=02_gtzan]              re-executes notebooks in place (rewrites results/)
#   make reproduce NB=02_gtzan PARAMS='-p seed 1'
#                                             runs with other parameters into _build/runs/
#                                             (sources, notebooks and results/ stay untouched)
#   make check-reproduce [NB=..]              re-executes into a temporary folder and compares
#                                             every results/*.csv cell by cell
#   make lock                                 refreshes requirements.lock and environment.yml
#   make benchmark                            prints the speed table (benchmarks/)

SHELL  := /bin/bash
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.kmnet-installed
NB     ?= *
PARAMS ?=
RUNS   ?= _build/runs
# Torch: the local CPU wheel on these machines. A GPU user installs a CUDA build of torch into
# .venv first (see README) and runs `make TORCH= ...` so that nothing replaces it.
TORCH  ?= torch==2.13.0

# Results must not depend on the machine's load or core count: hash seed and thread counts are
# fixed for every notebook, test and benchmark (kmnet.experiments.notebook_setup sets the same
# inside the notebooks).
export PYTHONHASHSEED := 0
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export OPENBLAS_NUM_THREADS := 1
export MKL_CBWR := COMPATIBLE

.PHONY: env prereqs book browser test pytest nbval reproduce check-reproduce lock benchmark clean

prereqs:
	@bash tools/prereqs.sh

env: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@bash tools/prereqs.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	if [ -n "$(TORCH)" ]; then $(BIN)/python -m pip install -q --no-deps "$(TORCH)"; fi
	$(BIN)/python -m pip install -q --no-deps --require-hashes -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (kmnet)" >/dev/null
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . -W --keep-going
	@echo "book: open _build/html/index.html"

pytest: prereqs $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider tests

# the built book in headless Chromium (after `make book`; skips with a reason without Chromium)
browser: $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider -m browser tests/browser

# nbval re-executes every notebook, NBVAL_JOBS at a time (one per core; each notebook runs its
# models single-threaded, so the numbers do not depend on it); their result tables go to a
# temporary folder, not results/
# (nproc reads OMP_NUM_THREADS, which this Makefile exports as 1: ask it without)
NBVAL_JOBS ?= $(shell n=$$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc 2>/dev/null || echo 1); \
                [ $$n -gt 2 ] && n=2; echo $$n)
nbval: prereqs $(STAMP)
	@out=$$(mktemp -d); \
	KMNET_RESULTS=$$out $(BIN)/python -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider \
	  -n $(NBVAL_JOBS) --dist loadfile notebooks/; \
	rc=$$?; rm -rf "$$out"; exit $$rc

test: prereqs $(STAMP)
	@state() { git status --porcelain 2>/dev/null; git diff 2>/dev/null | sha1sum; }; \
	before=$$(state); \
	$(MAKE) --no-print-directory pytest nbval book browser || exit $$?; \
	after=$$(state); \
	if [ "$$before" != "$$after" ]; then \
	  echo "make test changed the working tree (git status before / after):"; \
	  diff <(echo "$$before") <(echo "$$after"); exit 1; \
	fi; echo "make test: the working tree is unchanged"

# Without PARAMS: re-execute in place (the committed notebooks and results/ are rewritten).
# With PARAMS: execute a copy into $(RUNS)/ with its tables in $(RUNS)/results/.
reproduce: prereqs $(STAMP)
	@set -e; for src in notebooks/$(NB).py; do \
	  name=$$(basename $${src%.py}); nb=notebooks/$$name.ipynb; \
	  echo "== $$src"; \
	  if [ -z "$(PARAMS)" ]; then \
	    $(BIN)/jupytext --to ipynb --quiet $$src; \
	    $(BIN)/papermill $$nb $$nb -k python3 --cwd notebooks; \
	    $(BIN)/jupytext --sync --quiet $$nb; \
	  else \
	    mkdir -p $(RUNS)/results; \
	    $(BIN)/jupytext --to ipynb --quiet --output $(RUNS)/$$name.source.ipynb $$src; \
	    KMNET_RESULTS=$$PWD/$(RUNS)/results $(BIN)/papermill $(RUNS)/$$name.source.ipynb \
	      $(RUNS)/$$name.ipynb -k python3 --cwd notebooks $(PARAMS); \
	    rm -f $(RUNS)/$$name.source.ipynb; \
	    echo "   -> $(RUNS)/$$name.ipynb, tables in $(RUNS)/results/"; \
	  fi; \
	done

# Re-execute the notebooks into a temporary folder and compare every committed results/*.csv
# with the fresh one, cell by cell (timing columns excepted).
check-reproduce: prereqs $(STAMP)
	@set -e; out=$$(mktemp -d); trap 'rm -rf "$$out"' EXIT; mkdir -p $$out/results; \
	for src in notebooks/$(NB).py; do \
	  name=$$(basename $${src%.py}); echo "== $$name"; \
	  $(BIN)/jupytext --to ipynb --quiet --output $$out/$$name.source.ipynb $$src; \
	  KMNET_RESULTS=$$out/results $(BIN)/papermill $$out/$$name.source.ipynb $$out/$$name.ipynb \
	    -k python3 --cwd notebooks --log-level WARNING; \
	done; \
	$(BIN)/python -m kmnet.experiments.reproduce results $$out/results

lock:
	$(PYTHON) tools/lock.py

benchmark: $(STAMP)
	$(BIN)/python benchmarks/bench_forward.py

clean:
	rm -rf _build .pytest_cache
