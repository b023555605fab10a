# Two entry points (see README): `make train` runs the main job, `make test` runs every test.
# Each creates .venv and installs what it needs on first use (and again when pyproject.toml changes).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SUM    := $(shell cksum pyproject.toml | cut -d' ' -f1)
TRAIN_STAMP := $(VENV)/.train-$(SUM)
TEST_STAMP  := $(VENV)/.test-$(SUM)
# The main job: the seed's quickstart, `torchlean mlp --cpu --steps 10` (Auto MPG, shipped data),
# with its train log and loss curve written under runs/. `make train JOB="digits --check"` runs another.
JOB ?= mlp --cpu --steps 10 --log runs/mlp/trainlog.json

.PHONY: train test bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(TRAIN_STAMP): pyproject.toml | $(BIN)/python
	@echo "make train: installing torchlean (numpy, threadpoolctl) and its examples extra (scikit-learn, tqdm, matplotlib, gymnasium) into $(VENV): no torch, no test tools"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[examples]"
	rm -f $(VENV)/.train-* && touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	@echo "make test: installing torchlean with its test extra (pytest, hypothesis, ruff, torch 2.13 CPU as the oracle, numba, scikit-learn, safetensors, tqdm, matplotlib, gymnasium) into $(VENV)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test,examples]"
	rm -f $(VENV)/.test-* && touch $@

train: $(TRAIN_STAMP)
	$(BIN)/torchlean $(JOB)

test: $(TEST_STAMP)
	$(BIN)/python -m ruff check src tests bench scripts
	$(BIN)/python -m pytest -q

# Benchmarks are not tests: they print timings and ratios to PyTorch measured in the same run.
bench: $(TEST_STAMP)
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python bench/bench_eager.py
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python bench/bench_cnn.py
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python bench/bench_chain.py

lint: $(TEST_STAMP)
	$(BIN)/python -m ruff check src tests bench scripts

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .ruff_cache
