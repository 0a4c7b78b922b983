# The one entry point for building and testing agent-policy.
#
#   make test    every check CI runs (formatting, lints, fuzz smoke, CLI smoke, all tests)
#   make build   the release CLI (target/release/agent-policy under CARGO_TARGET_DIR)
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

.PHONY: test toolchain fmt-check clippy fuzz-smoke cli-smoke map-order golden-ids unit-tests build bench fuzz wasm-check

# cargo test runs last: CI reads its closing summary lines.
test: toolchain fmt-check clippy wasm-check fuzz-smoke cli-smoke map-order golden-ids unit-tests

toolchain:
	@command -v $(CARGO) >/dev/null || { echo "error: cargo not found; install Rust with rustup (https://rustup.rs)" >&2; exit 1; }
	@if ! $(CARGO) fmt --version >/dev/null 2>&1; then rustup component add rustfmt; fi
	@if ! $(CARGO) clippy --version >/dev/null 2>&1; then rustup component add clippy; fi

fmt-check: toolchain
	$(CARGO) fmt --all --check

# The Cedar comparison (tests/bench-cedar) is not a default member: it is slow to build and
# only needed by `make bench`.
clippy: toolchain
	$(CARGO) clippy --workspace --exclude agent-policy-bench-cedar --all-targets -- -D warnings

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

# The last line totals every `test result:` line, so the run closes on the whole count.
unit-tests:
	@log="$$(mktemp)"; trap 'rm -f "$$log"' EXIT; \
	$(CARGO) test 2>&1 | tee "$$log"; \
	awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($$(i+1) ~ /^passed/) p += $$i; if ($$(i+1) ~ /^failed/) f += $$i } } \
	     END { printf "total: %d passed, %d failed\n", p, f; if (p == 0) exit 1 }' "$$log"

build:
	$(CARGO) build --release --bin agent-policy
	@echo "built $(CARGO_TARGET_DIR)/release/agent-policy"

bench:
	$(CARGO) bench -p agent-policy-core
	$(CARGO) bench -p agent-policy-bench-cedar

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
