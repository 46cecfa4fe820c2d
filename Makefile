# The workbench's commands. The first `make` creates .venv and installs the project into it.
#   make study            run a study on the embedded default preset (PRESET=... for another)
#   make test             run the whole test suite (CPU, no network)
#   make lint             ruff + notebook hygiene (outputs stripped)
#   make bench            benchmarks -> outputs/bench/<date>/ (ARGS=--quick: under 5 minutes)
#   make gpu-check        LLM presets at full size on CUDA -> outputs/gpu-check/<date>/ (about
#                         10 minutes; ARGS=--tiny: CPU dry run; docs/gpu-check.md)
#   make dashboard        optuna-dashboard on the preset's study storage (127.0.0.1:8080)
#   make browser          Debian's chromium + Korean fonts, to check rendered reports offline

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EXTRAS ?= all,dev
PRESET ?= tiny-bart
ARGS ?=
# Machines that carry a CPU build of torch on local disk install that file, never a
# multi-GB CUDA download; elsewhere pip resolves torch normally.
TORCH_LOCAL := $(firstword $(wildcard /opt/wheels/torch-2.13.0+cpu-*.whl))

export TOKENIZERS_PARALLELISM ?= false

.PHONY: install study test lint format dashboard clean browser bench notebook-filter gpu-check

install: $(BIN)/.installed notebook-filter

$(BIN)/.installed: pyproject.toml
	@echo "installing the project and its dependencies into $(VENV) (once; a minute or two)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
ifneq ($(TORCH_LOCAL),)
	$(BIN)/python -m pip install --quiet "$(TORCH_LOCAL)"
endif
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $@

# JupyterLab saves outputs (and any edit) into notebooks/*.ipynb. nbstripout's git filter
# (`nbstripout --install`: .git/config and .git/info/attributes of this clone) strips outputs
# and execution counts from what git stores, so `git diff` and commits stay clean; it also
# drops what Lab's kernel writes into the metadata (language_info beyond its name: the Python
# version, lexer, ...; the committed kernelspec is the one Lab writes, ipykernel's python3).
# Set once, quietly after that.
NB_EXTRA_KEYS := $(addprefix metadata.language_info.,codemirror_mode file_extension mimetype \
	nbconvert_exporter pygments_lexer version)
notebook-filter: $(BIN)/.installed
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	  if ! $(BIN)/nbstripout --is-installed >/dev/null 2>&1; then $(BIN)/nbstripout --install && \
	    echo "nbstripout: git filter set; notebook outputs never reach git (see README)"; fi; \
	  if [ "$$(git config filter.nbstripout.extrakeys)" != "$(NB_EXTRA_KEYS)" ]; then \
	    git config filter.nbstripout.extrakeys "$(NB_EXTRA_KEYS)" && \
	    echo "nbstripout: the filter also drops the kernel's language_info"; fi; fi

study: install
	$(BIN)/workbench study --preset $(PRESET) $(ARGS)

# Test files are spread over TEST_WORKERS processes (pytest-xdist; each test runs torch on one
# thread, so on 2 cores two workers halve the time); TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= 2
test: install
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --durations=15 $(ARGS)

bench: install
	HF_HUB_OFFLINE=1 $(BIN)/python -m benchmarks $(ARGS)

gpu-check: install
	HF_HUB_OFFLINE=1 $(BIN)/python -m benchmarks.gpu_check $(ARGS)

dashboard: install
	$(BIN)/workbench dashboard --preset $(PRESET) $(ARGS)

# Notebooks must be committed without outputs. With the filter set, what git holds is checked
# (outputs JupyterLab saved in the files never reach it); without it, the files themselves.
lint: install
	$(BIN)/ruff check workbench benchmarks tests scripts notebooks
	@if $(BIN)/nbstripout --is-installed >/dev/null 2>&1; then \
	  for nb in notebooks/*.ipynb; do git show ":$$nb" | $(BIN)/nbstripout --verify >/dev/null \
	    || { echo "$$nb: git holds it with outputs (nbstripout $$nb; git add $$nb)"; exit 1; }; \
	  done; echo "notebooks: git holds them without outputs"; \
	else $(BIN)/nbstripout --verify notebooks/*.ipynb; fi

format: install
	$(BIN)/ruff check --fix workbench benchmarks tests scripts notebooks
	$(BIN)/nbstripout notebooks/*.ipynb

# `workbench report RECORD --check` and tests/test_report.py open reports in headless Chromium;
# Korean text needs the Nanum fonts. Installs once (apt-get update, then install), as root or
# with sudo; does nothing when both packages are already there.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@dpkg -s chromium fonts-nanum >/dev/null 2>&1 && echo "chromium and fonts-nanum: installed" \
	  || { $(SUDO) apt-get update && \
	       DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y chromium fonts-nanum; }

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
