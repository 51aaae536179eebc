# Two commands for people: `make run` and `make test`. Everything else is set-up they trigger.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
STARTER := resources/models/SmolLM2-135M-Instruct.Q4_1.gguf
# Portable CPU build: -march=native crashes in ggml's AMX kernels on CPUs that have AMX.
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DLLAVA_BUILD=OFF

.PHONY: run test test-deps setup lint typecheck check clean-venv bench bench-gui translations package

run: setup
	$(PY) main.py

setup: $(STAMP) $(STARTER) translations

# The compiled .qm files are build outputs; the script skips those already up to date.
translations: | $(STAMP)
	$(PY) -m installers.build_translations

$(STAMP): requirements.lock requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PY) -m pip install --disable-pip-version-check -q \
		--require-hashes -r requirements.lock -r requirements-dev.lock
	touch $(STAMP)

$(STARTER): | $(STAMP)
	$(PY) -m installers.fetch_starter --dest $(STARTER)

lint: setup
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports

# Strict everywhere: the engine, the app (GUI included), the CLI entry point and the installers.
typecheck: setup
	$(PY) -m mypy engine app main.py installers

# Debian packages some tests need (a real Secret Service for the keyring tests); installs only
# as root and only what is missing, otherwise those tests skip with the reason.
test-deps:
	bash installers/test_system_deps.sh

test: lint typecheck test-deps
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

# The frozen Linux bundle (dist/minicpm-chat/), its portable tarball and the .deb, from the tree.
package: setup
	$(PY) -m installers.linux.package --dist dist --work build

bench: setup
	$(PY) main.py bench

bench-gui: setup
	QT_QPA_PLATFORM=offscreen $(PY) main.py bench-gui

clean-venv:
	rm -rf $(VENV)
