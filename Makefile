# The one entry point for building and testing agent-policy.
#
#   make test    every check CI runs (formatting, lints, fuzz smoke, CLI smoke, all tests,
#                every surface: Python, Node, browser/wasm, WASI component, with parity)
#   make build   the release CLI (target/release/agent-policy under CARGO_TARGET_DIR)
#   make python  the Python wheel, installed into .venv/ (`.venv/bin/python -c "import agent_policy"`)
#   make node    the Node module (`require('./bindings-node')` from the repository root)
#   make wasm    the browser ES module and the Node build: bindings-wasm/pkg-web, pkg-node
#   make component  the WASI component (world agent-policy:engine)
#   make bench   the engine's benchmarks, then the side-by-side comparison with Cedar
#   make fuzz    a longer fuzzing run of the engine
#
# Works on a fresh machine with a Rust toolchain (rustup): missing components are installed.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := test

export CARGO_TARGET_DIR ?= $(HOME)/.cache/agent-policy/target
CARGO ?= cargo
FUZZ_SECONDS ?= 15
FUZZ_LONG_SECONDS ?= 300
SESSION := examples/session.jsonl

.PHONY: test toolchain fmt-check clippy fuzz-smoke cli-smoke map-order golden-ids unit-tests build bench fuzz wasm-check \
	python node wasm component surfaces parity-cli plugins

# Gzipped size limit of the browser module (pkg-web), KiB: 488 KiB is just under 500 kB. Today's
# module is 472 kB.
WASM_BUDGET_KB ?= 488

# Each surface's test log, read by the closing summary.
LOGS := $(CARGO_TARGET_DIR)/test-logs
COMPONENT := $(CARGO_TARGET_DIR)/wasm32-wasip2/release/agent_policy_component.wasm

# cargo test runs last: CI reads its closing summary lines.
test: toolchain fmt-check clippy wasm-check fuzz-smoke cli-smoke map-order golden-ids parity-cli surfaces unit-tests

toolchain:
	@command -v $(CARGO) >/dev/null || { echo "error: cargo not found; install Rust with rustup (https://rustup.rs)" >&2; exit 1; }
	@if ! $(CARGO) fmt --version >/dev/null 2>&1; then rustup component add rustfmt; fi
	@if ! $(CARGO) clippy --version >/dev/null 2>&1; then rustup component add clippy; fi

# The plugin crates (the authoring crate, the examples, the tests' plugins) are their own
# workspaces, built for wasm32-wasip2.
PLUGIN_MANIFESTS := host-wasmtime/plugin-sdk/Cargo.toml examples/plugins/Cargo.toml host-wasmtime/tests/plugins/Cargo.toml

fmt-check: toolchain
	$(CARGO) fmt --all --check
	@for m in $(PLUGIN_MANIFESTS); do echo "cargo fmt --all --check --manifest-path $$m"; $(CARGO) fmt --all --check --manifest-path $$m || exit 1; done

# The Cedar comparison (tests/bench-cedar) is not a default member: it is slow to build and
# only needed by `make bench`.
clippy: toolchain
	$(CARGO) clippy --workspace --exclude agent-policy-bench-cedar --all-targets -- -D warnings
	@rustup target list --installed | grep -qx wasm32-wasip2 || rustup target add wasm32-wasip2
	$(CARGO) clippy -p agent-policy-component --target wasm32-wasip2 -- -D warnings
	@for m in $(PLUGIN_MANIFESTS); do echo "cargo clippy --manifest-path $$m"; \
		$(CARGO) clippy --quiet --manifest-path $$m --target wasm32-wasip2 --release -- -D warnings || exit 1; done

fuzz-smoke:
	@if [ -f core/fuzz/run.sh ]; then \
		FUZZ_SECONDS=$(FUZZ_SECONDS) bash core/fuzz/run.sh; \
	else \
		echo "fuzz smoke: core/fuzz/run.sh not present, skipped"; \
	fi

# Replays the example session with the built CLI: one decision per action, the bad moments
# blocked, and the leaked key in the session nowhere in the output.
cli-smoke:
	$(CARGO) build --quiet --bin agent-policy
	@bin="$(CARGO_TARGET_DIR)/debug/agent-policy"; \
	out="$$(mktemp)"; trap 'rm -f "$$out"' EXIT; \
	"$$bin" replay $(SESSION) --format json > "$$out"; \
	actions=$$(grep -cv '^[[:space:]]*\(#\|$$\)' $(SESSION)); \
	decisions=$$(wc -l < "$$out"); \
	if [ "$$actions" -ne "$$decisions" ]; then \
		echo "cli smoke: $$actions actions but $$decisions decisions" >&2; exit 1; \
	fi; \
	denied=$$(grep -c '"decision":"\(deny\|terminate\)"' "$$out" || true); \
	if [ "$$denied" -lt 6 ]; then \
		echo "cli smoke: only $$denied actions blocked in $(SESSION)" >&2; exit 1; \
	fi; \
	if grep -q 'sk_live_[A-Za-z0-9]\{24\}' "$$out"; then \
		echo "cli smoke: a secret from $(SESSION) reached the output" >&2; exit 1; \
	fi; \
	"$$bin" lint --policy examples/.agent-policy.yml >/dev/null; \
	echo "cli smoke: $$decisions decisions, $$denied blocked, no secret in the output"

# The corpus again with serde_json's insertion-ordered maps: hashes and documents must not
# depend on the map type a build happens to get.
map-order:
	$(CARGO) test --quiet -p agent-policy-conformance --features preserve-order --test conformance

# The golden documents' ids, recomputed from their inputs without the engine.
golden-ids:
	python3 tests/vectors/ids.py

# Every vector through the CLI, compared with the Rust engine (tests/parity/run_cli.py says
# which cases the command line cannot express).
parity-cli:
	$(CARGO) build --quiet -p agent-policy-host --bin agent-policy
	$(CARGO) build --quiet -p agent-policy-conformance --bin parity
	@dir="$$(mktemp -d)"; trap 'rm -rf "$$dir"' EXIT; \
	"$(CARGO_TARGET_DIR)/debug/parity" cases > "$$dir/cases.jsonl"; \
	"$(CARGO_TARGET_DIR)/debug/parity" reference > "$$dir/ref.jsonl"; \
	python3 tests/parity/run_cli.py "$(CARGO_TARGET_DIR)/debug/agent-policy" "$$dir/cases.jsonl" > "$$dir/cli.jsonl"; \
	python3 tests/parity/compare.py "$$dir/ref.jsonl" cli="$$dir/cli.jsonl"

python:
	bindings-python/make.sh build

node:
	bindings-node/make.sh build

wasm:
	bindings-wasm/make.sh build

component:
	bindings-wasm/component/make.sh build

# The example org policy plugins and the host tests' plugins (wasm32-wasip2 components).
plugins:
	host-wasmtime/plugins.sh build

# Each surface's own tests and its parity with the Rust engine on every vector. Python and
# Node run the example plugins from a policy file, so they are built first and required.
surfaces: plugins
	@mkdir -p "$(LOGS)" && rm -f "$(LOGS)"/*.log
	AGENT_POLICY_PLUGINS_REQUIRED=1 bindings-python/make.sh test 2>&1 | tee "$(LOGS)/python.log"
	AGENT_POLICY_PLUGINS_REQUIRED=1 bindings-node/make.sh test 2>&1 | tee "$(LOGS)/node.log"
	WASM_BUDGET_KB=$(WASM_BUDGET_KB) bindings-wasm/make.sh test 2>&1 | tee "$(LOGS)/wasm.log"

# The last line totals every `test result:` line of cargo and the surfaces' pytest and
# node --test summaries, so the run closes on the whole count. The WASI component test
# (host-wasmtime/tests/component.rs) loads the component built just before, and the plugin
# tests (host-wasmtime/tests/plugins.rs) the plugins.
unit-tests: component plugins
	@log="$$(mktemp)"; trap 'rm -f "$$log"' EXIT; \
	AGENT_POLICY_COMPONENT="$(COMPONENT)" AGENT_POLICY_PLUGINS_REQUIRED=1 $(CARGO) test 2>&1 | tee "$$log"; \
	cat "$(LOGS)"/*.log >> "$$log" 2>/dev/null || true; \
	awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($$(i+1) ~ /^passed/) p += $$i; if ($$(i+1) ~ /^failed/) f += $$i } } \
	     /^=* ?[0-9]+ (passed|failed).* in [0-9.]+s/ { for (i = 1; i <= NF; i++) { if ($$(i+1) ~ /^passed/) p += $$i; if ($$(i+1) ~ /^failed/) f += $$i } } \
	     /^(#|ℹ) pass [0-9]+$$/ { p += $$3 } /^(#|ℹ) fail [0-9]+$$/ { f += $$3 } \
	     END { printf "total: %d passed, %d failed\n", p, f; if (p == 0 || f > 0) exit 1 }' "$$log"

build:
	$(CARGO) build --release --bin agent-policy
	@echo "built $(CARGO_TARGET_DIR)/release/agent-policy"

bench:
	$(CARGO) bench -p agent-policy-core
	$(CARGO) bench -p agent-policy-bench-cedar
	bindings-python/make.sh bench
	bindings-node/make.sh bench
	bindings-wasm/make.sh bench
	bindings-wasm/component/make.sh bench
	host-wasmtime/plugins.sh bench

fuzz:
	@if [ -f core/fuzz/run.sh ]; then \
		FUZZ_SECONDS=$(FUZZ_LONG_SECONDS) bash core/fuzz/run.sh; \
	else \
		echo "error: core/fuzz/run.sh not present" >&2; exit 1; \
	fi

# The core must stay free of IO so that it compiles to WebAssembly.
wasm-check:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	$(CARGO) check -p agent-policy-core --target wasm32-unknown-unknown
