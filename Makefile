# Two entry points (see README): `make train` runs the main job, `make test` runs every test.
# Both create .venv and install what they need on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: train test bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test,examples]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

train: $(STAMP)
	$(BIN)/python -m torchlean mlp

test: $(STAMP)
	$(BIN)/python -m ruff check src tests bench
	$(BIN)/python -m pytest -q

# Benchmarks are not tests: they print timings and ratios to PyTorch measured in the same run.
bench: $(STAMP)
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python bench/bench_eager.py
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python bench/bench_cnn.py
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python bench/bench_chain.py

lint: $(STAMP)
	$(BIN)/python -m ruff check src tests bench

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .ruff_cache
