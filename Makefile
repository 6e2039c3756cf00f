# kmnet: two commands for a newcomer
#   make book   builds the HTML book offline (creates .venv first if needed)
#   make test   runs pytest, nbval on the executed notebooks, and the book build
# plus
#   make reproduce [NB=02_gtzan] [PARAMS='-p full true']   re-executes notebooks with papermill
#   make benchmark                                         prints the speed table (benchmarks/)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.kmnet-installed
NB     ?= *
PARAMS ?=
# Torch: the local CPU wheel on these machines. A GPU user installs a CUDA build of torch into
# .venv first (see README) and runs `make TORCH=` so that nothing replaces it.
TORCH  ?= torch==2.13.0

export PYTHONHASHSEED := 0

.PHONY: env book test pytest nbval reproduce benchmark clean

env: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	if [ -n "$(TORCH)" ]; then $(BIN)/python -m pip install -q "$(TORCH)"; fi
	$(BIN)/python -m pip install -q -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (kmnet)" >/dev/null
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . -W --keep-going
	@echo "book: open _build/html/index.html"

pytest: $(STAMP)
	$(BIN)/python -m pytest tests

nbval: $(STAMP)
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider notebooks/

test: pytest nbval book

reproduce: $(STAMP)
	@set -e; for src in notebooks/$(NB).py; do \
	  nb=$${src%.py}.ipynb; \
	  echo "== $$src"; \
	  $(BIN)/jupytext --to ipynb --update --quiet $$src 2>/dev/null || $(BIN)/jupytext --to ipynb --quiet $$src; \
	  $(BIN)/papermill $$nb $$nb -k python3 --cwd notebooks $(PARAMS); \
	  $(BIN)/jupytext --sync --quiet $$nb; \
	done

benchmark: $(STAMP)
	$(BIN)/python benchmarks/bench_forward.py

clean:
	rm -rf _build .pytest_cache
