# The two commands of the quick start. Each creates .venv and installs what it needs when it is
# missing, so a fresh clone needs nothing installed by hand: `make demo` the runtime only (the
# package, Graphviz, GraphiQL's assets), `make test` everything (the dev extras, Chromium, the
# Cypher linter too).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUNTIME_STAMP := $(VENV)/.runtime
WEB := service/api/web
WEB_STAMP := $(WEB)/node_modules/.installed

.PHONY: setup runtime browser graphviz demo lint test soak test-neo4j bench schema clean

LINT := tests/contract/cypher_lint
LINT_STAMP := $(LINT)/node_modules/.installed
A11Y := tests/e2e/a11y
A11Y_STAMP := $(A11Y)/node_modules/.installed

setup: $(STAMP) $(WEB_STAMP) $(LINT_STAMP) $(A11Y_STAMP) browser graphviz
runtime: $(RUNTIME_STAMP) $(WEB_STAMP) graphviz

# Neo4j's own Cypher linter (npm), run by the tests over every statement of the Neo4j store.
$(LINT_STAMP): $(LINT)/package.json $(LINT)/package-lock.json
	npm ci --prefix $(LINT) --no-audit --no-fund --loglevel=error
	touch $(LINT_STAMP)

# axe-core (npm), injected by the web app's browser tests into every page.
$(A11Y_STAMP): $(A11Y)/package.json $(A11Y)/package-lock.json
	npm ci --prefix $(A11Y) --no-audit --no-fund --loglevel=error
	touch $(A11Y_STAMP)

# The HTML report is tested in a real browser: Debian's chromium, installed here, never by hand.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
browser:
	@command -v chromium >/dev/null || { \
	  command -v apt-get >/dev/null || { echo "chromium is needed for the report tests; install it"; exit 1; }; \
	  echo "installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get install -y -q chromium >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -q >/dev/null && $(SUDO) apt-get install -y -q chromium >/dev/null; }; }

# The HTML report's strategy maps are laid out by Graphviz's dot: Debian's package, as above.
graphviz:
	@command -v dot >/dev/null || { \
	  command -v apt-get >/dev/null || { echo "Graphviz (dot) lays out the report's maps; install it"; exit 1; }; \
	  echo "installing Debian's graphviz for the report's strategy maps"; \
	  $(SUDO) apt-get install -y -q graphviz >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -q >/dev/null && $(SUDO) apt-get install -y -q graphviz >/dev/null; }; }

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $(RUNTIME_STAMP)

# the package and its runtime dependencies only: what `make demo` and a user need
$(RUNTIME_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME_STAMP)

# GraphiQL and React come from the npm registry at setup; the server serves them itself.
$(WEB_STAMP): $(WEB)/package.json $(WEB)/package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed to fetch GraphiQL's assets (apt-get install nodejs npm)"; exit 1; }
	npm ci --prefix $(WEB) --no-audit --no-fund --loglevel=error
	touch $(WEB_STAMP)

demo: runtime
	$(BIN)/stratmap demo

# The gate every change passes (versions pinned in pyproject's dev extras): lint, format, types,
# and the layer contracts of DESIGN section 3. `make test` runs it first.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

test: setup lint
	$(BIN)/python -m pytest

# The long checks of reliability (README, "Soak"): SIGKILLs during imports and write bursts,
# writers and readers against one and two servers, a 1M-node rebuild beside a small tenant, and
# the fuzzers run far longer. Loopback only; `timeout` ends it after 15 minutes whatever happens.
SOAK_EXAMPLES ?= 200
soak: setup
	STRATMAP_SOAK=1 STRATMAP_FUZZ_EXAMPLES=$(SOAK_EXAMPLES) timeout --kill-after=30 900 \
	  $(BIN)/python -m pytest -s -p no:cacheprovider tests/soak tests/importers/test_fuzz.py \
	  tests/e2e/test_schemathesis.py

bench: $(STAMP)
	$(BIN)/python benchmarks/engine.py
	$(BIN)/python benchmarks/api.py
	$(BIN)/python benchmarks/store.py
	$(BIN)/python benchmarks/suggest.py
	$(BIN)/python benchmarks/user_paths.py
	$(BIN)/python benchmarks/patch.py

# The contract suite against a real Neo4j: the docker-compose one on a machine with Docker.
NEO4J_PASSWORD ?= stratmap-dev-password
test-neo4j: setup
	NEO4J_PASSWORD=$(NEO4J_PASSWORD) docker compose up -d --wait neo4j
	STRATMAP_NEO4J_URI=bolt://127.0.0.1:7687 STRATMAP_NEO4J_USER=neo4j STRATMAP_NEO4J_PASSWORD=$(NEO4J_PASSWORD) \
	  STRATMAP_CONTRACT_ONLY=neo4j $(BIN)/python -m pytest tests/contract/test_store_contract.py

schema: $(STAMP)
	$(BIN)/python -m graph_schema
	$(BIN)/python -m service.api.export_schema > schema.graphql

clean:
	rm -rf $(VENV) $(WEB)/node_modules $(LINT)/node_modules $(A11Y)/node_modules stratmap.db stratmap.db-wal stratmap.db-shm
