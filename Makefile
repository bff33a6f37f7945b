# ragsync — every set-up step a fresh Debian 12 machine needs is in these targets; each is safe to run again.
SHELL := /bin/bash
SWIFT ?= swift
CONTENT_DIR ?= ./content
BIN_DEBUG := .build/debug/ragsync

.PHONY: setup build db-start db-stop db-url test run clean-data embedding-server

setup:
	@bash scripts/setup.sh

build: setup
	$(SWIFT) build --product ragsync

db-start: setup
	@bash scripts/db.sh start

db-stop:
	@bash scripts/db.sh stop

# Prints the embedded database's URL (it contains the generated password).
db-url:
	@bash scripts/db.sh url

# The whole suite against the real PostgreSQL + pgvector started here; the tests start their own local
# OpenAI-compatible embedding server.
test: setup db-start
	$(SWIFT) build --build-tests
	RAGSYNC_TEST_DATABASE_URL="$$(bash scripts/db.sh url)" $(SWIFT) test --skip-build

# Starts the embedded database and indexes ./content. Without OPENAI_API_KEY or OPENAI_BASE_URL it uses the
# local development embedding server (scripts/embedding_server.py: hashed words, not a language model).
run: build db-start
	@export DATABASE_URL="$${DATABASE_URL:-$$(bash scripts/db.sh url)}"; \
	if [ -z "$${OPENAI_API_KEY:-}" ] && [ -z "$${OPENAI_BASE_URL:-}" ]; then \
		port_file=$$(mktemp); \
		python3 scripts/embedding_server.py --port 0 > "$$port_file" & server=$$!; \
		trap 'kill $$server 2>/dev/null' EXIT; \
		for i in $$(seq 50); do grep -q PORT "$$port_file" && break; sleep 0.1; done; \
		export OPENAI_BASE_URL="http://127.0.0.1:$$(awk '/PORT/{print $$2}' "$$port_file")/v1"; \
		echo "ragsync: no OPENAI_API_KEY; using the local development embedding server at $$OPENAI_BASE_URL"; \
	fi; \
	$(BIN_DEBUG) migrate && $(BIN_DEBUG) sync --content-dir "$(CONTENT_DIR)" && $(BIN_DEBUG) status

# Removes the embedded database's data (asks nothing: the folder is local state).
clean-data: db-stop
	rm -rf .data
