# The two commands of the README: `make report` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# axe-core for the accessibility tests, from npm at the version tools/axe/package-lock.json pins.
AXE := tools/axe/node_modules/axe-core/axe.min.js

.PHONY: report test lint lab setup system-deps clean lock

report: setup
	$(BIN)/python -m analysis build

test: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check src tests benchmarks

lab: setup
	$(BIN)/jupyter lab notebooks/

setup: system-deps $(STAMP) $(AXE)

system-deps:
	@tools/system-deps.sh

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall when the dependency declarations change; the constraints file pins every version.
$(STAMP): $(VENV)/bin/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,dask]'
	touch $(STAMP)

# npm ci installs exactly the lock file; the files keep npm's fixed 1985 date, so touch.
$(AXE): tools/axe/package.json tools/axe/package-lock.json
	cd tools/axe && npm ci --no-audit --no-fund --loglevel=error
	touch $(AXE)

clean:
	rm -rf reports/* reports/.builds reports/.failed .pytest_cache

# Regenerate the pinned constraints from the current environment (after changing pyproject).
lock: $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[test,dask]'
	$(BIN)/python -m pip freeze --all --exclude-editable | grep -v -E '^(pip|tokyo-hikikomori-benchmark)==' > constraints.txt
